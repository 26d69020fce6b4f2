#!/usr/bin/python3
"""Writes the images the `zenith classify` CLI tests read: a red JPEG, a red PNG, a green
grayscale-free PNG, a truncated JPEG and a text file named like an image; and a ChestX-ray14-style
folder.
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

# A ChestX-ray14-style folder for `zenith bench --mode accuracy`: six gray images and their
# findings in Data_Entry_2017.csv's format; Cardiomegaly and Effusion have positives and
# negatives, the other findings none, so their AUROC is skipped.
xray = out / "chestxray"
(xray / "images").mkdir(parents=True, exist_ok=True)
findings = ["Cardiomegaly", "Effusion|Cardiomegaly", "No Finding", "Effusion", "No Finding",
            "Cardiomegaly"]
rows = ["Image Index,Finding Labels,Follow-up #,Patient ID"]
for i, finding in enumerate(findings):
    name = f"0000000{i}_000.png"
    Image.new("L", (32, 32), 40 * i).save(xray / "images" / name)
    rows.append(f"{name},{finding},0,{i}")
(xray / "Data_Entry_2017.csv").write_text("\n".join(rows) + "\n")
