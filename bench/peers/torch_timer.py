#!/usr/bin/python3
"""Times PyTorch for bench/peers/compare, with zenith-timer's protocol: it builds the model,
warms up and prints {"warmup_ms": [...]}; then each line "N" on stdin times N runs and prints
{"ms": [...]}.

Usage: torch_timer.py MODEL INPUT.npy [--threads T] [--warmup W]   (MODEL: a zoo name)

There is no ONNX -> PyTorch converter, so the model is rebuilt the way the zoo exporter builds
it, with the same seed and batch-norm calibration: random weights whose activations decay into
denormals run many times slower, so the weights must be those the other engines run.
"""

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "models"))
import export_zoo  # noqa: E402

PROFILING_RUNS = 2


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model", choices=sorted(export_zoo.MODELS))
    parser.add_argument("input")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    seed, build = export_zoo.MODELS[args.model]
    torch.manual_seed(seed)
    model = build()
    export_zoo.fill_zero_parameters(model)
    export_zoo.recalibrate_batchnorm(model)
    model = torch.jit.optimize_for_inference(torch.jit.freeze(torch.jit.script(model.eval())))
    x = torch.from_numpy(np.load(args.input))

    def time_runs(runs):
        ms = []
        for _ in range(runs):
            start = time.perf_counter()
            model(x)
            ms.append((time.perf_counter() - start) * 1e3)
        return ms

    with torch.inference_mode():
        # TorchScript's profiling executor records shapes on the first calls and only then
        # compiles the optimized graph: that is model preparation, not warmup.
        time_runs(PROFILING_RUNS)
        print(json.dumps({"warmup_ms": time_runs(args.warmup)}), flush=True)
        for line in sys.stdin:
            print(json.dumps({"ms": time_runs(int(line))}), flush=True)

if __name__ == "__main__":
    main()
