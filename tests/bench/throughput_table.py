#!/usr/bin/env python3
"""The README's throughput table: `traceprop-cli bench` per workload, rule and path at 1 and 2
threads, median (and range) of --reps runs, samples/s; also samples per CPU-second at 1 thread.

  tests/bench/throughput_table.py [--cli build/app/traceprop-cli] [--reps 3] [--workloads ...]

Run it on an idle machine: a second process on a 2-core VM moves 2-thread figures by 10-30%.
"""
import argparse, json, statistics, subprocess, sys

p = argparse.ArgumentParser()
p.add_argument("--cli", default="build/app/traceprop-cli")
p.add_argument("--reps", type=int, default=3)
p.add_argument("--workloads", default="nmnist-mlp,shd-rec,randman,conv-small,dvsgesture-vgg9")
p.add_argument("--rules", default="tp,bptt")
p.add_argument("--dense", default="nmnist-mlp,shd-rec", help="workloads also measured on the dense path (TP)")
a = p.parse_args()


def bench(wl, rule, threads, path):
    r = subprocess.run([a.cli, "bench", "--workload", wl, "--rule", rule, "--threads", str(threads), "--path", path,
                        "--json"], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"{wl} {rule} {path} {threads}: exit {r.returncode}: {r.stderr.strip()}")
    return json.loads(r.stdout)


def cell(xs):
    fmt = "{:.0f}" if statistics.median(xs) >= 100 else "{:.2f}"
    return f"{fmt.format(statistics.median(xs))} ({fmt.format(min(xs))}-{fmt.format(max(xs))})"


print("| workload | rule | path | 1 thread | 2 threads | per CPU-second (1 thread) |")
print("|---|---|---|---:|---:|---:|")
for wl in a.workloads.split(","):
    for rule in a.rules.split(","):
        paths = ["auto"] + (["dense"] if rule == "tp" and wl in a.dense.split(",") else [])
        for path in paths:
            one, two, cpu = [], [], []
            for _ in range(a.reps):
                d = bench(wl, rule, 1, path)
                one.append(d["samples_per_second"])
                cpu.append(d["samples_per_cpu_second"])
                two.append(bench(wl, rule, 2, path)["samples_per_second"])
            print(f"| `{wl}` | {rule} | {path} | {cell(one)} | {cell(two)} | {cell(cpu)} |", flush=True)
