#!/usr/bin/python3
"""Writes the tiny malformed or unusual .onnx and .npy files the CLI tests load (run once; outputs are
checked in). Usage: /usr/bin/python3 tests/tools/data/make_models.py"""

from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = Path(__file__).parent
F32 = TensorProto.FLOAT


def save(name, nodes, inputs, outputs, initializers=(), opset=13):
    graph = helper.make_graph(nodes, name, inputs, outputs, list(initializers))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    model.ir_version = 8
    (HERE / f"{name}.onnx").write_bytes(model.SerializeToString())


def vi(name, shape, dtype=F32):
    return helper.make_tensor_value_info(name, dtype, shape)


# A valid model: y = relu(x), x f32[batch,4].
save("relu", [helper.make_node("Relu", ["x"], ["y"])], [vi("x", ["batch", 4])], [vi("y", ["batch", 4])])
# An op ONNX does not define.
save("unknown_op", [helper.make_node("FrobnicateTensor", ["x"], ["y"], name="frob")],
     [vi("x", [4])], [vi("y", [4])])
# Opset 18, newer than Zenith (and this ONNX) supports.
save("opset18", [helper.make_node("Relu", ["x"], ["y"])], [vi("x", [4])], [vi("y", [4])], opset=18)
# A node input that is neither a graph input, an initializer nor a node output.
save("missing_value", [helper.make_node("Add", ["x", "bias"], ["y"], name="add_bias")],
     [vi("x", [4])], [vi("y", [4])])
# An initializer whose dims claim 2^40 elements but which holds four floats.
huge = numpy_helper.from_array(np.zeros(4, np.float32), "w")
del huge.dims[:]
huge.dims.extend([1 << 20, 1 << 20])
save("huge_initializer", [helper.make_node("Add", ["x", "w"], ["y"], name="add_w")],
     [vi("x", [4])], [vi("y", [4])], [huge])
# A graph input declared with 2^40 elements.
save("huge_input", [helper.make_node("Relu", ["x"], ["y"])], [vi("x", [1 << 20, 1 << 20])],
     [vi("y", [1 << 20, 1 << 20])])
# A Gemm + Conv model small enough to check FLOP counting by hand.
w = numpy_helper.from_array(np.ones((8, 3, 3, 3), np.float32), "w")
save("conv_small", [helper.make_node("Conv", ["x", "w"], ["c"], pads=[1, 1, 1, 1], name="conv"),
                    helper.make_node("Relu", ["c"], ["y"], name="relu")],
     [vi("x", ["batch", 3, 16, 16])], [vi("y", ["batch", 8, 16, 16])], [w])

# Gather from four constants: an index outside [-4, 3] fails inside the run (the API's error tests).
table = numpy_helper.from_array(np.array([10, 20, 30, 40], np.float32), "table")
save("gather_index", [helper.make_node("Gather", ["table", "idx"], ["y"], name="lookup")],
     [vi("idx", ["n"], TensorProto.INT64)], [vi("y", ["n"])], [table])

# Two tiny classifiers for `zenith classify`: the mean of each colour channel is the score of
# classes red, green, blue; a fourth class scores 0. One ends in Softmax, one in Sigmoid.
colour = numpy_helper.from_array(np.vstack([np.eye(3), np.zeros((1, 3))]).astype(np.float32), "colour")
for head in ("Softmax", "Sigmoid"):
    save(f"colour_{head.lower()}",
         [helper.make_node("GlobalAveragePool", ["x"], ["pooled"], name="pool"),
          helper.make_node("Flatten", ["pooled"], ["flat"], name="flatten"),
          helper.make_node("Gemm", ["flat", "colour"], ["scores"], transB=1, name="fc"),
          helper.make_node(head, ["scores"], ["y"], name="head")],
         [vi("x", ["batch", 3, 8, 8])], [vi("y", ["batch", 4])], [colour])

# ResNet's downsampling pair: a 1x1 stride-2 Conv and a 3x3 Conv, whose oneDNN kernels need a
# scratchpad (a strided copy of the input; Winograd's transforms). Run on two streams at once,
# it exposed primitives sharing a per-thread scratchpad.
rng = np.random.default_rng(5)
down = numpy_helper.from_array((rng.standard_normal((64, 32, 1, 1)) * 0.2).astype(np.float32), "down")
conv3 = numpy_helper.from_array((rng.standard_normal((64, 64, 3, 3)) * 0.05).astype(np.float32), "conv3")
save("downsample", [helper.make_node("Conv", ["x", "down"], ["d"], strides=[2, 2], name="down"),
                    helper.make_node("Relu", ["d"], ["r"], name="relu"),
                    helper.make_node("Conv", ["r", "conv3"], ["y"], pads=[1, 1, 1, 1], name="conv3")],
     [vi("x", ["batch", 32, 28, 28])], [vi("y", ["batch", 64, 14, 14])], [down, conv3])

# Inputs for relu.onnx: a good one, a wrong dtype, a wrong shape, and broken files.
np.save(HERE / "x_2x4.npy", np.arange(-4, 4, dtype=np.float32).reshape(2, 4))
np.save(HERE / "x_f64.npy", np.zeros((1, 4), np.float64))
np.save(HERE / "x_1x5.npy", np.zeros((1, 5), np.float32))
good = (HERE / "x_2x4.npy").read_bytes()
(HERE / "truncated.npy").write_bytes(good[:-5])
(HERE / "bad_magic.npy").write_bytes(b"PK\x03\x04" + good[4:])
np.save(HERE / "y_2x4.npy", np.maximum(np.load(HERE / "x_2x4.npy"), 0))
# A 1000-class image model (ImageNet's count, so `classify` and `run --top` name the classes without
# --labels): the mean colour, scored so that red is class 7 ("cock"), green class 1 ("goldfish").
imagenet = np.zeros((3, 1000), np.float32)
imagenet[0, 7] = imagenet[1, 1] = 8
save("colour_imagenet",
     [helper.make_node("GlobalAveragePool", ["x"], ["pooled"]), helper.make_node("Flatten", ["pooled"], ["flat"]),
      helper.make_node("MatMul", ["flat", "w"], ["scores"]), helper.make_node("Softmax", ["scores"], ["y"])],
     [vi("x", ["batch", 3, 8, 8])], [vi("y", ["batch", 1000])], [numpy_helper.from_array(imagenet, "w")])
red = np.zeros((1, 3, 8, 8), np.float32)
red[:, 0] = 2
np.save(HERE / "red_1x3x8x8.npy", red)
