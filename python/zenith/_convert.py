"""zenith.convert: the model optimizer, `zenith convert`, with the same options as keyword
arguments. It runs the CLI that was built (or installed) with this package, so that an option,
its default and its checks are the CLI's own and cannot drift from it."""

import os
import subprocess
import tempfile

import numpy as np

from ._cli import CLI
from ._zenith import Error


def _cli():
    path = os.environ.get("ZENITH_CLI") or os.path.join(os.path.dirname(__file__), CLI)
    if not os.access(path, os.X_OK):
        raise Error(f"zenith.convert: the zenith command line is not at {path} "
                    "(build the `zenith` target, or set ZENITH_CLI)")
    return path


def _named(value, form):
    """A dict {name: value} as NAME=VALUE strings; anything else as one unnamed value."""
    if isinstance(value, dict):
        return [f"{name}={form(v)}" for name, v in value.items()]
    return [form(value)]


def _dims(shape):
    return shape if isinstance(shape, str) else ",".join(str(int(d)) for d in shape)


def _arguments(model, output, options, scratch):
    args = [_cli(), "convert", os.fspath(model), "-o", os.fspath(output)]

    def npy(value):  # an array is written to a .npy file; a path is passed as it is
        if not isinstance(value, np.ndarray):
            return os.fspath(value)
        path = os.path.join(scratch, f"input{len(os.listdir(scratch))}.npy")
        np.save(path, value)
        return path

    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif key == "input_shape":
            args += [a for v in _named(value, _dims) for a in (flag, v)]
        elif key == "input":
            args += [a for v in _named(value, npy) for a in (flag, v)]
        elif isinstance(value, (list, tuple)):
            args += [a for v in value for a in (flag, str(v))]
        else:
            args += [flag, os.fspath(value) if isinstance(value, os.PathLike) else str(value)]
    return args


def convert(model, output, **options):
    """Converts `model` (.onnx or .zir) into the .zir file `output`, as `zenith convert MODEL -o
    OUTPUT` does, and returns the report it printed. Each keyword is that command's option with
    `_` for `-`: compress="fp16", precision="int8", calib_data="DIR", metric="top1",
    max_drop="1%", quiet=True (a flag), input_shape=[1, 3, 224, 224] or {"input": [1, 3, 224,
    224]}, input={"input": array_or_npy_path}. A refused option or a failed conversion raises
    zenith.Error with the command's message and kind. The GIL is free while it runs."""
    options.setdefault("quiet", True)  # a progress line is for a terminal, not for a caller
    with tempfile.TemporaryDirectory(prefix="zenith-convert-") as scratch:
        args = _arguments(model, output, options, scratch)
        done = subprocess.run(args, capture_output=True, text=True,
                              env=dict(os.environ, ZENITH_ERROR_KIND="1"))
    if done.returncode == 0:
        return done.stdout
    kind, message = "InvalidArgument", []  # a usage error (exit 2) prints no kind
    for line in done.stderr.splitlines():
        if line.startswith("zenith: error kind: "):
            kind = line.split(": ", 2)[2]
        else:
            message.append(line.removeprefix("zenith: error: "))
    error = Error("\n".join(message).strip() or f"zenith convert exited with {done.returncode}")
    error.kind = kind
    raise error
