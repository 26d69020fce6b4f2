#!/usr/bin/python3
"""Writes the images the `zenith classify` CLI tests read: a red JPEG, a red PNG, a green
grayscale-free PNG, a truncated JPEG and a text file named like an image.
Usage: /usr/bin/python3 tests/tools/make_images.py OUTDIR"""

import sys
from pathlib import Path

from PIL import Image

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
Image.new("RGB", (12, 10), (255, 0, 0)).save(out / "red.jpg", quality=95)
Image.new("RGB", (9, 9), (255, 0, 0)).save(out / "red.png")
Image.new("RGB", (16, 16), (0, 255, 0)).save(out / "green.png")
jpeg = (out / "red.jpg").read_bytes()
(out / "truncated.jpg").write_bytes(jpeg[: len(jpeg) // 2])
(out / "text.jpg").write_text("not an image\n")
