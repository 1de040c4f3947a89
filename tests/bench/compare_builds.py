#!/usr/bin/env python3
"""Throughput of two or more traceprop-cli builds side by side, on the bench workloads.

  tests/bench/compare_builds.py --cli native=build-native/app/traceprop-cli \
      --cli default=build/app/traceprop-cli [--reps 5] [--threads 1] [--workloads ...] [--rules tp,bptt]

Runs are interleaved (A B A B ...) so that a noisy neighbour hits every build alike. Prints,
per workload and rule, the median and the best samples per CPU-second of each build (CPU time
of the timed batches: robust to other processes taking turns on the cores) and the ratio of
each build's median to the first build's. A CLI may be given as name=PATH or name=ENV=VALUE:PATH
(e.g. baseline=TP_KERNELS=baseline:build/app/traceprop-cli).
"""
import argparse, json, os, statistics, subprocess, sys

from specs import parse_specs

p = argparse.ArgumentParser()
p.add_argument("--cli", action="append", required=True)
p.add_argument("--reps", type=int, default=5)
p.add_argument("--threads", type=int, default=1)
p.add_argument("--workloads", default="nmnist-mlp,shd-rec,randman,conv-small,dvsgesture-vgg9")
p.add_argument("--rules", default="tp,bptt")
p.add_argument("--json", help="also write all runs to this file")
a = p.parse_args()

clis = parse_specs(a.cli)

runs = {}
for wl in a.workloads.split(","):
    for rule in a.rules.split(","):
        for rep in range(a.reps):
            for name, path, env in clis:
                out = subprocess.run([path, "bench", "--workload", wl, "--rule", rule, "--threads", str(a.threads), "--json"],
                                     env=env, capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"{name} {wl} {rule}: exit {out.returncode}: {out.stderr.strip()}")
                d = json.loads(out.stdout)
                runs.setdefault((wl, rule, name), []).append(d["samples_per_cpu_second"])
        base = statistics.median(runs[(wl, rule, clis[0][0])])
        cells = []
        for name, _, _ in clis:
            r = runs[(wl, rule, name)]
            cells.append(f"{name} median {statistics.median(r):9.2f} best {max(r):9.2f} ({statistics.median(r) / base * 100:5.1f}%)")
        print(f"{wl:16s} {rule:4s} " + " | ".join(cells), flush=True)
if a.json:
    with open(a.json, "w") as f:
        json.dump([{"workload": k[0], "rule": k[1], "build": k[2], "samples_per_cpu_second": v} for k, v in runs.items()], f, indent=1)
