#!/usr/bin/env python3
"""How far the results of two or more builds (or kernel levels) of traceprop-cli drift apart.

  tests/bench/compare_results.py --cli native=build-native/app/traceprop-cli \
      --cli baseline=TP_KERNELS=baseline:build/app/traceprop-cli [--exp resources/experiments/randman.json] \
      [--seeds 1,2,3] [--set rule.name=bptt ...] [--epochs 20]

Trains the experiment once per CLI and seed (--json, 2 threads) and compares every CLI with the
first on the same seed: the relative difference of the first epoch's training loss (where the
runs still follow the same trajectory), the largest |difference| of the test accuracy over all
epochs, and the final test accuracies. For scale it also prints the same figures between seeds
of the first CLI: a build difference the size of a seed change is float rounding that has grown
chaotically (a spike flipped), not a different algorithm. CLI specs as in compare_builds.py.
"""
import argparse, json, os, subprocess, sys, tempfile

from specs import parse_specs

p = argparse.ArgumentParser()
p.add_argument("--cli", action="append", required=True)
p.add_argument("--exp", default="resources/experiments/randman.json")
p.add_argument("--seeds", default="1,2,3")
p.add_argument("--set", action="append", default=[])
p.add_argument("--epochs", type=int, default=0, help="0 = the experiment's own")
a = p.parse_args()

clis = parse_specs(a.cli)

seeds = [int(s) for s in a.seeds.split(",")]
runs = {}
with tempfile.TemporaryDirectory() as tmp:
    for seed in seeds:
        for name, path, env in clis:
            sets = a.set + [f"run.seed={seed}"] + ([f"run.epochs={a.epochs}"] if a.epochs else [])
            cmd = [path, "train", a.exp, "--json", "--threads", "2", "--out", f"{tmp}/{name}-{seed}"]
            for s in sets:
                cmd += ["--set", s]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True)
            if out.returncode != 0:
                sys.exit(f"{name} seed {seed}: exit {out.returncode}: {out.stderr.strip()}")
            runs[(name, seed)] = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def first_loss(run):  # the first layer's local loss of epoch 1 (`loss` has one entry per layer)
    loss = run[0]["loss"]
    return loss[0] if isinstance(loss, list) else loss


def compare(x, y):
    loss = abs(first_loss(x) - first_loss(y)) / abs(first_loss(y))
    acc = max(abs(p["test_accuracy"] - q["test_accuracy"]) for p, q in zip(x, y)) * 100
    return loss, acc


ref = clis[0][0]
print(f"{a.exp} {' '.join(a.set)}: {len(runs[(ref, seeds[0])])} epochs, seeds {a.seeds}, against {ref}")
worst = {}
for name, _, _ in clis[1:]:
    for seed in seeds:
        loss, acc = compare(runs[(name, seed)], runs[(ref, seed)])
        print(f"  {name:10s} seed {seed}: epoch-1 loss rel. diff {loss:.2e}, max |test acc diff| {acc:5.2f} points,"
              f" final {runs[(name, seed)][-1]['test_accuracy'] * 100:.2f}% vs {runs[(ref, seed)][-1]['test_accuracy'] * 100:.2f}%")
        w = worst.setdefault(name, [0, 0])
        w[0], w[1] = max(w[0], loss), max(w[1], acc)
for name, (loss, acc) in worst.items():
    print(f"  worst {name:10s}: epoch-1 loss {loss:.2e}, test accuracy {acc:.2f} points")
for s, t in zip(seeds, seeds[1:]):
    loss, acc = compare(runs[(ref, t)], runs[(ref, s)])
    print(f"  seed {t} vs seed {s} ({ref}): epoch-1 loss rel. diff {loss:.2e}, max |test acc diff| {acc:5.2f} points")
