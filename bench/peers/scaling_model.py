#!/usr/bin/python3
"""Predicted data-parallel scaling efficiency from 2 to 256 nodes (docs/DISTRIBUTED.md).

Usage: bench/peers/scaling_model.py [--compute-ms MODEL=MS ...] [--overlap F]

Ring allreduce of S bytes over N nodes: t(S, N) = 2 (N - 1) / N x S / B + 2 (N - 1) x a, with B a
node's link bandwidth and a the per-message latency (Patarasuk and Yuan; Horovod's and NCCL's
ring). A step takes its compute time c (forward + backward + update on one node, unchanged by N:
weak scaling, the per-node batch fixed) plus the communication the backward pass does not hide:
exposed = max(t - F x backward, t / buckets), with backward = 2/3 c and F the fraction of the
backward pass the buckets overlap (0: none, 1: every bucket but the last). Efficiency =
c / (c + exposed).
"""

import argparse

NETWORKS = {  # bytes/s per node link, seconds per message
    "10 GbE (TCP)": (1.25e9 * 0.9, 25e-6),
    "25 GbE (RoCE)": (3.125e9 * 0.9, 5e-6),
    "100 Gb/s InfiniBand EDR": (12.5e9 * 0.9, 1.5e-6),
}

# Gradient bytes (f32 parameters) and the measured compute time per step on this 2-core machine
# (PERFORMANCE.md 15b/16a), per node.
MODELS = {
    "densenet-small (batch 32)": (102_346 * 4, 40e-3),
    "CheXNet / DenseNet-121 (batch 16)": (7_978_856 * 4, 1.5),
    "ResNet-50 (batch 16)": (25_557_032 * 4, 1.8),
}


def allreduce_seconds(size, nodes, bandwidth, latency):
    return 2 * (nodes - 1) / nodes * size / bandwidth + 2 * (nodes - 1) * latency


def efficiency(size, compute, nodes, bandwidth, latency, overlap, bucket=4 << 20):
    t = allreduce_seconds(size, nodes, bandwidth, latency)
    buckets = max(1, -(-size // bucket))
    exposed = max(t - overlap * 2 / 3 * compute, t / buckets)
    return compute / (compute + exposed)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--overlap", type=float, default=0.8)
    p.add_argument("--compute-ms", action="append", default=[], help="MODEL=MS: override a model's compute time")
    args = p.parse_args()
    models = dict(MODELS)
    for item in args.compute_ms:
        name, ms = item.split("=")
        size, _ = models[name]
        models[name] = (size, float(ms) / 1e3)
    nodes = [2, 4, 8, 16, 32, 64, 128, 256]
    for model, (size, compute) in models.items():
        print(f"\n{model}: {size / 1e6:.1f} MB of gradients, {compute * 1e3:.0f} ms compute per step, "
              f"overlap {args.overlap:.0%} of backward")
        print(f"{'network':<26}" + "".join(f"{n:>7}" for n in nodes))
        for network, (bandwidth, latency) in NETWORKS.items():
            row = [efficiency(size, compute, n, bandwidth, latency, args.overlap) for n in nodes]
            print(f"{network:<26}" + "".join(f"{100 * e:>6.1f}%" for e in row))


if __name__ == "__main__":
    main()
