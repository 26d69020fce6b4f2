#!/usr/bin/python3
"""Fashion-MNIST test accuracy of a built-in model trained from scratch by `zenith train` and of
the same architecture trained by PyTorch with the same recipe, in one run.

Usage: bench/peers/train_fashion_accuracy.py [--model densenet-small] [--epochs 3] [--batch 64]
           [--lr 0.1] [--momentum 0.9] [--weight-decay 0] [--threads 2] [--seed 0]
           [--limit 0] [--zenith build/zenith] [--skip-zenith] [--skip-torch]

The recipe: SGD with momentum, constant rate, no augmentation, pixels / 255 as the only
preprocessing, each epoch shuffled, the last partial batch left out; the full 10,000-image test
set scored after each epoch. PyTorch's model mirrors src/train/builtin_models.cpp layer by layer
(torchvision's DenseNet layers at CheXNet's small scale; He-normal convolutions, nn.Linear's
default initialization); its initial weights are drawn by PyTorch, not copied from Zenith's: the
comparison is of two trainings of one recipe, as a user would run them.
"""

import argparse
import gzip
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[2]
DATA = Path("/usr/share/datasets/fashion-mnist")


def read_idx(name):
    path = DATA / name
    with (open(path, "rb") if path.exists() else gzip.open(Path(str(path) + ".gz"), "rb")) as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * dims).reshape(shape)


def bn_relu(channels):
    return [nn.BatchNorm2d(channels), nn.ReLU()]


class DenseLayer(nn.Module):
    def __init__(self, channels, growth):
        super().__init__()
        self.body = nn.Sequential(*bn_relu(channels), nn.Conv2d(channels, 4 * growth, 1, bias=False),
                                  *bn_relu(4 * growth), nn.Conv2d(4 * growth, growth, 3, padding=1, bias=False))

    def forward(self, features):
        return self.body(torch.cat(features, 1))


class DenseBlock(nn.Module):
    def __init__(self, channels, layers, growth):
        super().__init__()
        self.layers = nn.ModuleList(DenseLayer(channels + k * growth, growth) for k in range(layers))

    def forward(self, x):
        features = [x]
        for layer in self.layers:
            features.append(layer(features))
        return torch.cat(features, 1)


def densenet_small(classes=10, blocks=(4, 4, 4), growth=12, stem=24):
    parts = [nn.Conv2d(1, stem, 3, padding=1, bias=False), *bn_relu(stem), nn.MaxPool2d(2)]
    channels = stem
    for i, layers in enumerate(blocks):
        parts.append(DenseBlock(channels, layers, growth))
        channels += layers * growth
        if i + 1 < len(blocks):
            parts += [*bn_relu(channels), nn.Conv2d(channels, channels // 2, 1, bias=False), nn.AvgPool2d(2)]
            channels //= 2
    parts += [*bn_relu(channels), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(channels, classes)]
    model = nn.Sequential(*parts)
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight)
    return model


def small_cnn(classes=10):
    return nn.Sequential(nn.Conv2d(1, 32, 3, padding=1, bias=False), *bn_relu(32), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 3, padding=1, bias=False), *bn_relu(64), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(64 * 7 * 7, 128), nn.ReLU(), nn.Linear(128, classes))


def torch_run(a):
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads)
    x = torch.from_numpy(read_idx("train-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
    y = torch.from_numpy(read_idx("train-labels-idx1-ubyte").astype(np.int64))
    if a.limit:
        x, y = x[:a.limit], y[:a.limit]
    tx = torch.from_numpy(read_idx("t10k-images-idx3-ubyte").astype(np.float32) / 255).unsqueeze(1)
    ty = torch.from_numpy(read_idx("t10k-labels-idx1-ubyte").astype(np.int64))
    model = {"densenet-small": densenet_small, "small-cnn": small_cnn}[a.model]()
    optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=a.momentum, weight_decay=a.weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    steps = len(x) // a.batch
    accuracies = []
    for epoch in range(a.epochs):
        model.train()
        order = torch.randperm(len(x))
        start = time.time()
        for s in range(steps):
            index = order[s * a.batch:(s + 1) * a.batch]
            optimizer.zero_grad()
            loss = loss_fn(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
        rate = steps * a.batch / (time.time() - start)
        model.eval()
        with torch.no_grad():
            correct = sum((model(tx[i:i + 500]).argmax(1) == ty[i:i + 500]).sum().item() for i in range(0, len(tx), 500))
        accuracies.append(correct / len(tx))
        print(f"pytorch epoch {epoch + 1}: loss {loss.item():.4f}, {rate:.1f} images/s, test top-1 {accuracies[-1]:.4f}",
              flush=True)
    return accuracies


def zenith_run(a):
    command = [a.zenith, "train", "--model", a.model, "--epochs", str(a.epochs), "--batch", str(a.batch),
               "--lr", str(a.lr), "--momentum", str(a.momentum), "--weight-decay", str(a.weight_decay),
               "--seed", str(a.seed), "-t", str(a.threads), "--val-count", "10000", "-o", "/tmp/zenith_fashion.onnx"]
    if a.limit:
        command += ["--limit", str(a.limit)]
    print(" ".join(command), flush=True)
    accuracies = []
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as p:
        for line in p.stdout:
            match = re.search(r"epoch (\d+): validation .* ([0-9.]+)$", line.strip())
            if match:
                accuracies.append(float(match.group(2)))
            if match or line.startswith("training") or re.search(rf"step (\d+)/\1 ", line):
                print("zenith " + line.strip(), flush=True)
    if p.returncode:
        sys.exit(f"zenith train failed ({p.returncode})")
    return accuracies


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="densenet-small", choices=["densenet-small", "small-cnn"])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--momentum", type=float, default=0.9)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=0)
    p.add_argument("--zenith", default=str(ROOT / "build/zenith"))
    p.add_argument("--skip-zenith", action="store_true")
    p.add_argument("--skip-torch", action="store_true")
    a = p.parse_args()
    z = [] if a.skip_zenith else zenith_run(a)
    t = [] if a.skip_torch else torch_run(a)
    for epoch in range(max(len(z), len(t))):
        cells = [f"{v[epoch]:.4f}" if epoch < len(v) else "-" for v in (z, t)]
        print(f"epoch {epoch + 1}: test top-1 zenith {cells[0]}, pytorch {cells[1]}")
    if z and t:
        print(f"difference (zenith - pytorch) after {a.epochs} epochs: {100 * (z[-1] - t[-1]):+.2f} points")


if __name__ == "__main__":
    main()
