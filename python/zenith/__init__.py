"""Zenith's inference engine for Python.

    import numpy as np, zenith
    compiled = zenith.Core().compile_model("model.onnx", "CPU")
    outputs = compiled({"input": np.zeros((1, 3, 224, 224), np.float32)})   # dict name -> array

Arrays go in and come out without copies where their layout allows; the GIL is released while a
model is read, compiled and run; one compiled model may be called from any number of threads.
Failures raise zenith.Error (a RuntimeError) whose message is Zenith's and whose `kind` is one
of InvalidModel, InvalidArgument, Unsupported, ResourceExhausted, Unavailable, Internal.

    report = zenith.convert("model.onnx", "model.zir", compress="fp16")   # `zenith convert`'s options
"""

from ._zenith import CompiledModel, Core, Error, InferRequest, Model, Port
from ._convert import convert
from ._queue import AsyncInferQueue, infer_async

__all__ = ["AsyncInferQueue", "CompiledModel", "Core", "Error", "InferRequest", "Model", "Port", "convert",
           "infer_async"]
