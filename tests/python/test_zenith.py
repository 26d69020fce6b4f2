"""`import zenith` (python/), run by ctest as python.api: answers against `zenith run` and numpy, the
forms inputs come in, zenith.convert against `zenith convert`, threads on one compiled model,
callbacks, AsyncInferQueue and asyncio, bad input raising zenith.Error, the GIL released while
Zenith works, and the heap flat over 10,000 calls.

ZENITH_BIN names the CLI (ctest sets it); PYTHONPATH holds build/python."""

import asyncio
import ctypes
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

import zenith

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "serve"))
from kserve_testing import MODEL, reference  # noqa: E402  (fashion_inference.onnx, numpy's logits)

DATA = ROOT / "tests" / "tools" / "data"
RNG = np.random.default_rng(7)


def images(n, seed=0):
    return np.random.default_rng(seed).standard_normal((n, 1, 28, 28)).astype(np.float32)


@pytest.fixture(scope="module")
def fashion():
    return zenith.Core().compile_model(MODEL)


@pytest.fixture(scope="module")
def two_inputs(tmp_path_factory):
    """a f32[n,4] * b f32[n,4] -> y; Gather(table f32[10], idx i64[n]) -> z."""
    table = helper.make_tensor("table", TensorProto.FLOAT, [10], [float(i) * 0.5 for i in range(10)])
    graph = helper.make_graph(
        [helper.make_node("Mul", ["a", "b"], ["y"]), helper.make_node("Gather", ["table", "idx"], ["z"])],
        "two", [helper.make_tensor_value_info("a", TensorProto.FLOAT, ["n", 4]),
                helper.make_tensor_value_info("b", TensorProto.FLOAT, ["n", 4]),
                helper.make_tensor_value_info("idx", TensorProto.INT64, ["n"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 4]),
         helper.make_tensor_value_info("z", TensorProto.FLOAT, ["n"])], [table])
    path = tmp_path_factory.mktemp("two") / "two.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]), str(path))
    return zenith.Core().compile_model(str(path), "CPU")


def test_ports_and_config(fashion):
    model = zenith.Core().read_model(MODEL)
    assert [(p.name, p.element_type, p.shape) for p in model.inputs] == [("input", "f32", ["batch", 1, 28, 28])]
    assert [(p.name, p.dtype, p.shape) for p in fashion.outputs] == [("logits", np.float32, ["batch", 10])]
    assert fashion.device == "CPU"
    assert fashion.config["hint"] == "LATENCY" and fashion.config["num_streams"] == 1
    assert fashion.optimal_number_of_requests == 1
    assert {p["device"] for p in fashion.placement} == {"CPU"}
    compiled = zenith.Core().compile_model(model, "REF", {"hint": "THROUGHPUT", "num_threads": 1})
    assert compiled.device == "REF" and compiled.config["hint"] == "THROUGHPUT"


def test_matches_cli_and_numpy(fashion, tmp_path):
    x = images(3)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([os.environ["ZENITH_BIN"], "run", str(MODEL), "-i", f"input={tmp_path / 'x.npy'}",
                    "-o", str(tmp_path / "out")], check=True, capture_output=True)
    cli = np.load(tmp_path / "out" / "logits.npy")
    got = fashion({"input": x})["logits"]
    np.testing.assert_allclose(got, cli, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got, reference(x), rtol=1e-4, atol=1e-4)


def test_convert_writes_what_the_cli_writes(tmp_path):
    x = images(4, seed=5)
    np.save(tmp_path / "x.npy", x)
    subprocess.run([os.environ["ZENITH_BIN"], "convert", str(MODEL), "-o", str(tmp_path / "cli.zir"), "--compress",
                    "fp16", "--input-shape", "input=4,1,28,28", "-i", f"input={tmp_path / 'x.npy'}", "--quiet"],
                   check=True, capture_output=True)
    report = zenith.convert(MODEL, tmp_path / "py.zir", compress="fp16", input_shape={"input": [4, 1, 28, 28]},
                            input={"input": x})
    assert "fp16:" in report and "size:" in report
    assert (tmp_path / "py.zir").read_bytes() == (tmp_path / "cli.zir").read_bytes()
    logits = zenith.Core().compile_model(str(tmp_path / "py.zir"))(x)["logits"]
    np.testing.assert_allclose(logits, reference(x), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("options, kind, message", [
    ({"compress": "fp8"}, "InvalidArgument", "fp8"),
    ({"bogus_option": 3}, "InvalidArgument", "--bogus-option"),
    ({"input_shape": [1, 2]}, "InvalidArgument", "input"),
])
def test_convert_errors_raise(tmp_path, options, kind, message):
    with pytest.raises(zenith.Error, match=message) as error:
        zenith.convert(MODEL, tmp_path / "out.zir", **options)
    assert error.value.kind == kind
    assert not (tmp_path / "out.zir").exists()


def test_convert_errors_keep_their_kind(tmp_path):
    with pytest.raises(zenith.Error, match="missing.onnx: no such model file") as error:
        zenith.convert(tmp_path / "missing.onnx", tmp_path / "out.zir")
    assert error.value.kind == "InvalidArgument"  # as Core.read_model says it
    (tmp_path / "cut.onnx").write_bytes(Path(MODEL).read_bytes()[:200])
    with pytest.raises(zenith.Error, match="cut.onnx") as error:
        zenith.convert(tmp_path / "cut.onnx", tmp_path / "out.zir")
    assert error.value.kind == "InvalidModel"


def test_input_forms_give_the_same(two_inputs):
    a, b = RNG.standard_normal((5, 4), np.float32), RNG.standard_normal((5, 4), np.float32)
    idx = np.array([0, 9, 3, 3, 1], np.int64)
    by_name = two_inputs({"idx": idx, "b": b, "a": a})
    assert list(by_name) == ["y", "z"]  # output order
    np.testing.assert_array_equal(by_name["y"], a * b)
    np.testing.assert_array_equal(by_name["z"], idx * 0.5)
    by_order = two_inputs((a, b, idx))
    for name in ("y", "z"):
        np.testing.assert_array_equal(by_order[name], by_name[name])
    # Not row-major: copied once, same answer.
    wide = RNG.standard_normal((5, 8), np.float32)
    strided = two_inputs([wide[:, ::2], b, idx])["y"]
    np.testing.assert_array_equal(strided, np.ascontiguousarray(wide[:, ::2]) * b)


def test_outputs_outlive_the_model(tmp_path):
    compiled = zenith.Core().compile_model(MODEL)
    x = images(2, seed=3)
    logits = compiled(x)["logits"]
    assert not logits.flags.owndata and logits.flags.writeable  # Zenith's storage, not a copy
    expected = logits.copy()
    del compiled
    again = zenith.Core().compile_model(MODEL)(images(2, seed=4))["logits"]
    np.testing.assert_array_equal(logits, expected)
    assert not np.array_equal(again, expected)


def test_threads_share_one_compiled_model(fashion):
    inputs = [images(2, seed=s) for s in range(16)]
    expected = [fashion(x)["logits"].copy() for x in inputs]
    failures = []

    def caller(t):
        for n in range(40):
            i = (t * 5 + n) % len(inputs)
            got = fashion({"input": inputs[i]})["logits"]
            if not np.array_equal(got, expected[i]):
                failures.append((t, n))

    threads = [threading.Thread(target=caller, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []


def test_request_callbacks(fashion, tmp_path):
    request, seen = fashion.create_infer_request(), []
    request.set_callback(lambda error: seen.append(error))
    x = images(4, seed=5)
    request.start_async({"input": x})
    request.wait()
    assert seen == [None]
    np.testing.assert_array_equal(request.outputs["logits"], fashion(x)["logits"])
    np.testing.assert_array_equal(request.infer(x)["logits"], fashion(x)["logits"])

    # A run that fails gives the callback the error (and wait() does not raise it again) ...
    gather = zenith.Core().compile_model(DATA / "gather_index.onnx")
    bad = gather.create_infer_request()
    bad.set_callback(lambda error: seen.append(error))
    bad.start_async(np.array([0, 1000], np.int64))
    bad.wait()
    assert isinstance(seen[-1], zenith.Error) and seen[-1].kind == "InvalidArgument", seen[-1]
    assert "1000" in str(seen[-1])
    # ... and what the callback raises, wait() raises.
    bad.set_callback(lambda error: 1 / 0)
    bad.start_async(np.array([0, 1], np.int64))
    with pytest.raises(ZeroDivisionError):
        bad.wait()


def test_async_infer_queue(fashion):
    queue = zenith.AsyncInferQueue(fashion)
    assert len(queue) == fashion.optimal_number_of_requests
    queue = zenith.AsyncInferQueue(fashion, jobs=3)
    results = {}
    queue.set_callback(lambda request, n: results.__setitem__(n, request.outputs["logits"]))
    inputs = [images(1, seed=s) for s in range(30)]
    for n, x in enumerate(inputs):
        queue.start_async({"input": x}, n)
    queue.wait_all()
    assert sorted(results) == list(range(30))
    for n, x in enumerate(inputs):
        np.testing.assert_array_equal(results[n], fashion(x)["logits"])
    queue.set_callback(lambda request, n: 1 / 0)
    queue.start_async(inputs[0], 0)
    with pytest.raises(ZeroDivisionError):
        queue.wait_all()


def test_asyncio(fashion):
    inputs = [images(2, seed=s) for s in range(12)]

    async def main():
        return await asyncio.gather(*(zenith.infer_async(fashion, x) for x in inputs))

    for x, got in zip(inputs, asyncio.run(main())):
        np.testing.assert_array_equal(got["logits"], fashion(x)["logits"])
    gather = zenith.Core().compile_model(DATA / "gather_index.onnx")
    with pytest.raises(zenith.Error, match="1000"):
        asyncio.run(zenith.infer_async(gather, np.array([1000], np.int64)))


@pytest.mark.parametrize("inputs, kind, message", [
    (lambda x: x.astype(np.float64), "InvalidArgument", "input 'input': the array is float64, the model takes float32"),
    (lambda x: x[0], "InvalidArgument", "input 'input': the array's shape is [1, 28, 28]"),
    (lambda x: {"image": x}, "InvalidArgument", "no input named 'image'; the model's inputs are 'input'"),
    (lambda x: [x, x], "InvalidArgument", "the model takes 1 inputs, 2 were given"),
    (lambda x: x.tolist(), "InvalidArgument", "the model takes 1 inputs, 2 were given"),
    (lambda x: "x", "InvalidArgument", "input 'input': expected a numpy array, got str"),
    (lambda x: np.zeros((2, 1, 27, 28), np.float32), "InvalidArgument", "27"),
])
def test_bad_inputs_raise(fashion, inputs, kind, message):
    with pytest.raises(zenith.Error, match=message.replace("[", r"\[").replace("]", r"\]")) as raised:
        fashion(inputs(images(2)))
    assert raised.value.kind == kind
    assert fashion(images(1))["logits"].shape == (1, 10)  # still usable


def test_bad_models_and_options_raise(tmp_path, two_inputs):
    core = zenith.Core()
    truncated = tmp_path / "cut.onnx"
    truncated.write_bytes(MODEL.read_bytes()[:1000])
    with pytest.raises(zenith.Error, match="cut.onnx") as raised:
        core.read_model(truncated)
    assert raised.value.kind == "InvalidModel"
    with pytest.raises(zenith.Error, match="missing.onnx"):
        core.compile_model(str(tmp_path / "missing.onnx"))
    with pytest.raises(zenith.Error, match="GPU") as raised:
        core.compile_model(MODEL, "GPU")
    assert raised.value.kind == "InvalidArgument"
    with pytest.raises(zenith.Error, match="unknown config key 'threads'"):
        core.compile_model(MODEL, "CPU", {"threads": 2})
    with pytest.raises(zenith.Error, match="input 'b' \\(f32\\[n,4\\]\\) is missing"):
        two_inputs({"a": np.zeros((1, 4), np.float32), "idx": np.zeros(1, np.int64)})
    with pytest.raises(zenith.Error, match="give a dict name -> array"):
        two_inputs(np.zeros((1, 4), np.float32))
    with pytest.raises(ValueError, match="jobs must be at least 1"):
        zenith.AsyncInferQueue(two_inputs, jobs=-1)


def ran_beside(work, inside):
    """Whether this thread saw inside() true while `work` ran on another thread. The GIL's switch interval
    is so long that the other thread gives the GIL up only where it releases it itself: this thread runs
    then, and inside() says whether that was within Zenith."""
    done, seen = threading.Event(), []
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000)
    try:
        thread = threading.Thread(target=lambda: (work(), done.set()))
        thread.start()
        while not done.is_set() and not seen:
            if inside():
                seen.append(True)
            time.sleep(0.001)  # lets the worker take the GIL back
        thread.join()
    finally:
        sys.setswitchinterval(interval)
    return bool(seen)


def test_the_gil_is_released_while_zenith_works(fashion):
    core, compiling = zenith.Core(), []

    def compile_models():
        compiling.append(True)
        kept = [core.compile_model(core.read_model(MODEL)) for _ in range(20)]  # no destructor meanwhile
        compiling.clear()
        return kept

    assert ran_beside(compile_models, lambda: bool(compiling))
    request, x = fashion.create_infer_request(), images(64)
    # (Calling the compiled model runs the same way: requests.cpp's run().)
    assert ran_beside(lambda: [request.infer(x) for _ in range(50)], lambda: not request.wait_for(0))


class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in
                ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks",
                 "keepcost")]


def heap_bytes():
    """What glibc's malloc holds allocated (ctest runs this with its per-thread caches off, so that this
    counts live objects only)."""
    mallinfo2 = ctypes.CDLL(None).mallinfo2
    mallinfo2.restype = MallInfo2
    info = mallinfo2()
    return info.uordblks + info.hblkhd


def test_memory_flat_over_10000_calls(fashion):
    assert os.environ.get("GLIBC_TUNABLES") == "glibc.malloc.tcache_count=0"
    x = images(1, seed=9)
    for _ in range(1000):
        fashion({"input": x})
    before = heap_bytes()
    for _ in range(9000):
        fashion({"input": x})["logits"]
    grown = heap_bytes() - before
    print(f"heap {before} bytes after 1,000 calls, {grown:+d} after 9,000 more")
    assert grown < 256 * 1024, f"the heap grew by {grown} bytes over 9,000 calls"
