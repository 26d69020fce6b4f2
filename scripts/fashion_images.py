#!/usr/bin/python3
"""Writes the first N images of Fashion-MNIST's test set as PNG files OUT/fashion_<i>_<class>.png
(the class name in the file name, so that a reader of `zenith classify`'s output can check it).

Usage: scripts/fashion_images.py OUT [N]
"""

import gzip
import sys
from pathlib import Path

from PIL import Image

DATA = Path("/usr/share/datasets/fashion-mnist")
CLASSES = (Path(__file__).resolve().parents[1] / "share/labels/fashion-mnist.txt").read_text().splitlines()


def main():
    out, count = Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2
    out.mkdir(parents=True, exist_ok=True)
    images = gzip.open(DATA / "t10k-images-idx3-ubyte.gz").read()[16:]
    labels = gzip.open(DATA / "t10k-labels-idx1-ubyte.gz").read()[8:]
    for i in range(count):
        name = CLASSES[labels[i]].replace("/", "-").replace(" ", "-").lower()
        Image.frombytes("L", (28, 28), images[i * 784:(i + 1) * 784]).save(out / f"fashion_{i}_{name}.png")
        print(out / f"fashion_{i}_{name}.png")


if __name__ == "__main__":
    main()
