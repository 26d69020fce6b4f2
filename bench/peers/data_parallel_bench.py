#!/usr/bin/python3
"""Data-parallel training's scaling on this machine: `zenith train` on 1 rank against N ranks.

Usage: bench/peers/data_parallel_bench.py [--model densenet-small] [--batch 32] [--ranks 2]
           [--samples 12800] [--rounds 2] [--zenith build/zenith]

Each round runs, in turn: plain `zenith train` on one thread (no MPI); the same under mpirun
as one rank (`--np 1`: the data-parallel path's own cost, gradients through the communication
thread); and `--np N`, one thread per rank, each rank --batch (weak scaling: the global batch
grows with N). Fashion-MNIST, no shuffling, no validation. Throughput is the last progress line's
images/s (global, since the run's start, first step included: --samples sets a run long enough
that the first step's compilation is a small part). Scaling efficiency = N-rank throughput /
(N x one-rank throughput); overhead = 1 - (--np 1 throughput / plain throughput).
"""

import argparse
import re
import subprocess
import sys


def throughput(command):
    run = subprocess.run(command, capture_output=True, text=True)
    if run.returncode != 0:
        sys.exit(f"failed: {' '.join(command)}\n{run.stdout}\n{run.stderr}")
    rates = re.findall(r"([0-9.]+) images/s", run.stdout)
    if not rates:
        sys.exit(f"no progress line from {' '.join(command)}:\n{run.stdout}")
    summary = [l for l in run.stdout.splitlines() if l.startswith("data-parallel over")]
    return float(rates[-1]), (summary[0] if summary else "")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="densenet-small")
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--ranks", type=int, default=2)
    p.add_argument("--samples", type=int, default=12800, help="samples per rank")
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--zenith", default="build/zenith")
    args = p.parse_args()
    base = [args.zenith, "train", "--model", args.model, "--dataset", "fashion-mnist-train", "--val-dataset", "none",
            "--no-shuffle", "--epochs", "1", "--batch", str(args.batch), "--threads", "1", "--optimizer", "sgd",
            "--lr", "0.05", "--momentum", "0.9", "-o", "/tmp/zenith_data_parallel_bench.onnx"]
    results = {"plain": [], "np1": [], "npN": []}
    for r in range(args.rounds):
        plain, _ = throughput(base + ["--limit", str(args.samples)])
        one, _ = throughput(base + ["--limit", str(args.samples), "--np", "1"])
        many, summary = throughput(base + ["--limit", str(args.samples * args.ranks), "--np", str(args.ranks)])
        results["plain"].append(plain)
        results["np1"].append(one)
        results["npN"].append(many)
        print(f"round {r + 1}: plain {plain:.1f} images/s, --np 1 {one:.1f} (overhead {100 * (1 - one / plain):.1f}%), "
              f"--np {args.ranks} {many:.1f} (efficiency {100 * many / (args.ranks * plain):.1f}%)\n  {summary}",
              flush=True)
    best = {k: max(v) for k, v in results.items()}
    print(f"{args.model}, batch {args.batch} per rank, 1 thread per rank, best of {args.rounds}: plain "
          f"{best['plain']:.1f} images/s, --np 1 {best['np1']:.1f} (overhead {100 * (1 - best['np1'] / best['plain']):.1f}%), "
          f"--np {args.ranks} {best['npN']:.1f} (scaling efficiency {100 * best['npN'] / (args.ranks * best['plain']):.1f}%)")


if __name__ == "__main__":
    main()
