"""Shared by the scripts in tests/bench: a program (or build folder) named on the command line
as NAME=PATH or NAME=VAR=VALUE:PATH, e.g. baseline=TP_KERNELS=baseline:build/app/traceprop-cli."""
import os


def parse_specs(specs, **extra_env):
    """[(name, path, environment)] for each spec; the environment is os.environ + extra_env + VAR."""
    parsed = []
    for spec in specs:
        name, rest = spec.split("=", 1)
        env = dict(os.environ, **extra_env)
        if ":" in rest and "=" in rest.split(":", 1)[0]:
            var, rest = rest.split(":", 1)
            k, v = var.split("=", 1)
            env[k] = v
        parsed.append((name, rest, env))
    return parsed
