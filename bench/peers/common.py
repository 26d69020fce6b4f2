"""What bench/peers/compare and bench/peers/load_time share: the pinned ONNX Runtime, the seeded
inputs, the threads' environment and the machine line printed above every table."""

import json
import os
import subprocess

import numpy as np

ORT_VERSION = "1.30.0"
IMAGE_SHAPE = (3, 224, 224)
SEED = 0


def ensure_ort(build):
    peers = build / "peers"
    package = peers / "node_modules" / "onnxruntime-node"
    manifest = package / "package.json"
    if not manifest.is_file() or json.loads(manifest.read_text())["version"] != ORT_VERSION:
        print(f"installing onnxruntime-node {ORT_VERSION} into {peers}", flush=True)
        # --ignore-scripts: the postinstall step downloads again; the package already holds the binaries.
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund", "--prefix", str(peers),
                        f"onnxruntime-node@{ORT_VERSION}"], check=True)
    return package


def write_input(folder, batch):
    """One seeded input per batch size: .npy for Zenith and PyTorch, the same bytes raw for Node."""
    folder.mkdir(parents=True, exist_ok=True)
    x = np.random.default_rng(SEED).standard_normal((batch, *IMAGE_SHAPE), dtype=np.float32)
    npy = folder / f"input_b{batch}.npy"
    np.save(npy, x)
    x.tofile(npy.with_suffix(".bin"))
    return npy


def engine_env(threads, spin):
    # Idle threads sleep unless `spin`: why, see compare's --spin.
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if not spin:
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    return env


def cpu_name():
    return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
