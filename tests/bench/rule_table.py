#!/usr/bin/env python3
"""The README's rule x experiment table: every registered rule on every experiment whose layer
kinds it trains, over --seeds seeds: test accuracy (best epoch; mean and sd), training samples/s
(mean over epochs and seeds) and the bytes the engine measured for the run (metrics.json
"memory": weights, Adam, rule state and buffers of the run's own network; mean).

The rules step their weights at different rates (TP and DECOLLE at every time step, BPTT, e-prop
and OTTT once per batch), so one learning rate does not fit all: each rule gets the best of
{0.1, 1, 10, 100} x the experiment's run.lr, chosen by the final TRAINING accuracy of the first seed
(the test split is not looked at), and every seed then runs with it.

  tests/bench/rule_table.py [--cli build/app/traceprop-cli] [--seeds 5] [--rules tp,bptt,...]
                            [--work DIR] [--threads 2]

Data: the built-in generators only (no download): Randman, `dataset make nmnist` and `dataset
make shd` (the N-MNIST and SHD file formats), and `dataset make gesture` for a small conv net.
Each run is a short training (see CASES); the point is the same budget for every rule.
"""
import argparse, json, os, statistics, subprocess, sys, tempfile

p = argparse.ArgumentParser()
p.add_argument("--cli", default="build/app/traceprop-cli")
p.add_argument("--seeds", type=int, default=5)
p.add_argument("--rules", default="", help="comma-separated (default: every registered rule)")
p.add_argument("--work", default="", help="folder for data and runs (default: a temporary one)")
p.add_argument("--threads", type=int, default=2)
a = p.parse_args()
work = a.work or tempfile.mkdtemp(prefix="rule-table-")
root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "experiments")


def cli(*args):
    r = subprocess.run([a.cli, *args], capture_output=True, text=True)
    return r.returncode, r.stdout, r.stderr


def rules_and_kinds():
    code, out, err = cli("help", "rules")
    if code:
        sys.exit(err)
    rules = {}
    for line in out.splitlines():
        if line and not line.startswith(" "):
            rules[line.split()[0]] = None
        elif line.strip().startswith("layers:"):
            name = list(rules)[-1]
            rules[name] = line.split("layers:")[1].split(";")[0].strip().split(", ")
    return rules


def make(kind, *args):
    out = os.path.join(work, kind)
    if not os.path.exists(out):
        code, _, err = cli("dataset", "make", kind, "--out", out, *args)
        if code:
            sys.exit(f"dataset make {kind}: {err}")
    return out


CONV = 'network.layers=[{"type":"conv","size":8,"pool":"max2"},{"type":"conv","size":16,"pool":"avgpool2x2"}]'
CASES = [  # name, layer kind, experiment, overrides
    ("randman", "lif", "randman.json", ["dataset.samples_per_class=300", "run.epochs=5", "run.batch=32"]),
    ("nmnist-mlp", "lif", "nmnist-mlp.json", ["dataset.path=" + make("nmnist", "--train-per-class", "60",
                                                                     "--test-per-class", "20", "--events", "150",
                                                                     "--seed", "1"),
                                              "network.layers.0.size=100", "run.epochs=5", "run.batch=32"]),
    ("shd-rec", "lif", "shd-rec.json", ["dataset.path=" + make("shd", "--train-per-class", "30", "--test-per-class",
                                                               "10", "--events", "55", "--seed", "2"),
                                        "network.layers.0.size=64", "run.epochs=5", "run.batch=32",
                                        "dataset.drop_last=false"]),
    ("conv-small (gesture)", "conv", "dvsgesture-vgg9.json",
     ["dataset.path=" + make("gesture", "--users", "6", "--test-users", "2", "--seed", "3"), CONV,
      "dataset.train_slice_us=0", "run.epochs=8", "run.batch=16"]),
]

rules = rules_and_kinds()
wanted = a.rules.split(",") if a.rules else [r for r in rules if r != "frozen"]


def train(name, exp, sets, rule, seed, lr):
    out = os.path.join(work, "runs", f"{name.split()[0]}.{rule}.{seed}.{lr:g}")
    args = ["train", os.path.join(root, exp), "--out", out, "--threads", str(a.threads), "--set", f"rule.name={rule}",
            "--set", f"run.seed={1000 + seed}", "--set", f"run.lr={lr:g}"]
    for s in sets:
        args += ["--set", s]
    code, _, err = cli(*args)
    if code:
        sys.exit(f"{name} {rule} seed {seed} lr {lr:g}: exit {code}: {err.strip()}")
    return json.load(open(os.path.join(out, "metrics.json")))


print(f"<!-- tests/bench/rule_table.py --seeds {a.seeds}; cli {a.cli} -->")
print("| experiment | rule | lr | test accuracy (mean ± sd) | samples/s | measured bytes |")
print("|---|---|---:|---:|---:|---:|")
for name, kind, exp, sets in CASES:
    base = json.load(open(os.path.join(root, exp)))["run"]["lr"]
    for rule in wanted:
        if kind not in rules.get(rule, []):
            continue
        tried = {lr: train(name, exp, sets, rule, 0, lr) for lr in (0.1 * base, base, 10 * base, 100 * base)}
        lr = max(tried, key=lambda x: tried[x]["epochs"][-1]["train_accuracy"])
        runs = [tried[lr]] + [train(name, exp, sets, rule, seed, lr) for seed in range(1, a.seeds)]
        acc = [100 * m["best_test_accuracy"] for m in runs]
        sps = [statistics.mean(e["samples_per_second"] for e in m["epochs"]) for m in runs]
        mem = [sum(part["total_bytes"] for part in m["memory"]) for m in runs]
        sd = statistics.stdev(acc) if len(acc) > 1 else 0.0
        print(f"| {name} | {rule} | {lr:.0e} | {statistics.mean(acc):.1f} ± {sd:.1f} % | {statistics.mean(sps):.0f} | "
              f"{statistics.mean(mem) / 2**20:.2f} MiB |", flush=True)
