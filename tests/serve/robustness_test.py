"""`zenith serve` under long, hostile or changing use, from the outside (KServe v2 over REST and gRPC).

Usage: robustness_test.py ZENITH WORKDIR CHECK [--full] [--seed N]. The default counts are the CI ones,
about a tenth of the issue's; --full runs the issue's (a few minutes per check on 2 cores):
    for c in soak fuzz reload disconnect; do
      /usr/bin/python3 tests/serve/robustness_test.py build/zenith /tmp/robustness/$c $c --full; done
Each check serves WORKDIR/models (copies of tests/train/data/fashion_inference.onnx: input f32[n,1,28,28],
output logits f32[n,10]; "b" with {"max_batch_size": 8, "max_queue_delay_us": 1000}, "u" unbatched) on two
free loopback ports. RSS and thread counts are /proc/PID/status's VmRSS and Threads; "RSS growth" compares
the RSS after the first tenth of a run with the RSS at its end and must stay under 2 %. Answers are
compared with numpy's evaluation of the model. CHECK is one of:
  soak        200,000 (CI 20,000) inferences from 4 threads, each over a keep-alive connection (JSON and
              binary tensor data) and, for a fifth of them, one shared gRPC channel, on "b" and "u":
              every answer right, RSS growth under 2 %; prints requests/s and the RSS figures.
  fuzz        50,000 (CI 5,000) malformed requests, random but seeded (--seed; printed): bad JSON (cut,
              random bytes, deep nesting, huge numbers, wrong types and values for each field, missing
              fields), counts off by one, bad binary tensor data and Inference-Header-Content-Length,
              unknown models and versions, invalid UTF-8, random routes and malformed HTTP over raw
              sockets, malformed gRPC ModelInfer. Each must get a 4xx (gRPC INVALID_ARGUMENT or NOT_FOUND,
              or INTERNAL for bytes that do not parse as a ModelInferRequest, gRPC's code for those) within
              10 s; RSS growth under 2 %; a valid request is answered right at the end.
  reload      poll mode, --repository-poll-s 0.2, under inference from 3 threads; 20 (CI 2) cycles of:
              "stay"'s model.onnx atomically replaced by a variant with other logits, a version added to
              "multi" (version_policy all), a model added, that model removed, the version removed; each
              seen within 10 s; no failed request but 404 / NOT_FOUND for the model that comes and goes.
              Then --model-control explicit: the repository index, load (also under inference) and
              unload, 404 for unknown models, 400 and a reason for a broken one.
  disconnect  100 (CI 10) rounds of clients that go away: half a body then close or reset, a whole
              request then close before the answer, 24 idle connections, slowloris headers (a byte per
              5 ms, 3 connections, then the answer must come right), 200 gRPC calls with a 1 ms deadline
              or cancelled at once. Then every answer right, RSS growth under 2 %, threads within 2 of
              their count after the first round.
Exits non-zero with a message (and the server log's tail) on failure; never skips.
"""

import argparse
import functools
import http.client
import itertools
import json
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

CHECKS = ("soak", "fuzz", "reload", "disconnect")
parser = argparse.ArgumentParser()
parser.add_argument("zenith")
parser.add_argument("work", type=Path)
parser.add_argument("check", choices=CHECKS)
parser.add_argument("--full", action="store_true", help="the issue's counts (10x the CI ones)")
parser.add_argument("--seed", type=int, default=1, help="the fuzz generator's seed")
ARGS = parser.parse_args()
CHECK, WORK, SCALE = ARGS.check, ARGS.work, 10 if ARGS.full else 1
ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "tests" / "train" / "data" / "fashion_inference.onnx"
PROTO = ROOT / "proto" / "grpc_predict_v2.proto"
WORK.mkdir(parents=True, exist_ok=True)
LOG = WORK / "server.log"
BATCHED = {"max_batch_size": 8, "max_queue_delay_us": 1000}
JSON = {"Content-Type": "application/json"}
server = None  # the running Server
HTTP = GRPC = None  # its ports


def fail(message):
    died = "" if server is None or server.proc.poll() is None else f" [the server exited {server.proc.returncode}]"
    tail = LOG.read_text(errors="replace")[-3000:] if LOG.exists() else "(no log)"
    sys.exit(f"FAIL ({CHECK}): {message}{died}\n--- {LOG.name} tail ---\n{tail}")


def expect(condition, what):
    if not condition:
        fail(what)


# --- the model and its reference answers ---------------------------------------------------------

def reference(x, model):
    """The logits of onnx `model` for `x`, evaluated node by node with numpy (as serve_test.py does)."""
    values = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in model.graph.initializer}
    values["input"] = x.astype(np.float64)
    for node in model.graph.node:
        a = [values[name] for name in node.input]
        attr = {at.name: onnx.helper.get_attribute_value(at) for at in node.attribute}
        if node.op_type == "Identity":
            out = a[0]
        elif node.op_type == "BatchNormalization":
            scale, bias, mean, var = (v.reshape((1, -1) + (1,) * (a[0].ndim - 2)) for v in a[1:5])
            out = (a[0] - mean) / np.sqrt(var + attr.get("epsilon", 1e-5)) * scale + bias
        elif node.op_type == "Flatten":
            out = a[0].reshape(int(np.prod(a[0].shape[:attr.get("axis", 1)])), -1)
        elif node.op_type == "Gemm":
            left = a[0].T if attr.get("transA") else a[0]
            right = a[1].T if attr.get("transB") else a[1]
            out = attr.get("alpha", 1.0) * left @ right + attr.get("beta", 1.0) * a[2]
        else:
            fail(f"the reference evaluator has no {node.op_type} (the test model changed?)")
        values[node.output[0]] = out
    return values["logits"].astype(np.float32)


def variant(path):
    """The test model with 1 added to its last Gemm's bias (other logits), saved at `path`."""
    model = onnx.load(str(MODEL))
    bias = [n for n in model.graph.node if n.op_type == "Gemm"][-1].input[2]
    for t in model.graph.initializer:
        if t.name == bias:
            t.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(t) + 1, bias))
    onnx.save(model, str(path))
    return model


RNG = np.random.default_rng(0)
POOL = [RNG.standard_normal((1 + i % 4, 1, 28, 28)).astype(np.float32) for i in range(8)]
REF = [reference(x, onnx.load(str(MODEL))) for x in POOL]


def right(logits, expected):
    return logits is not None and logits.size == expected.size and np.allclose(
        logits.reshape(expected.shape), expected, 1e-4, 1e-4)


def json_body(x, **tensor):
    return {"id": "r", "inputs": [{"name": "input", "shape": list(x.shape), "datatype": "FP32",
                                   "data": x.ravel().tolist(), **tensor}]}


def binary_body(x, payload=None, declared=None, header_length=None, shape=None):
    """A binary tensor data request: (body, headers); binary output asked for."""
    payload = x.tobytes() if payload is None else payload
    head = json.dumps({"id": "r", "inputs": [{"name": "input", "shape": shape or list(x.shape), "datatype": "FP32",
                                              "parameters": {"binary_data_size": len(payload) if declared is None
                                                             else declared}}],
                       "outputs": [{"name": "logits", "parameters": {"binary_data": True}}]}).encode()
    return head + payload, {"Content-Type": "application/octet-stream",
                            "Inference-Header-Content-Length": str(len(head)) if header_length is None
                            else header_length(head)}


@functools.cache
def encoded(i, binary):
    return binary_body(POOL[i]) if binary else (json.dumps(json_body(POOL[i])).encode(), JSON)


# --- the server ------------------------------------------------------------------------------------

def repository(models):
    """WORKDIR/models with version 1 of each model: {name: config dict or None}."""
    repo = WORK / "models"
    shutil.rmtree(repo, ignore_errors=True)
    for name, config in models.items():
        (repo / name / "1").mkdir(parents=True)
        shutil.copy(MODEL, repo / name / "1" / "model.onnx")
        if config:
            (repo / name / "config.json").write_text(json.dumps(config))
    return repo


class Server:
    def __init__(self, repo, *options, log="server.log"):
        global server, LOG, HTTP, GRPC
        with socket.socket() as a, socket.socket() as b:  # both held at once: two different ports
            a.bind(("127.0.0.1", 0))
            b.bind(("127.0.0.1", 0))
            HTTP, GRPC = a.getsockname()[1], b.getsockname()[1]
        command = [ARGS.zenith, "serve", "--model-repository", str(repo), "--host", "127.0.0.1", "--http-port",
                   str(HTTP), "--grpc-port", str(GRPC), *options]
        LOG = WORK / log
        with open(LOG, "wb") as out:
            self.proc = server = self
            self.proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            expect(self.proc.poll() is None, f"{' '.join(command)} exited before it was ready")
            try:
                if Rest(timeout=5)("GET", "/v2/health/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        fail(f"not ready within 60 s: {' '.join(command)}")

    def status(self, key):
        """A number of /proc/PID/status: VmRSS (KiB), Threads."""
        expect(self.proc.poll() is None, f"the server is gone (exit code {self.proc.returncode})")
        text = Path(f"/proc/{self.proc.pid}/status").read_text()
        return int(re.search(rf"^{key}:\s*(\d+)", text, re.M).group(1))

    def stop(self):
        """SIGTERM: the exit code (None if it had to be killed after 30 s)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None
        return self.proc.returncode


def expect_rss_growth(before, after, what):
    print(f"{what}: RSS {before} KiB after the first tenth, {after} KiB at the end "
          f"({(after - before) / before:+.2%})")
    expect(after <= before * 1.02, f"{what}: RSS grew from {before} to {after} KiB (over 2 %)")


# --- clients -----------------------------------------------------------------------------------------

class Rest:
    """One keep-alive connection (http.client reconnects when the server closes it)."""

    def __init__(self, timeout=30):
        self.conn = http.client.HTTPConnection("127.0.0.1", HTTP, timeout=timeout)

    def __call__(self, method, path, body=None, headers=None):
        """(status, headers with lowercase names, body); raises when no answer came."""
        try:
            self.conn.request(method, path, body, headers or {})
            response = self.conn.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        except Exception:
            self.conn.close()
            raise


def raw_http(data, timeout=10, reset=False):
    """Sends bytes on a fresh connection: the answer's status, or a string saying why none came."""
    with socket.create_connection(("127.0.0.1", HTTP), timeout=timeout) as s:
        try:
            s.sendall(data)
            got = b""
            while True:
                head, sep, body = got.partition(b"\r\n\r\n")
                if sep:
                    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
                    if len(body) >= (int(length.group(1)) if length else 0):
                        break
                chunk = s.recv(65536)
                if not chunk:
                    break
                got += chunk
        except OSError as e:
            return f"{type(e).__name__} after {got[:60]!r}"
        finally:
            if reset:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    status = re.match(rb"HTTP/1\.[01] (\d{3}) ", got)
    return int(status.group(1)) if status else f"no answer ({got[:60]!r})"


def http_bytes(method, path, body=b"", headers=None):
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def grpc_stub():
    global grpc, pb
    stubs = WORK / "stubs"
    stubs.mkdir(exist_ok=True)
    run = subprocess.run(["protoc", f"--python_out={stubs}", f"--grpc_out={stubs}",
                          f"--plugin=protoc-gen-grpc={shutil.which('grpc_python_plugin')}", f"-I{PROTO.parent}",
                          str(PROTO)], capture_output=True, text=True)
    expect(run.returncode == 0, f"protoc on {PROTO}: {run.stderr}")
    sys.path.insert(0, str(stubs))
    import grpc
    import grpc_predict_v2_pb2 as pb
    import grpc_predict_v2_pb2_grpc as pb_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{GRPC}")
    stub = pb_grpc.GRPCInferenceServiceStub(channel)
    stub.ServerLive(pb.ServerLiveRequest(), wait_for_ready=True, timeout=30)
    stub.raw_infer = channel.unary_unary("/inference.GRPCInferenceService/ModelInfer",
                                         request_serializer=bytes, response_deserializer=pb.ModelInferResponse.FromString)
    return stub


def grpc_request(x, model, version=""):
    tensor = pb.ModelInferRequest.InferInputTensor(name="input", datatype="FP32", shape=x.shape)
    return pb.ModelInferRequest(model_name=model, model_version=version, id="g", inputs=[tensor],
                                raw_input_contents=[x.tobytes()])


def grpc_logits(response):
    if response.raw_output_contents:
        return np.frombuffer(response.raw_output_contents[0], "<f4")
    return np.asarray(response.outputs[0].contents.fp32_contents, dtype=np.float32)


def infer(rest, stub, kind, model, i, version=""):
    """Inference of POOL[i] as `kind` (json, binary, grpc): ("OK", logits), or (an HTTP status, a gRPC
    code's name or an exception's name, None)."""
    try:
        if kind == "grpc":
            return "OK", grpc_logits(stub.ModelInfer(grpc_request(POOL[i], model, version), timeout=30))
        path = f"/v2/models/{model}" + (f"/versions/{version}" if version else "") + "/infer"
        status, headers, data = rest("POST", path, *encoded(i, kind == "binary"))
        if status != 200:
            return status, None
        if kind == "binary":
            return "OK", np.frombuffer(data[int(headers["inference-header-content-length"]):], "<f4")
        return "OK", np.asarray(json.loads(data)["outputs"][0]["data"], dtype=np.float32)
    except grpc.RpcError as e:
        return e.code().name, None
    except Exception as e:
        return type(e).__name__, None


def expect_serving(stub, what):
    """One right answer of each kind, on both test models."""
    rest = Rest()
    for n, (kind, model) in enumerate(itertools.product(("json", "binary", "grpc"), ("b", "u"))):
        outcome, logits = infer(rest, stub, kind, model, n % len(POOL))
        expect(outcome == "OK" and right(logits, REF[n % len(POOL)]), f"{what}: {kind} on {model}: {outcome}")


class Workers:
    """Threads that each run `step(rest, n)` until stopped; step returns None or a failure to record."""

    def __init__(self, steps):
        self.stop, self.failures, self.count, self.lock = threading.Event(), [], Counter(), threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(s,)) for s in steps]
        for t in self.threads:
            t.start()

    def run(self, step):
        rest = Rest()
        for n in itertools.count():
            if self.stop.is_set():
                return
            failure = step(rest, n)
            with self.lock:
                self.count[step.__name__] += 1
                if failure:
                    self.failures.append(failure)

    def join(self):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)
        return sum(self.count.values())


# --- soak --------------------------------------------------------------------------------------------

def soak():
    Server(repository({"b": BATCHED, "u": None}))
    stub = grpc_stub()
    total, counter, kinds = 20000 * SCALE, itertools.count(), ("json", "binary", "json", "binary", "grpc")
    warm, warm_at = threading.Event(), []

    def request(rest, _):
        n = next(counter)
        if n >= total:
            return workers.stop.set()
        if n == total // 10:
            warm_at.append((time.monotonic(), server.status("VmRSS")))
            warm.set()
        kind, model, i = kinds[n % 5], "bu"[n // 5 % 2], n % len(POOL)
        outcome, logits = infer(rest, stub, kind, model, i)
        if outcome != "OK" or not right(logits, REF[i]):
            return f"request {n} ({kind} on {model}): {outcome}" + (" (wrong logits)" if outcome == "OK" else "")

    start = time.monotonic()
    workers = Workers([request] * 4)
    workers.threads[0].join()
    done = workers.join()
    elapsed, rss = time.monotonic() - start, server.status("VmRSS")
    print(f"{done} requests in {elapsed:.1f} s: {done / elapsed:.0f}/s "
          f"({(done - total // 10) / (elapsed - warm_at[0][0] + start):.0f}/s after the warm-up); "
          f"{len(workers.failures)} failed {workers.failures[:5]}")
    expect(not workers.failures, f"{len(workers.failures)} of {done} requests failed, e.g. {workers.failures[:5]}")
    expect_rss_growth(warm_at[0][1], rss, "soak")


# --- fuzz --------------------------------------------------------------------------------------------

ANY = [None, True, False, 0, -1, 1.5, "x", "", [], {}, [1], {"a": 1}]
NOT_STRING = [v for v in ANY if not isinstance(v, str)]
NOT_OBJECT = [v for v in ANY if not isinstance(v, dict)]
NOT_LIST = [v for v in ANY if not isinstance(v, list)]
HUGE = ["1e999", "-1e999", "1" + "0" * 400, "18446744073709551616", "9223372036854775808", "-9223372036854775809"]
# Each field of a JSON inference request, and values it must be refused with (None: the key left out).
WRONG = {
    ("id",): NOT_STRING,
    ("parameters",): NOT_OBJECT,
    ("parameters", "timeout_us"): [None, True, -1, 1.5, "1", [], {}, -2**63, 2**63, 2**64],
    ("inputs",): NOT_LIST + [[], None],
    ("inputs", 0): NOT_OBJECT,
    ("inputs", 0, "name"): NOT_STRING + ["", "INPUT", "logits", "input ", "input\u0000", None],
    ("inputs", 0, "datatype"): NOT_STRING + ["", "FP33", "fp32", "BYTES", "FP16", "BF16", "INT64", "FP64", "BOOL",
                                             "UINT8", "FP32 ", None],
    ("inputs", 0, "shape"): NOT_LIST + [None, [1, 1, 28], [1, 28, 28, 1], [1, 1, 28, 28, 1], [-1, 1, 28, 28],
                                        [1.0, 1, 28, 28], ["1", 1, 28, 28], [10**12, 1, 28, 28], [2**62, 2**62, 28, 28],
                                        [2**63, 1, 28, 28], [2**64 - 1, 1, 28, 28], [0, 1, 28, 28], [9, 1, 28, 28]],
    ("inputs", 0, "shape", 1): [None, True, 1.5, "1", -1, 0, 2, [], {}, 2**63, 10**12],
    ("inputs", 0, "data"): [None, True, "x", {}, {"a": 1}, [None], ["1"], [[1, "a"]], [], 1.5],
    ("inputs", 0, "data", 5): [None, True, "x", [], {}, [1, 2], [[]]],
    ("inputs", 0, "parameters"): NOT_OBJECT,
    ("inputs", 0, "parameters", "binary_data_size"): [None, True, -1, 1.5, "4", [], {}, 0, 10**12, 2**63, 2**64],
    ("outputs",): [v for v in NOT_LIST if v is not None] + [[None], [1]],
    ("outputs", 0): NOT_OBJECT,
    ("outputs", 0, "name"): NOT_STRING + ["", "nope", "input", "LOGITS", None],
    ("outputs", 0, "parameters"): NOT_OBJECT,
}
MALFORMED_HTTP = [
    b"\r\n\r\n", b"GET\r\n\r\n", b"GET /v2\r\n\r\n", b"GET /v2 HTTP/1.1 x\r\n\r\n", b"GET /v2 HTTP/9.9\r\n\r\n",
    b"GET /v2 HTTP/1.1\nHost: x\n\n", b"G\x00T /v2 HTTP/1.1\r\n\r\n", b"get /v2 HTTP/1.1\r\n\r\n",
    b"TRACE /v2 HTTP/1.1\r\n\r\n", b"CONNECT x:1 HTTP/1.1\r\n\r\n", b"GET http://x/v2 HTTP/1.1\r\n\r\n",
    b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", b"GET /v2 HTTP/1.1\r\nX: " + b"a" * 9000 + b"\r\n\r\n",
    b"GET /v2/models/\xff\xfe HTTP/1.1\r\n\r\n", b"GET /v2/models/b\x00 HTTP/1.1\r\n\r\n",
    b"POST /v2/models/u/infer HTTP/1.1\r\nContent-Length: abc\r\n\r\n{}",
    b"POST /v2/models/u/infer HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}",
    b"POST /v2/models/u/infer HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    b"POST /v2/models/u/infer HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n{}\r\n0\r\n\r\n",
    b"POST /v2/models/u/infer HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n",
    b"POST /v2/models/u/infer HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}",
]
# The answer takes httplib's 5 s read timeout (it waits for the body it was promised): run aside.
SLOW_HTTP = [b"POST /v2/models/u/infer HTTP/1.1\r\nContent-Length: " + n + b"\r\n\r\n{}"
             for n in (b"-1", b"99999999999999999999", b"300000000")] + [b"POST /v2/models/u/infer HTTP/1.1\r\n\r\n{}"]
SEGMENTS = ["v2", "models", "b", "u", "infer", "health", "live", "ready", "versions", "1", "repository", "index",
            "load", "unload", "metrics", "..", ".", "", "%00", "%ff", "%2F", "x", "X" * 300]


def routed(method, path):
    """Whether (method, path) may succeed (the fuzz only sends requests that must not)."""
    path = urllib.parse.unquote(path.split("?")[0], errors="replace")
    if method == "POST":
        return path.startswith("/v2/repository/")
    return method == "GET" and re.fullmatch(r"/v2|/v2/health/(live|ready)|/metrics|/v2/models/[bu](/versions/1)?(/ready)?",
                                            path) is not None


def fuzz_case(r):
    """A malformed request: (its kind, ("http", method, path, body, headers) | ("raw", bytes) |
    ("grpc", message or bytes, INTERNAL allowed))."""
    model, x = r.choice("bu"), POOL[r.randrange(len(POOL))]
    path, body = f"/v2/models/{model}/infer", json_body(x, parameters={})
    body.update(parameters={}, outputs=[{"name": "logits", "parameters": {}}])
    kind = r.choice(["cut", "bytes", "nested", "huge", "wrong", "count", "binary", "header", "unknown", "utf8",
                     "route", "http", "grpc", "grpc", "grpc_bytes"])
    text = json.dumps(body)
    if kind == "cut":
        return kind, ("http", "POST", path, text[:r.randrange(len(text))], JSON)
    if kind == "bytes":
        n = r.choice([1, 10, 1000, 100000])
        data = bytes(r.getrandbits(8) for _ in range(n)) if r.random() < 0.5 else \
            "".join(r.choice('{}[],:"0123456789.eE-truefalsn inputs') for _ in range(n)).encode()
        return kind, ("http", "POST", path, data, JSON)
    if kind in ("nested", "huge", "wrong"):
        key = r.choice(list(WRONG))
        parent = functools.reduce(lambda node, k: node[k], key[:-1], body)
        if kind == "wrong" and (value := r.choice(WRONG[key])) is None:
            del parent[key[-1]]
        else:
            parent[key[-1]] = value if kind == "wrong" else "@@"
        text = json.dumps(body)
        if kind == "nested":
            depth = r.choice([10, 1000, 100_000, 1_000_000])
            open_, close = ("[", "]") if r.random() < 0.5 else ('{"a":', "}")
            text = text.replace('"@@"', open_ * depth + "1" + close * depth)
        elif kind == "huge":
            text = text.replace('"@@"', r.choice(HUGE))
        if key in (("parameters",), ("outputs", 0, "parameters"), ("inputs", 0, "parameters")) and kind == "nested":
            text = text.replace('"parameters": ' + open_, '"parameters": {"timeout_us": ' + open_)[:-1] + "}}" \
                if False else text  # a nested object is a valid "parameters"; only arrays reach here below
            if open_ == '{"a":':
                return fuzz_case(r)
        return kind, ("http", "POST", path, text, JSON)
    if kind == "count":
        n = x.size + r.choice([-1, 1])
        if r.random() < 0.5:
            body["inputs"][0]["data"] = (x.ravel().tolist() * 2)[:n]
        else:
            body["inputs"][0]["shape"][0] += r.choice([-1, 1])
        if model == "b" and r.random() < 0.2:
            body = json_body(np.zeros((r.randrange(9, 17), 1, 28, 28), np.float32))
        return kind, ("http", "POST", path, json.dumps(body), JSON)
    if kind == "binary":
        n = x.nbytes
        data, headers = r.choice([
            lambda: binary_body(x, payload=x.tobytes()[:r.randrange(n)], declared=n),
            lambda: binary_body(x, payload=x.tobytes() + b"\0" * r.choice([1, 4, n])),
            lambda: binary_body(x, declared=n - r.choice([1, 4, n])),
            lambda: binary_body(x, declared=r.choice([10**12, 2**63, 2**64 - 1, 2**32 + n, -n, 1.5, "n"])),
            lambda: binary_body(x, shape=r.choice([[10**12, 1, 28, 28], [2**40, 2**40, 28, 28], [2**62, 4, 28, 28],
                                                   [-1, 1, 28, 28]])),
        ])()
        return kind, ("http", "POST", path, data, headers)
    if kind == "header":
        data, headers = binary_body(x, header_length=lambda head: r.choice([
            "-1", "abc", "", "12abc", "1e3", "0x10", f"+{len(head)}", "99999999999999999999999", "0",
            str(len(head) - 1), str(len(head) + 1), str(len(head) + x.nbytes + 1), str(2**64 + len(head))]))
        return kind, ("http", "POST", path, data, headers)
    if kind == "unknown":
        name = r.choice(["x" + "".join(r.choice("abcuz09_-.") for _ in range(r.randrange(40))), "B", "bb", "b%00",
                         "%ff%fe", "%C0%AF", "%ED%A0%80", "u%20", "x" * 7000])
        version = r.choice(["0", "2", "-1", "abc", "1.0", "01", "99999999999999999999", "%ff", "1%00", ""])
        target = f"/v2/models/{name}" if version == "" else f"/v2/models/{model}/versions/{version}"
        method, suffix = r.choice([("POST", "/infer"), ("GET", ""), ("GET", "/ready")])
        return kind, ("http", method, target + suffix, text if method == "POST" else None, JSON)
    if kind == "utf8":
        bad = r.choice([b"\xff", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80", b"a\xe2\x82", b"\\ud800"])
        key = r.choice([("id",), ("inputs", 0, "name"), ("inputs", 0, "datatype"), ("outputs", 0, "name")])
        functools.reduce(lambda node, k: node[k], key[:-1], body)[key[-1]] = "@@"
        return kind, ("http", "POST", path, json.dumps(body).encode().replace(b"@@", bad), JSON)
    if kind == "route":
        while True:
            method = r.choice(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
            target = "/" + "/".join(r.choice(SEGMENTS) for _ in range(r.randrange(1, 7)))
            target += r.choice(["", "", "?x=1", "#f"])
            if not routed(method, target):
                return kind, ("raw", http_bytes(method, target, b"{}" if method == "POST" else b""))
    if kind == "http":
        return kind, ("raw", r.choice(MALFORMED_HTTP))
    request = grpc_request(x, model)
    tensor = request.inputs[0]
    if kind == "grpc_bytes":
        data = request.SerializeToString()
        choice = r.randrange(3)
        if choice == 0:
            data = data[:r.randrange(len(data))]
        elif choice == 1:
            data = bytes(r.getrandbits(8) for _ in range(r.choice([1, 10, 1000])))
        else:
            request.id = "@@"
            data = request.SerializeToString().replace(b"@@", r.choice([b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0"]))
        return kind, ("grpc", data, True)
    mutate = r.randrange(13)
    if mutate == 0:
        request.raw_input_contents[0] = x.tobytes()[:-r.choice([1, 4, x.nbytes])]
    elif mutate == 1:
        request.raw_input_contents[0] += b"\0" * r.choice([1, 3, 4, x.nbytes])
    elif mutate == 2:
        request.raw_input_contents.append(x.tobytes())
    elif mutate == 3:
        request.inputs.append(tensor)
        request.raw_input_contents.append(x.tobytes())
    elif mutate == 4:
        del request.inputs[:]
    elif mutate == 5:
        tensor.contents.fp32_contents.extend(x.ravel().tolist())
    elif mutate == 6:
        tensor.datatype = r.choice(["", "FP33", "fp32", "BYTES", "INT64", "FP16", "FP64"])
        if tensor.datatype in ("INT64", "FP64") and r.random() < 0.5:
            request.raw_input_contents[0] = x.astype(np.float64).tobytes()
    elif mutate == 7:
        tensor.ClearField("shape")
        tensor.shape.extend(r.choice([[-1, 1, 28, 28], [10**12, 1, 28, 28], [2**62, 2**62, 28, 28], [1, 1, 28], [],
                                      [1, 28, 28, 1], [-2**63, 1, 28, 28], [0, 1, 28, 28]]))
    elif mutate == 8:
        del request.raw_input_contents[:]
        field = r.choice(["fp32_contents", "int_contents", "fp64_contents"])
        values = x.ravel().tolist()[:x.size + r.choice([-1, 1]) if field == "fp32_contents" else x.size]
        getattr(tensor.contents, field).extend(int(v) for v in values) if field == "int_contents" else \
            getattr(tensor.contents, field).extend(values)
        tensor.datatype = r.choice(["FP32", "FP16"]) if field == "fp32_contents" else "FP32"
    elif mutate == 9:
        request.model_name, request.model_version = r.choice([("x" + model, ""), (model, "2"), (model, "0"),
                                                              (model, "abc"), ("", ""), (model, "01")])
    elif mutate == 10:
        request.outputs.add(name=r.choice(["", "nope", "input"]))
    elif mutate == 11:
        p = request.parameters["timeout_us"]
        r.choice([lambda: setattr(p, "string_param", "1"), lambda: setattr(p, "int64_param", -1),
                  lambda: setattr(p, "bool_param", True), lambda: setattr(p, "double_param", 1.0)])()
    else:
        return kind, ("grpc", pb.ModelMetadataRequest(name="x" + model), False)
    return kind, ("grpc", request, False)


def fuzz():
    Server(repository({"b": BATCHED, "u": None}))
    stub = grpc_stub()
    total, r, rest = 5000 * SCALE, random.Random(ARGS.seed), Rest(timeout=10)
    print(f"fuzz: {total} requests, --seed {ARGS.seed}")
    outcomes, failures, slow = Counter(), [], []
    aside = [threading.Thread(target=lambda d=d: slow.append((d, raw_http(d, timeout=15)))) for d in SLOW_HTTP]
    for t in aside:
        t.start()
    for n in range(total):
        if n == total // 10:
            rss = server.status("VmRSS")
        kind, case = fuzz_case(r)
        try:
            if case[0] == "http":
                got = rest(*case[1:])[0]
            elif case[0] == "raw":
                got = raw_http(case[1])
            elif isinstance(case[1], pb.ModelMetadataRequest):
                got = stub.ModelMetadata(case[1], timeout=10) and "OK"
            else:
                got = (stub.raw_infer if isinstance(case[1], bytes) else stub.ModelInfer)(case[1], timeout=10) and "OK"
        except grpc.RpcError as e:
            got = e.code().name
        except Exception as e:
            got = type(e).__name__
        outcomes[(kind, got)] += 1
        if case[0] == "grpc":
            good = got in ("INVALID_ARGUMENT", "NOT_FOUND") or (case[2] and got == "INTERNAL")
        else:
            good = isinstance(got, int) and 400 <= got < 500
        if not good:
            failures.append(f"case {n} ({kind}): {got} for {repr(case[1:])[:300]}")
            if server.proc.poll() is not None:
                fail(f"the server died at fuzz case {n} (--seed {ARGS.seed}): {failures[-1]}")
    for t in aside:
        t.join()
    failures += [f"{d[:60]!r}: {got}" for d, got in slow if not (isinstance(got, int) and 400 <= got < 500)]
    print("outcomes:", dict(sorted(outcomes.items(), key=str)))
    print("slow cases:", [got for _, got in slow])
    expect(not failures, f"{len(failures)} malformed requests were not refused with a 4xx (--seed {ARGS.seed}): "
                         + "\n  ".join(failures[:8]))
    expect_serving(stub, "after the fuzz")
    expect_rss_growth(rss, server.status("VmRSS"), "fuzz")


# --- reload ------------------------------------------------------------------------------------------

def atomic_copy(source, target):
    """Copies to a name the scan skips, then renames (a model folder or model.onnx)."""
    temp = target.parent / f".tmp-{target.name}"
    (shutil.copytree if source.is_dir() else shutil.copy)(source, temp)
    temp.rename(target)


def atomic_remove(path):
    gone = path.parent / f".gone-{path.name}"
    path.rename(gone)
    shutil.rmtree(gone)


def wait_for(predicate, what, timeout=10):
    start = time.monotonic()
    while not predicate():
        expect(time.monotonic() - start < timeout, f"not within {timeout} s: {what}")
        time.sleep(0.05)
    return time.monotonic() - start


def versions(rest, model):
    status, _, data = rest("GET", f"/v2/models/{model}")
    return json.loads(data)["versions"] if status == 200 else status


def reload_workers(stub, come_and_go, refs):
    """Inference on "stay" (answers of either variant), "multi" and `come_and_go` (404 allowed)."""
    def stay(rest, n):
        outcome, logits = infer(rest, stub, ("json", "binary", "grpc")[n % 3], "stay", n % len(POOL))
        if outcome != "OK" or not any(right(logits, ref[n % len(POOL)]) for ref in refs):
            return f"stay: {outcome}"

    def multi(rest, n):
        outcome, logits = infer(rest, stub, ("grpc", "json")[n % 2], "multi", n % len(POOL))
        if outcome != "OK" or not right(logits, REF[n % len(POOL)]):
            return f"multi: {outcome}"

    def comes_and_goes(rest, n):
        outcome, logits = infer(rest, stub, ("json", "grpc")[n % 2], come_and_go, n % len(POOL))
        if outcome not in ("OK", 404, "NOT_FOUND") or (outcome == "OK" and not right(logits, REF[n % len(POOL)])):
            return f"{come_and_go}: {outcome}"
        time.sleep(0.005)

    return Workers([stay, multi, comes_and_goes])


def answers(rest, model, ref):
    outcome, logits = infer(rest, None, "binary", model, 0)
    return outcome == "OK" and right(logits, ref[0])


def reload():
    b_model = variant(WORK / "variant.onnx")
    ref_b = [reference(x, b_model) for x in POOL]
    repo = repository({"stay": BATCHED, "multi": {"version_policy": "all"}, "template": None})
    template = WORK / "template"
    shutil.rmtree(template, ignore_errors=True)
    (repo / "template").rename(template)
    Server(repo, "--repository-poll-s", "0.2")
    stub, rest, cycles, seen = grpc_stub(), Rest(), 2 * SCALE, Counter()
    workers = reload_workers(stub, "come", [REF, ref_b])
    start = time.monotonic()
    for cycle in range(cycles):
        new, ref = (WORK / "variant.onnx", ref_b) if cycle % 2 == 0 else (MODEL, REF)
        atomic_copy(new, repo / "stay" / "1" / "model.onnx")
        seen["replaced"] = max(seen["replaced"], wait_for(lambda: answers(rest, "stay", ref), "stay replaced"))
        version = str(cycle + 2)
        atomic_copy(template / "1", repo / "multi" / version)
        seen["version added"] = max(seen["version added"], wait_for(
            lambda: versions(rest, "multi") == ["1", version], f"multi's versions 1 and {version}"))
        expect(infer(rest, stub, "json", "multi", 0, version)[0] == "OK", f"inference on multi version {version}")
        atomic_copy(template, repo / "come")
        seen["model added"] = max(seen["model added"], wait_for(lambda: answers(rest, "come", REF), "come served"))
        atomic_remove(repo / "come")
        seen["model removed"] = max(seen["model removed"], wait_for(
            lambda: rest("GET", "/v2/models/come/ready")[0] == 404, "come no longer served"))
        atomic_remove(repo / "multi" / version)
        seen["version removed"] = max(seen["version removed"], wait_for(
            lambda: versions(rest, "multi") == ["1"], f"multi's version {version} removed"))
    done = workers.join()
    print(f"poll: {cycles} cycles in {time.monotonic() - start:.1f} s; slowest to be seen (s):",
          {k: round(v, 2) for k, v in seen.items()}, f"; {done} requests {dict(workers.count)},",
          f"{len(workers.failures)} failed {workers.failures[:5]}")
    expect(not workers.failures, f"{len(workers.failures)} requests failed while the repository changed, "
                                 f"e.g. {workers.failures[:5]}")
    expect(server.stop() == 0, "poll mode: exit code after SIGTERM not 0")
    explicit(repo, template, ref_b)


def explicit(repo, template, ref_b):
    atomic_copy(MODEL, repo / "stay" / "1" / "model.onnx")
    (repo / "broken" / "1").mkdir(parents=True)
    (repo / "broken" / "1" / "model.onnx").write_bytes(b"\x08\xffnot an onnx model\x00\x13")
    Server(repo, "--model-control", "explicit", "--repository-poll-s", "0.2", log="server-explicit.log")
    stub, rest = grpc_stub(), Rest()
    workers = reload_workers(stub, "late", [REF, ref_b])

    def call(path, status, what):
        got, _, data = rest("POST", path)
        expect(got == status, f"explicit: {what}: POST {path} {got} {data[:300]!r}, expected {status}")
        answer = json.loads(data) if data else None
        if status >= 400:
            expect(isinstance(answer, dict) and answer.get("error"), f"explicit: {what}: no error message: {data!r}")
        return answer

    index = {(e["name"], e.get("version"), e.get("state")): e for e in call("/v2/repository/index", 200, "index")}
    for entry in (("stay", "1", "READY"), ("multi", "1", "READY"), ("broken", None, "UNAVAILABLE")):
        expect(entry in index, f"explicit: {entry} not in the repository index {list(index)}")
    expect(index[("broken", None, "UNAVAILABLE")].get("reason"), "explicit: no reason for broken in the index")
    atomic_copy(WORK / "variant.onnx", repo / "stay" / "1" / "model.onnx")
    atomic_copy(template, repo / "late")
    time.sleep(1)
    expect(answers(rest, "stay", REF), "explicit: a changed model.onnx was loaded without a load request")
    expect(rest("GET", "/v2/models/late/ready")[0] == 404, "explicit: a new model was loaded without a load request")
    call("/v2/repository/models/stay/load", 200, "reload stay under inference")
    expect(answers(rest, "stay", ref_b), "explicit: stay does not answer with its new model.onnx after the load")
    call("/v2/repository/models/late/load", 200, "load late")
    expect(answers(rest, "late", REF), "explicit: late not served after its load")
    call("/v2/repository/models/late/unload", 200, "unload late")
    expect(rest("GET", "/v2/models/late/ready")[0] == 404, "explicit: late still ready after its unload")
    call("/v2/repository/models/late/unload", 404, "unload late again")
    call("/v2/repository/models/nope/unload", 404, "unload an unknown model")
    call("/v2/repository/models/nope/load", 404, "load an unknown model")
    call("/v2/repository/models/../load", 404, "load ..")
    error = call("/v2/repository/models/broken/load", 400, "load a broken model")["error"]
    expect("broken" in error and len(error) > 20, f"explicit: the error for broken gives no reason: {error!r}")
    expect(answers(rest, "stay", ref_b), "explicit: stay not answering after the loads and unloads")
    done = workers.join()
    print(f"explicit: {done} requests {dict(workers.count)}, {len(workers.failures)} failed {workers.failures[:5]}")
    expect(not workers.failures, f"explicit: {len(workers.failures)} requests failed, e.g. {workers.failures[:5]}")


# --- disconnect --------------------------------------------------------------------------------------

def abandon(data, reset):
    """Sends `data` and goes away (a FIN, or an RST when `reset`) without reading anything."""
    s = socket.create_connection(("127.0.0.1", HTTP), timeout=10)
    s.sendall(data)
    if reset:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()


def slowloris(i, results):
    """A right request whose head comes a byte per 5 ms; its answer must be right."""
    body, headers = encoded(i, False)
    data = http_bytes("POST", "/v2/models/u/infer", body, headers)
    head = data.index(b"\r\n\r\n") + 4
    with socket.create_connection(("127.0.0.1", HTTP), timeout=30) as s:
        for byte in data[:head]:
            s.send(bytes([byte]))
            time.sleep(0.005)
        s.sendall(data[head:])
        got = b""
        while b"\r\n\r\n" not in got or len(got.partition(b"\r\n\r\n")[2]) < int(
                re.search(rb"(?i)content-length:\s*(\d+)", got).group(1)):
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
    answer = got.partition(b"\r\n\r\n")[2]
    ok = got.startswith(b"HTTP/1.1 200") and right(np.asarray(json.loads(answer)["outputs"][0]["data"], np.float32), REF[i])
    results.append("OK" if ok else got[:200])


def disconnect_round(stub, r, outcomes):
    for n in range(20):
        body, headers = encoded(n % len(POOL), n % 2 == 1)
        data = http_bytes("POST", f"/v2/models/{'bu'[n % 2]}/infer", body, headers)
        abandon(data[:r.randrange(1, len(data))], reset=n % 4 < 2)
        abandon(data, reset=n % 4 >= 2)
    idle = [socket.create_connection(("127.0.0.1", HTTP)) for _ in range(24)]
    slow = []
    lorises = [threading.Thread(target=slowloris, args=(i, slow)) for i in range(3)]
    for t in lorises:
        t.start()
    time.sleep(0.2)
    for n, s in enumerate(idle):
        if n % 2:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        s.close()
    start = time.monotonic()
    expect_serving(stub, "while slowloris clients send their headers")
    outcomes["serving during slowloris (s, max)"] = max(outcomes["serving during slowloris (s, max)"],
                                                        round(time.monotonic() - start, 2))
    for wave in range(4):
        calls = []
        for n in range(50):
            i = n % len(POOL)
            call = stub.ModelInfer.future(grpc_request(POOL[i], "bu"[n % 2]), timeout=0.001 if n % 2 else 30)
            if n % 2 == 0:
                call.cancel()
            calls.append((i, call))
        for i, call in calls:
            try:
                outcome = "OK" if right(grpc_logits(call.result()), REF[i]) else "wrong logits"
            except grpc.FutureCancelledError:
                outcome = "CANCELLED"
            except grpc.RpcError as e:
                outcome = e.code().name
            outcomes[f"gRPC {outcome}"] += 1
    for t in lorises:
        t.join()
    outcomes["slowloris OK"] += slow.count("OK")
    expect(slow == ["OK"] * 3, f"slowloris requests: {slow}")


def disconnect():
    Server(repository({"b": BATCHED, "u": None}))
    stub, r, outcomes = grpc_stub(), random.Random(ARGS.seed), Counter()
    rounds, start = 10 * SCALE, time.monotonic()
    disconnect_round(stub, r, outcomes)
    time.sleep(1)
    rss, threads = server.status("VmRSS"), server.status("Threads")
    for _ in range(rounds - 1):
        disconnect_round(stub, r, outcomes)
    bad = {k: v for k, v in outcomes.items() if k.startswith("gRPC") and k[5:] not in
           ("OK", "CANCELLED", "DEADLINE_EXCEEDED")}
    expect(not bad, f"gRPC calls with a 1 ms deadline or cancelled: {bad}")
    expect_serving(stub, "after the disconnections")
    settle = wait_for(lambda: server.status("Threads") <= threads + 2, "the thread count back", timeout=15)
    print(f"disconnect: {rounds} rounds in {time.monotonic() - start:.1f} s: {dict(outcomes)}; threads {threads} "
          f"after the first round, {server.status('Threads')} at the end ({settle:.1f} s to settle)")
    expect_rss_growth(rss, server.status("VmRSS"), "disconnect")


try:
    {"soak": soak, "fuzz": fuzz, "reload": reload, "disconnect": disconnect}[CHECK]()
    if server is not None:
        code = server.stop()
        expect(code == 0, f"exit code {code} after SIGTERM")
finally:
    if server is not None:
        server.stop()
print(f"{CHECK}: passed")
