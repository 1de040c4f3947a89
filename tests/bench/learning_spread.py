#!/usr/bin/env python3
"""The spread of every learning check of the test suite (tests/learning.h), over seeds and builds.

  tests/bench/learning_spread.py --build default=build --build native=build-native \
      [--build avx2=TP_KERNELS=avx2:build] [--seeds 0-9] [--tests test_learning,test_bptt:cliTrainsWithBptt]
      [--json all.json]

Runs each test executable (optionally only the named test functions, after a colon) once per
build and TP_TEST_SEED (seed by seed), collects the "learning: NAME value V bound B" lines, and prints per check
and build the smallest, mean and largest value, the standard deviation over seeds, the smallest
margin (smallest value - bound) and that margin in standard deviations; then the same over all
builds together. A build may be given as name=DIR or name=ENV=VALUE:DIR, as in compare_builds.py.
A failing test still reports its values (the check prints before it asserts).
"""
import argparse, json, os, re, statistics, subprocess, sys

from specs import parse_specs

DEFAULT_TESTS = ("test_learning,test_datasets_cli:nmnistExperimentLearns+shdRecurrentExperimentLearns+"
                 "shdExperimentLearnsWithDropLast,test_synthetic_sets,test_finetune_cli:"
                 "finetuningImprovesHeldOutSpeakerAccuracy,test_sweep_cli:serialSweepWritesRunsAndTheSummary+"
                 "dataParallelTrainingIsDeterministicAndEqualsOneProcessOnOneRank,test_bptt:cliTrainsWithBptt,"
                 "test_sweep:runFoldersAreCompleteOrResumedBitIdentically+finetuningLearnsNewClassesFromTheSupportSet,"
                 "test_conv_training:learnsAboveChance+bpttTrainsAndResumesThroughTheTrainer,"
                 "test_insight_views:confusionPerEpoch")

p = argparse.ArgumentParser()
p.add_argument("--build", action="append", required=True)
p.add_argument("--seeds", default="0-9")
p.add_argument("--tests", default=DEFAULT_TESTS)
p.add_argument("--json", help="write every value to this file")
a = p.parse_args()

lo, _, hi = a.seeds.partition("-")
seeds = list(range(int(lo), int(hi or lo) + 1))
builds = parse_specs(a.build, QT_QPA_PLATFORM="offscreen")


def find(build_dir, exe):
    for root, _, files in os.walk(build_dir):
        if exe in files and "/fuzz" not in root:
            return os.path.join(root, exe)
    sys.exit(f"{exe}: not found under {build_dir}")


line_re = re.compile(r"learning: (.+) value (\S+) bound (\S+)")
values = {}  # (check, build) -> [values]
bounds = {}
tests = [(exe, fns.split("+") if fns else []) for exe, _, fns in (t.partition(":") for t in a.tests.split(","))]
for seed in seeds:  # seed by seed, so that a cut-short run still has every check
    for exe, fns in tests:
        for name, build_dir, env in builds:
            r = subprocess.run([find(build_dir, exe)] + fns, env=dict(env, TP_TEST_SEED=str(seed)),
                               capture_output=True, text=True)
            found = line_re.findall(r.stdout + r.stderr)
            if not found:
                print(f"{exe} ({name}, seed {seed}): no learning line; exit {r.returncode}\n{r.stdout[-2000:]}",
                      file=sys.stderr)
            for check, v, b in found:
                values.setdefault((check, name), []).append(float(v))
                bounds[check] = float(b)
            print(f"{exe} {name} seed {seed}: exit {r.returncode}, " +
                  ", ".join(f"{c} {v}" for c, v, _ in found), file=sys.stderr, flush=True)


def row(check, label, vs):
    sd = statistics.stdev(vs) if len(vs) > 1 else 0.0
    margin = min(vs) - bounds[check]
    in_sd = f"{margin / sd:.1f}" if sd > 0 else "inf"
    return f"| {check} | {label} | {len(vs)} | {min(vs):.4g} | {statistics.mean(vs):.4g} | {max(vs):.4g} | " \
           f"{sd:.3g} | {bounds[check]:.4g} | {margin:.4g} | {in_sd} |"


print("| check | build | runs | min | mean | max | std | bound | smallest margin | margin / std |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for check in dict.fromkeys(c for c, _ in values):
    for name, _, _ in builds:
        if (check, name) in values:
            print(row(check, name, values[(check, name)]))
    if len(builds) > 1:
        print(row(check, "all", [v for (c, _), vs in values.items() if c == check for v in vs]))
if a.json:
    with open(a.json, "w") as f:
        json.dump({f"{c}|{b}": vs for (c, b), vs in values.items()}, f, indent=1)
