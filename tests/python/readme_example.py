"""The README's Python example, run as written but for its paths (BUILD for build/, a drawn image for the
demo's): it must print CheXNet's findings over 0.5 as a dict name -> score, the same findings and scores
(within 1e-3) as the REF device gives for the same input.

Usage: readme_example.py BUILD_DIR WORK_DIR (ctest: python.readme, after the zoo export)."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

import zenith

ROOT = Path(__file__).resolve().parents[2]
BUILD, WORK = Path(sys.argv[1]), Path(sys.argv[2])
WORK.mkdir(parents=True, exist_ok=True)

readme = (ROOT / "README.md").read_text()
code = readme.split("```python\n", 1)[1].split("```", 1)[0]
image = WORK / "chest.png"
img = Image.new("L", (320, 320), 20)
ImageDraw.Draw(img).ellipse((60, 40, 260, 300), fill=150)
img.save(image)
assert "build/demo/chest.png" in code and "build/zoo/chexnet.onnx" in code, code
code = code.replace("build/demo/chest.png", str(image)).replace("build/zoo/", f"{BUILD}/zoo/")
printed = subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, capture_output=True,
                         text=True).stdout
findings = ast.literal_eval(printed.strip())

pixels = np.asarray(Image.open(image).convert("RGB").resize((224, 224)), np.float32)
x = ((pixels - [123.675, 116.28, 103.53]) / [58.395, 57.12, 57.375]).transpose(2, 0, 1)[None].astype(np.float32)
scores = zenith.Core().compile_model(BUILD / "zoo" / "chexnet.onnx", "REF")(x)["output"][0]
labels = (ROOT / "share" / "labels" / "chestxray14.txt").read_text().split()
expected = {name: float(s) for name, s in zip(labels, scores) if s > 0.5}
print("README example printed:", findings)
assert set(findings) == set(expected), (findings, expected)
assert all(abs(findings[k] - expected[k]) <= 1e-3 for k in expected), (findings, expected)
assert findings, "no finding over 0.5: the check compares nothing"
print("python.readme: passed")
