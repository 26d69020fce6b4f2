#!/usr/bin/python3
"""Export bench/peers/broad's models: one of every torchvision classification family, one segmentation
and one video model, and models of other kinds (broad_models.py), with random seeded weights.

Usage: /usr/bin/python3 bench/peers/export_broad.py [OUTDIR] [--models a,b]   (default build/broad)

For each model it writes NAME.onnx (opset 13, dynamic batch axis "batch"), its seeded batch-1
inputs NAME_input.npy (NAME_input0.npy, NAME_input1.npy, ... in the model's input order when
there are several) and PyTorch's output on them, NAME_output.npy. models.json lists every model's
inputs and outputs, so that broad draws the same inputs at any batch size (common.seeded_inputs). A stamp
skips the export while this file, broad_models.py, seeded_inputs and the torch versions are
unchanged. A model that fails to export is listed, with the reason, under "failed" in models.json.
"""

import argparse
import hashlib
import inspect
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import onnx
import torch
import torchvision
from torch import nn

import broad_models
from common import seeded_inputs

# The zoo's exporter already writes .npy files atomically and makes zero parameters non-zero.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests" / "models"))
from export_zoo import fill_zero_parameters, save_npy  # noqa: E402

HERE = Path(__file__).resolve().parent
OPSET = 13
MIN_STD = 1e-2
CALIBRATION_BATCHES = 4
CALIBRATION_BATCH_SIZE = 4


def image(size=224):
    return [{"name": "input", "shape": [3, size, size], "dtype": "float32"}]


def vision(name, **kwargs):
    return lambda: getattr(torchvision.models, name)(weights=None, **kwargs)


def segmentation(name):
    return lambda: broad_models.SegmentationOut(
        getattr(torchvision.models.segmentation, name)(weights=None, weights_backbone=None))


def video(name):
    return lambda: getattr(torchvision.models.video, name)(weights=None)


def he_initialized(build):
    # AlexNet keeps PyTorch's default initialisation, which shrinks the signal at every layer:
    # without batch norm to restore it, two inputs' outputs differ by ~1e-3. He initialisation,
    # which torchvision gives VGG, keeps the activations' scale through the ReLUs.
    def build_he():
        model = build()
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
        return model
    return build_he


# name: (seed, build, input specs). Seeds are per model so that adding one changes no other.
# The zoo (tests/models/export_zoo.py) already holds ResNet-50, DenseNet-121 and MobileNetV2,
# which bench/peers/compare times: their families are represented here by other members.
MODELS = {
    "alexnet": (101, he_initialized(vision("alexnet")), image()),
    "vgg11": (102, vision("vgg11"), image()),
    "resnet18": (103, vision("resnet18"), image()),
    "resnext50_32x4d": (104, vision("resnext50_32x4d"), image()),
    "wide_resnet50_2": (105, vision("wide_resnet50_2"), image()),
    "squeezenet1_1": (106, vision("squeezenet1_1"), image()),
    "googlenet": (107, vision("googlenet", init_weights=True), image()),
    "inception_v3": (108, vision("inception_v3", init_weights=True), image(299)),
    "mobilenet_v3_small": (109, vision("mobilenet_v3_small"), image()),
    "mnasnet0_5": (110, vision("mnasnet0_5"), image()),
    "shufflenet_v2_x1_0": (111, vision("shufflenet_v2_x1_0"), image()),
    "efficientnet_b0": (112, vision("efficientnet_b0"), image()),
    "regnet_y_400mf": (113, vision("regnet_y_400mf"), image()),
    "convnext_tiny": (114, vision("convnext_tiny"), image()),
    "vit_b_16": (115, vision("vit_b_16"), image()),
    "swin_t": (116, vision("swin_t"), image()),
    "maxvit_t": (117, vision("maxvit_t"), image()),
    # EfficientNetV2's fused blocks (3x3 Conv + SiLU + residual Add) are a pattern the first
    # EfficientNet lacks: on AVX2 it once ran 6x slower than ONNX Runtime.
    "efficientnet_v2_s": (120, vision("efficientnet_v2_s"), image()),
    # Segmentation (an atrous pyramid on a 14x14 map, bilinear upsampling) and video (3-D
    # convolutions over an 8-frame 112x112 clip): torchvision's other two families.
    "deeplabv3_mobilenet_v3_large": (118, segmentation("deeplabv3_mobilenet_v3_large"), image()),
    "r3d_18": (119, video("r3d_18"), [{"name": "input", "shape": [3, 8, 112, 112], "dtype": "float32"}]),
    "bert_encoder": (201, broad_models.BertEncoder,
                     [{"name": "input", "shape": [128], "dtype": "int64", "high": 30522}]),
    "gpt_decoder": (207, broad_models.GptDecoder,
                    [{"name": "input", "shape": [64], "dtype": "int64", "high": 5000}]),
    "lstm": (202, lambda: broad_models.Recurrent(nn.LSTM),
             [{"name": "input", "shape": [50, 64], "dtype": "float32"}]),
    "gru": (203, lambda: broad_models.Recurrent(nn.GRU),
            [{"name": "input", "shape": [50, 64], "dtype": "float32"}]),
    "unet3d": (204, broad_models.UNet3d, [{"name": "input", "shape": [1, 32, 64, 64], "dtype": "float32"}]),
    "dlrm": (205, broad_models.Dlrm,
             [{"name": "dense", "shape": [broad_models.DLRM_DENSE], "dtype": "float32"},
              # Each table's ids below its own row count: `high` broadcasts over [tables, bag].
              {"name": "sparse", "shape": [len(broad_models.DLRM_TABLES), broad_models.DLRM_BAG],
               "dtype": "int64", "high": [[rows] for rows in broad_models.DLRM_TABLES]}]),
    "ensemble": (206, broad_models.Ensemble,
                 [{"name": "image", "shape": [1, 28, 28], "dtype": "float32"},
                  {"name": "features", "shape": [32], "dtype": "float32"},
                  {"name": "sequence", "shape": [20, 16], "dtype": "float32"}]),
}


def input_files(name, specs):
    if len(specs) == 1:
        return [f"{name}_input.npy"]
    return [f"{name}_input{i}.npy" for i in range(len(specs))]


def output_files(name, specs):
    return [f"{name}.onnx", *input_files(name, specs), f"{name}_output.npy"]


def stamp_text():
    digest = hashlib.sha256()
    for source in ("export_broad.py", "broad_models.py"):
        digest.update((HERE / source).read_bytes())
    digest.update(inspect.getsource(seeded_inputs).encode())
    return f"{digest.hexdigest()} torch-{torch.__version__} torchvision-{torchvision.__version__}\n"


def recalibrate_batchnorm(model, specs, seed):
    # With random weights the default running statistics (mean 0, var 1) are far off, and in eval
    # mode activations vanish layer by layer into denormals, which no engine runs at its real
    # speed. So they become the plain average over a few seeded batches (momentum None).
    norms = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return
    for m in norms:
        m.reset_running_stats()
        m.momentum = None
    model.train()
    with torch.no_grad():
        for i in range(CALIBRATION_BATCHES):
            model(*map(torch.from_numpy, seeded_inputs(specs, CALIBRATION_BATCH_SIZE, seed + 1000 + i)))
    model.eval()


def widen_sigmoid(model, inputs):
    # DLRM's click probabilities start nearly constant at 0.5; scaling the last layer spreads them,
    # so that the output check can tell a wrong runtime from a right one.
    last = model.top[-1]
    for _ in range(20):
        with torch.no_grad():
            if model(*inputs).std().item() >= MIN_STD:
                return
            last.weight.mul_(2.0)
    raise AssertionError("dlrm: sigmoid outputs stay nearly constant however the logits are scaled")


def check_onnx(name, path, specs):
    onnx.checker.check_model(str(path))
    model = onnx.load(str(path), load_external_data=False)
    opsets = {o.domain: o.version for o in model.opset_import}
    assert opsets.get("", opsets.get("ai.onnx")) == OPSET, f"{name}: opset {opsets}, expected {OPSET}"
    assert [v.name for v in model.graph.input] == [s["name"] for s in specs], f"{name}: inputs {model.graph.input}"
    assert [v.name for v in model.graph.output] == ["output"], f"{name}: outputs {model.graph.output}"
    for value in (*model.graph.input, *model.graph.output):
        batch = value.type.tensor_type.shape.dim[0]
        assert batch.dim_param == "batch", f"{name}: {value.name}'s batch dimension is not dynamic: {batch}"


def export(name, seed, build, specs, outdir):
    torch.manual_seed(seed)
    model = build()
    fill_zero_parameters(model)
    recalibrate_batchnorm(model, specs, seed)
    model.eval()

    # Two samples, to check that the outputs depend on the input; the reference is batch 1's.
    pair = [torch.from_numpy(x) for x in seeded_inputs(specs, 2, seed)]
    if name == "dlrm":
        widen_sigmoid(model, pair)
    inputs = [torch.from_numpy(x) for x in seeded_inputs(specs, 1, seed)]
    with torch.no_grad():
        spread = model(*pair)
        y = model(*inputs)
    assert y.std().item() >= MIN_STD or y.numel() == 1, f"{name}: reference output std {y.std():.3g}"
    difference = (spread[0] - spread[1]).abs().max().item()
    assert difference >= MIN_STD, f"{name}: outputs for two inputs differ by only {difference:.3g}"

    names = [s["name"] for s in specs]
    onnx_path = outdir / f"{name}.onnx"
    tmp = outdir / f"{name}.onnx.tmp"
    torch.onnx.export(
        model, tuple(inputs), str(tmp),
        opset_version=OPSET,
        input_names=names,
        output_names=["output"],
        dynamic_axes={n: {0: "batch"} for n in [*names, "output"]},
        do_constant_folding=True,
    )
    check_onnx(name, tmp, specs)
    os.replace(tmp, onnx_path)
    for file, x in zip(input_files(name, specs), inputs):
        save_npy(outdir / file, x.numpy())
    save_npy(outdir / f"{name}_output.npy", y.numpy())
    return onnx_path.stat().st_size, tuple(y.shape)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("outdir", nargs="?", default="build/broad")
    p.add_argument("--models", default=",".join(MODELS), help="a subset, comma-separated (always re-exported)")
    args = p.parse_args()
    outdir = Path(args.outdir)
    models = args.models.split(",")
    unknown = set(models) - set(MODELS)
    if unknown:
        p.error(f"unknown models {sorted(unknown)}; models: {', '.join(MODELS)}")
    stamp = outdir / ".stamp"
    manifest_path = outdir / "models.json"
    expected = stamp_text()
    everything = models == list(MODELS)
    if everything and stamp.is_file() and stamp.read_text() == expected and manifest_path.is_file():
        done = json.loads(manifest_path.read_text())["models"]
        if all((outdir / f).is_file() for n in done for f in output_files(n, MODELS[n][2])):
            print(f"broad models up to date in {outdir}")
            return

    outdir.mkdir(parents=True, exist_ok=True)
    # Dropped first so an interrupted export is never mistaken for a complete one.
    stamp.unlink(missing_ok=True)
    torch.set_num_threads(2)
    total = time.perf_counter()
    # A subset export keeps what earlier runs found about the other models.
    earlier = json.loads(manifest_path.read_text())["failed"] if manifest_path.is_file() else {}
    failed = {n: reason for n, reason in earlier.items() if n not in models}
    for name in models:
        seed, build, specs = MODELS[name]
        start = time.perf_counter()
        try:
            size, shape = export(name, seed, build, specs, outdir)
        except Exception as e:  # noqa: BLE001 - one model that cannot export must not stop the rest
            failed[name] = f"{type(e).__name__}: {str(e).strip().splitlines()[0] if str(e).strip() else ''}"
            print(f"{name}: EXPORT FAILED: {failed[name]}", flush=True)
            continue
        print(f"{name + '.onnx':<26} {size / 1e6:6.1f} MB  output {list(shape)}  "
              f"{time.perf_counter() - start:5.1f} s", flush=True)
    done = {n: {"seed": MODELS[n][0], "inputs": MODELS[n][2], "outputs": ["output"]}
            for n in MODELS if n not in failed and (outdir / f"{n}.onnx").is_file()}
    manifest_path.write_text(json.dumps({"models": done, "failed": failed}, indent=1) + "\n")
    print(f"exported to {outdir} in {time.perf_counter() - total:.1f} s")
    for name, reason in failed.items():
        print(f"not exported: {name}: {reason}")
    # Written even when a model failed: torch fails the same way every time.
    if everything:
        stamp.write_text(expected)

if __name__ == "__main__":
    main()
