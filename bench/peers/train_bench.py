#!/usr/bin/python3
"""Training throughput and peak memory, Zenith (`zenith train`) against PyTorch eager, in one run.

Usage: bench/peers/train_bench.py [--models resnet50,densenet121,small-cnn] [--batch 16]
           [--cnn-batch 32] [--threads 2] [--steps 6] [--warmup 2] [--rounds 2] [--zenith build/zenith]

Per model: the model is built with torchvision's random initialisation (seed 0; 1000 classes,
cross-entropy; the small CNN is the Fashion-MNIST one of tests/models, 10 classes) and exported
in training form (batch norm in training mode, nothing folded). Each round runs both frameworks,
each in its own process and in alternating order, training with SGD (momentum 0.9, lr 0.01) on
the same batch size and thread count: PyTorch on random tensors, Zenith on a folder of random
224x224 PNG images (val_map.txt; Fashion-MNIST's training images for the small CNN), so Zenith's
figure includes its image decoding. images/s counts the steps after `--warmup` ones (PyTorch:
timed around the steps; Zenith: from the arrival times of its per-step progress lines). Peak RSS
is each process's own (wait4's ru_maxrss, the process forked from a small wrapper).
Zenith/PyTorch ratios are printed per round and as a range: the machine is shared, so one number
means little.
"""

import argparse
import os
import re
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LR, MOMENTUM = 0.01, 0.9
IMAGE_CLASSES = 1000


def small_cnn():
    import torch.nn as nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, 10))


def build(name):
    import torch
    import torchvision
    torch.manual_seed(0)
    if name == "small-cnn":
        return small_cnn(), (1, 28, 28), 10
    return getattr(torchvision.models, name)(num_classes=IMAGE_CLASSES), (3, 224, 224), IMAGE_CLASSES


def export(name, path):
    import torch
    model, shape, _ = build(name)
    model.train()
    torch.onnx.export(model, torch.randn(2, *shape), str(path), opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)


def torch_worker(name, batch, threads, steps, warmup):
    """Runs in the child process: trains and prints the images/s of the timed steps."""
    import torch
    torch.set_num_threads(threads)
    model, shape, classes = build(name)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    loss_fn = torch.nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)
    x = torch.rand(batch, *shape, generator=generator)
    y = torch.randint(0, classes, (batch,), generator=generator)
    for step in range(warmup + steps):
        if step == warmup:
            start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss_fn(model(x), y).backward()
        optimizer.step()
    print(f"images/s {steps * batch / (time.perf_counter() - start):.4f}", flush=True)


def png(path, pixels, width, height):
    """An 8-bit RGB PNG of `pixels` (bytes, rows of width * 3)."""
    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))
    rows = b"".join(b"\0" + pixels[r * width * 3:(r + 1) * width * 3] for r in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows, 1))
                     + chunk(b"IEND", b""))


def image_folder(folder, count):
    """`count` random 224x224 images with random labels, as an ImageNet-style folder."""
    import numpy as np
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(count):
        png(folder / f"{i}.png", rng.integers(0, 256, 224 * 224 * 3, dtype=np.uint8).tobytes(), 224, 224)
        lines.append(f"{i}.png {rng.integers(0, IMAGE_CLASSES)}")
    (folder / "val_map.txt").write_text("\n".join(lines) + "\n")
    (folder / "labels.txt").write_text("".join(f"class {c}\n" for c in range(IMAGE_CLASSES)))


# Runs argv[1:] as a child and prints its peak RSS last. A child forked from this process would
# count this process's own RSS (torch imported, models exported) in its ru_maxrss, as Linux
# carries the high-water mark across exec; this small interpreter's RSS is far below any
# engine's.
RSS_WRAPPER = """import os, sys
pid = os.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(f"peak-rss-kib {usage.ru_maxrss}", flush=True)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(command, rate_of):
    """Runs `command`, returns (images/s from rate_of(lines with arrival times), peak RSS MiB)."""
    process = subprocess.Popen([sys.executable, "-c", RSS_WRAPPER] + command, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in process.stdout:
        lines.append((time.perf_counter(), line.rstrip("\n")))
    if process.wait() != 0:
        sys.exit(f"failed ({process.returncode}): {' '.join(command)}\n" + "\n".join(l for _, l in lines[-20:]))
    _, last = lines.pop()
    if not last.startswith("peak-rss-kib "):
        sys.exit(f"no peak RSS from the wrapper of {' '.join(command)}: {last}")
    return rate_of(lines), int(last.split()[1]) / 1024


def torch_rate(lines):
    for _, line in lines:
        if line.startswith("images/s "):
            return float(line.split()[1])
    sys.exit("PyTorch printed no images/s:\n" + "\n".join(l for _, l in lines))


def zenith_rate(batch, warmup):
    step_line = re.compile(r"^epoch \d+/\d+ step (\d+)/\d+ ")

    def rate(lines):
        steps = [(t, int(m.group(1))) for t, l in lines if (m := step_line.match(l))]
        timed = [(t, s) for t, s in steps if s >= warmup]
        if len(timed) < 2:
            sys.exit("zenith train printed too few progress lines:\n" + "\n".join(l for _, l in lines))
        (t0, s0), (t1, s1) = timed[0], timed[-1]
        return (s1 - s0) * batch / (t1 - t0)
    return rate


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", default="resnet50,densenet121,small-cnn")
    parser.add_argument("--batch", type=int, default=16, help="batch of the 224x224 models")
    parser.add_argument("--cnn-batch", type=int, default=32, help="batch of the small CNN")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--steps", type=int, default=6, help="timed steps (224x224 models)")
    parser.add_argument("--cnn-steps", type=int, default=1800, help="timed steps (small CNN; its dataset has 60,000 images)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--zenith", default=str(ROOT / "build" / "zenith"))
    parser.add_argument("--work", default=str(ROOT / "build" / "peers" / "train"))
    parser.add_argument("--worker", nargs=5, metavar=("MODEL", "BATCH", "THREADS", "STEPS", "WARMUP"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        name, *numbers = args.worker
        torch_worker(name, *map(int, numbers))
        return

    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_WAIT_POLICY="PASSIVE")
    os.environ.update(env)
    results = {}
    for name in args.models.split(","):
        cnn = name == "small-cnn"
        batch = args.cnn_batch if cnn else args.batch
        steps = args.cnn_steps if cnn else args.steps
        model = work / f"{name}_train.onnx"
        if not model.is_file():
            export(name, model)
        samples = (steps + args.warmup) * batch
        dataset = "fashion-mnist-train"
        if not cnn:
            dataset = str(work / "images")
            if not (work / "images" / f"{samples - 1}.png").is_file():
                image_folder(work / "images", samples)
        zenith = [args.zenith, "train", "--model", str(model), "--dataset", dataset, "--val-dataset", "",
                  "--epochs", "1", "--limit", str(samples), "--batch", str(batch), "--optimizer", "sgd",
                  "--lr", str(LR), "--momentum", str(MOMENTUM), "--threads", str(args.threads),
                  "-o", str(work / f"{name}_trained.onnx")]
        pytorch = [sys.executable, __file__, "--worker", name, str(batch), str(args.threads), str(steps),
                   str(args.warmup)]
        print(f"{name}: batch {batch}, {args.threads} threads, {steps} timed steps after {args.warmup}",
              flush=True)
        print("  zenith: " + " ".join(zenith), flush=True)
        rows = []
        for r in range(args.rounds):
            order = ["zenith", "pytorch"] if r % 2 == 0 else ["pytorch", "zenith"]
            got = {}
            for engine in order:
                if engine == "zenith":
                    got[engine] = run_measured(zenith, zenith_rate(batch, args.warmup))
                else:
                    got[engine] = run_measured(pytorch, torch_rate)
            rows.append(got)
            (zr, zm), (pr, pm) = got["zenith"], got["pytorch"]
            print(f"  round {r + 1}: zenith {zr:.2f} images/s, {zm:.0f} MiB; pytorch {pr:.2f} images/s, "
                  f"{pm:.0f} MiB; speed ratio {zr / pr:.2f}, memory ratio {zm / pm:.2f}", flush=True)
        results[name] = rows
    print("\nmodel        zenith images/s   pytorch images/s   zenith/pytorch   peak RSS MiB zenith / pytorch")
    for name, rows in results.items():
        z = [g["zenith"][0] for g in rows]
        p = [g["pytorch"][0] for g in rows]
        ratio = [g["zenith"][0] / g["pytorch"][0] for g in rows]
        zm = max(g["zenith"][1] for g in rows)
        pm = max(g["pytorch"][1] for g in rows)
        print(f"{name:12} {min(z):7.2f}-{max(z):<7.2f}   {min(p):7.2f}-{max(p):<7.2f}    "
              f"{min(ratio):.2f}-{max(ratio):.2f}        {zm:.0f} / {pm:.0f}")


if __name__ == "__main__":
    main()
