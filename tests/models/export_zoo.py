#!/usr/bin/python3
"""Export the reference model zoo that Zenith's model tests compare against.

Usage: /usr/bin/python3 tests/models/export_zoo.py [OUTDIR]   (default build/zoo)

For each model it writes NAME.onnx, NAME_input.npy and NAME_output.npy (the
PyTorch output on that input). Weights are random: there is no network here,
and a test of the runtime only needs the same weights on both sides.
"""

import hashlib
import os
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torchvision
from torch import nn

OPSET = 13
INPUT_SHAPE = (2, 3, 224, 224)
MIN_STD = 1e-2
CALIBRATION_BATCHES = 4
CALIBRATION_BATCH_SIZE = 4
DYNAMIC_AXES = {"input": {0: "batch"}, "output": {0: "batch"}}


def chexnet():
    # CheXNet (Rajpurkar et al. 2017): DenseNet-121 with one sigmoid per
    # ChestX-ray14 finding.
    model = torchvision.models.densenet121(weights=None)
    model.classifier = nn.Sequential(nn.Linear(1024, 14), nn.Sigmoid())
    return model


# Seeds are per model so that adding or reordering models changes nothing else.
MODELS = {
    "resnet50": (1, lambda: torchvision.models.resnet50(weights=None)),
    "mobilenet_v2": (2, lambda: torchvision.models.mobilenet_v2(weights=None)),
    "chexnet": (3, chexnet),
}


def output_files(name):
    return [f"{name}.onnx", f"{name}_input.npy", f"{name}_output.npy"]


def stamp_text():
    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    # torchvision defines the architectures, so its version matters as much as torch's.
    return f"{digest} torch-{torch.__version__} torchvision-{torchvision.__version__}\n"


def save_npy(path, array):
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as f:
        np.save(f, array)
    os.replace(tmp, path)


def fill_zero_parameters(model):
    # torchvision zero-initialises biases (and some weights); a runtime that
    # dropped them would still match the reference, so make them non-zero.
    with torch.no_grad():
        for param in model.parameters():
            if not param.any():
                param.normal_(0.0, 0.05)


def recalibrate_batchnorm(model):
    # Default running statistics (mean 0, var 1) do not match what random
    # weights produce; in eval mode activations then vanish or explode layer by
    # layer (MobileNetV2's outputs end up with std ~1e-10). Recompute them as a
    # plain average over a few batches (momentum=None).
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for _ in range(CALIBRATION_BATCHES):
            model(torch.randn(CALIBRATION_BATCH_SIZE, *INPUT_SHAPE[1:]))
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    model.eval()


def make_sigmoid_outputs_spread(model, x):
    # A near-constant sigmoid output would let a wrong runtime pass, so widen
    # the logits until the probabilities visibly vary.
    linear = model.classifier[0]
    for _ in range(20):
        with torch.no_grad():
            if model(x).std().item() >= MIN_STD:
                return
            linear.weight.mul_(2.0)
    raise AssertionError("chexnet: sigmoid outputs stay nearly constant however the logits are scaled")


def check_onnx(name, path):
    onnx.checker.check_model(str(path))
    model = onnx.load(str(path), load_external_data=False)
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets.get("", opsets.get("ai.onnx")) == OPSET, f"{name}: opset {opsets}, expected {OPSET}"
    for kind, values in (("input", model.graph.input), ("output", model.graph.output)):
        assert [v.name for v in values] == [kind], f"{name}: graph {kind}s {[v.name for v in values]}"
        batch = values[0].type.tensor_type.shape.dim[0]
        assert batch.dim_param == "batch", f"{name}: {kind} batch dimension is not dynamic: {batch}"


def export(name, seed, build, outdir):
    torch.manual_seed(seed)
    model = build()
    fill_zero_parameters(model)
    recalibrate_batchnorm(model)

    x = torch.from_numpy(np.random.default_rng(seed).standard_normal(INPUT_SHAPE, dtype=np.float32))
    if name == "chexnet":
        make_sigmoid_outputs_spread(model, x)
    with torch.no_grad():
        y = model(x)
    std = y.std().item()
    assert std >= MIN_STD, f"{name}: reference output std {std:.3g} < {MIN_STD}; the model is degenerate"
    # Outputs that ignore the input would also let a wrong runtime pass.
    spread = (y[0] - y[1]).abs().max().item()
    assert spread >= MIN_STD, f"{name}: outputs for the two inputs differ by only {spread:.3g}"

    onnx_path = outdir / f"{name}.onnx"
    tmp = outdir / f"{name}.onnx.tmp"
    torch.onnx.export(
        model, x, str(tmp),
        opset_version=OPSET,
        input_names=["input"],
        output_names=["output"],
        dynamic_axes=DYNAMIC_AXES,
        do_constant_folding=True,
    )
    check_onnx(name, tmp)
    os.replace(tmp, onnx_path)
    save_npy(outdir / f"{name}_input.npy", x.numpy())
    save_npy(outdir / f"{name}_output.npy", y.numpy())
    return onnx_path.stat().st_size, tuple(y.shape), std


def main():
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "build/zoo")
    stamp = outdir / ".stamp"
    expected = stamp_text()
    files = [outdir / f for name in MODELS for f in output_files(name)]
    if stamp.is_file() and stamp.read_text() == expected and all(f.is_file() for f in files):
        print(f"zoo up to date in {outdir}")
        return

    outdir.mkdir(parents=True, exist_ok=True)
    # Drop the stamp first so an interrupted export is never mistaken for a complete one.
    stamp.unlink(missing_ok=True)
    torch.set_num_threads(2)
    total = time.perf_counter()
    for name, (seed, build) in MODELS.items():
        start = time.perf_counter()
        size, shape, std = export(name, seed, build, outdir)
        print(f"{name + '.onnx':<18} {size / 1e6:6.1f} MB  output {list(shape)}  std {std:.4f}  "
              f"{time.perf_counter() - start:5.1f} s", flush=True)
    stamp.write_text(expected)
    print(f"zoo exported to {outdir} in {time.perf_counter() - total:.1f} s")


if __name__ == "__main__":
    main()
