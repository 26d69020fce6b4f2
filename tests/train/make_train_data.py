#!/usr/bin/python3
"""Writes the datasets the `zenith train` data CLI tests read: npy folders (float samples the
small CNN takes, uint8 pixels, and samples of the wrong size) and a 28x28 gray image folder of
two classes.
Usage: /usr/bin/python3 tests/train/make_train_data.py OUTDIR"""

import sys
from pathlib import Path

import numpy as np
from PIL import Image

out = Path(sys.argv[1])
rng = np.random.default_rng(0)


def npy_folder(name, inputs, labels):
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    np.save(folder / "inputs.npy", inputs)
    np.save(folder / "labels.npy", labels)


npy_folder("npy_float", rng.random((64, 1, 28, 28), dtype=np.float32),
           rng.integers(0, 10, 64).astype(np.int64))
npy_folder("npy_pixels", rng.integers(0, 256, (64, 1, 28, 28)).astype(np.uint8),
           rng.integers(0, 10, 64).astype(np.int32))
npy_folder("npy_small", rng.random((64, 1, 20, 20), dtype=np.float32),
           rng.integers(0, 10, 64).astype(np.int64))

# Class "bright" is light squares, "dark" dark ones.
for label, level in (("bright", 200), ("dark", 40)):
    folder = out / "classes" / label
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(16):
        pixels = np.clip(level + rng.integers(-30, 30, (28, 28)), 0, 255).astype(np.uint8)
        Image.fromarray(pixels, "L").save(folder / f"{i:02}.png")
