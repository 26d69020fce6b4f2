"""`zenith serve` (KServe v2 over REST and gRPC) from the outside, as stock clients use it.

Usage: serve_test.py ZENITH WORKDIR CHECK. Each check builds WORKDIR/models (fashion/1/model.onnx with
{"max_batch_size": 8}, tokens/1/model.onnx, and broken/1/model.onnx, garbage the server must report and
skip), starts `ZENITH serve` on two free loopback ports and waits for /v2/health/ready. CHECK one of:
  rest      through the curl binary: health, server and model metadata, readiness (broken not ready),
            JSON inference at batches 3 and 1, the binary tensor data extension both ways, the
            Prometheus counters at /metrics; then SIGTERM: exit 0, and the log names the broken model.
  grpc      Python stubs generated from proto/grpc_predict_v2.proto: live, ready, model ready, server
            and model metadata, inference with raw_input_contents (batch 3) and fp32_contents (batch 1).
  errors    unknown model or version 404 / NOT_FOUND; malformed JSON, wrong shape, wrong datatype,
            too few elements, a short binary body, an oversized Inference-Header-Content-Length 400
            (REST) or INVALID_ARGUMENT (gRPC), each with an error message; inference works afterwards.
  bench     `zenith bench --server` over both protocols: the accuracy run on Fashion-MNIST equals the
            in-process one; a Server-scenario run completes.
  shutdown  SIGTERM under load from 20 threads (REST and gRPC): every answer is right, a 503,
            UNAVAILABLE or CANCELLED, or a failed connection, and the server exits 0 within 10 s.
  multi     "tokens", a model of two INT64 inputs with a symbolic sequence length (embedding ids and an
            attention mask, as text models have), over REST JSON and gRPC raw contents at lengths 5 and 9.
Outputs are compared with numpy's evaluation of the model within rtol = atol = 1e-4 (kserve_testing.py).
Exits non-zero with a message (and the server log's tail) on failure; never skips.
"""

import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

from kserve_testing import MODEL, binary_request, close, free_ports, grpc_connect, grpc_logits, json_request, reference

ZENITH, WORK, CHECK = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
LOG = WORK / "server.log"
WORK.mkdir(parents=True, exist_ok=True)
server = None  # the zenith process
HTTP = GRPC = None  # its ports


def fail(message):
    tail = LOG.read_text(errors="replace")[-3000:] if LOG.exists() else "(no log)"
    sys.exit(f"FAIL ({CHECK}): {message}\n--- server log tail ---\n{tail}")


RNG = np.random.default_rng(0)
X3 = RNG.standard_normal((3, 1, 28, 28)).astype(np.float32)
X1 = RNG.standard_normal((1, 1, 28, 28)).astype(np.float32)


def expect_logits(actual, x, what):
    expected = reference(x)
    if not close(actual, expected):
        actual = np.asarray(actual, dtype=np.float32)
        fail(f"{what}: logits {actual.ravel()[:5]}... (size {actual.size}), expected {expected.ravel()[:5]}... "
             f"(size {expected.size})")


def expect(condition, what):
    if not condition:
        fail(what)


# --- the server ---------------------------------------------------------------------------------

def model_repository():
    models = WORK / "models"
    shutil.rmtree(models, ignore_errors=True)
    (models / "fashion" / "1").mkdir(parents=True)
    shutil.copy(MODEL, models / "fashion" / "1" / "model.onnx")
    (models / "fashion" / "config.json").write_text(json.dumps({"max_batch_size": 8}))
    (models / "broken" / "1").mkdir(parents=True)
    (models / "broken" / "1" / "model.onnx").write_bytes(b"\x08\xffnot an onnx model\x00\x13")
    (models / "tokens" / "1").mkdir(parents=True)
    onnx.save(tokens_model(), str(models / "tokens" / "1" / "model.onnx"))
    return models


EMBEDDING = (np.arange(200, dtype=np.float32).reshape(50, 4) - 100) / 64


def tokens_model():
    """What a text model's front looks like: two INT64 inputs of [batch, sequence], both symbolic (token ids
    and an attention mask), the masked sum of the ids' embeddings out, FP32 [batch, 4]."""
    h = onnx.helper
    nodes = [h.make_node("Gather", ["embedding", "input_ids"], ["vectors"]),
             h.make_node("Cast", ["attention_mask"], ["weights"], to=onnx.TensorProto.FLOAT),
             h.make_node("Unsqueeze", ["weights", "last"], ["weights3"]),
             h.make_node("Mul", ["vectors", "weights3"], ["masked"]),
             h.make_node("ReduceSum", ["masked", "sequence"], ["pooled"], keepdims=0)]
    ids = [h.make_tensor_value_info(n, onnx.TensorProto.INT64, ["batch", "sequence"]) for n in ("input_ids", "attention_mask")]
    graph = h.make_graph(nodes, "tokens", ids, [h.make_tensor_value_info("pooled", onnx.TensorProto.FLOAT, ["batch", 4])],
                         [numpy_helper.from_array(EMBEDDING, "embedding"), numpy_helper.from_array(np.array([2]), "last"),
                          numpy_helper.from_array(np.array([1]), "sequence")])
    return h.make_model(graph, opset_imports=[h.make_opsetid("", 13)])


def start_server():
    global server, HTTP, GRPC
    HTTP, GRPC = free_ports()
    (WORK / "access.log").unlink(missing_ok=True)  # the server appends; a WORKDIR is reused
    command = [ZENITH, "serve", "--model-repository", str(model_repository()), "--http-port", str(HTTP),
               "--grpc-port", str(GRPC), "--access-log", str(WORK / "access.log")]
    with open(LOG, "wb") as log:
        server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            fail(f"{' '.join(command)} exited {server.returncode} before it was ready")
        if curl("/v2/health/ready")[0] == 200:
            return
        time.sleep(0.1)
    fail(f"GET /v2/health/ready was not 200 within 60 s of {' '.join(command)}")


def stop_server():
    """SIGTERM, then SIGKILL after 10 s: the exit code, or None if it had to be killed."""
    if server is None or server.poll() is not None:
        return None if server is None else server.returncode
    server.send_signal(signal.SIGTERM)
    try:
        return server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        return None


# --- REST through curl --------------------------------------------------------------------------

def curl(path, body=None, headers=()):
    """(status, headers with lowercase names, body) of one request by the curl binary; when no
    response came, minus curl's exit code (-7 refused, -52 closed without a response, -56 reset)
    and its message as the body."""
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        tmp = Path(tmp)
        command = ["curl", "-sS", "--max-time", "30", "-D", str(tmp / "headers"), "-o", str(tmp / "body"),
                   "-w", "%{http_code}", f"http://127.0.0.1:{HTTP}{path}"]
        for header in headers:
            command += ["-H", header]
        if body is not None:
            (tmp / "request").write_bytes(body.encode() if isinstance(body, str) else body)
            command += ["--data-binary", f"@{tmp / 'request'}"]
        run = subprocess.run(command, capture_output=True, text=True, timeout=60)
        if run.returncode != 0:
            return -run.returncode, {}, run.stderr.encode()
        # The last block: a 100 Continue (curl sends Expect for bodies over 1 KiB) comes first.
        block = (tmp / "headers").read_bytes().decode(errors="replace").strip().split("\r\n\r\n")[-1]
        fields = dict(line.split(":", 1) for line in block.split("\r\n")[1:] if ":" in line)
        return (int(run.stdout), {k.strip().lower(): v.strip() for k, v in fields.items()},
                (tmp / "body").read_bytes())


def rest_json(path, body=None, status=200, headers=("Content-Type: application/json",)):
    """The JSON answer to a request that must get `status`."""
    got, _, text = curl(path, body if body is None or isinstance(body, (str, bytes)) else json.dumps(body), headers)
    if got != status:
        fail(f"{path}: status {got} (expected {status}): {text[:500]!r}")
    try:
        return json.loads(text) if text else None
    except json.JSONDecodeError:
        fail(f"{path}: not JSON: {text[:500]!r}")


def expect_rest_logits(answer, x, what):
    output = answer["outputs"][0]
    expect(answer.get("model_name") == "fashion" and answer.get("id") == "req-1",
           f"{what}: model_name/id {answer.get('model_name')!r}/{answer.get('id')!r}, expected 'fashion'/'req-1'")
    expect(output["name"] == "logits" and output["datatype"] == "FP32" and output["shape"] == [len(x), 10],
           f"{what}: output {output['name']} {output['datatype']} {output['shape']}, expected logits FP32 "
           f"{[len(x), 10]}")
    expect_logits(output["data"], x, what)


def binary_curl(x, header_length_extra=0, **fields):
    """The body and curl headers of binary_request(x, **fields), its header length off by `header_length_extra`."""
    body, header_length = binary_request(x, **fields)
    return body, ("Content-Type: application/octet-stream",
                  f"Inference-Header-Content-Length: {header_length + header_length_extra}")


def expect_model_metadata(meta):
    expect(meta.get("name") == "fashion" and list(meta.get("versions", [])) == ["1"]
           and isinstance(meta.get("platform"), str),
           f"model metadata: name/versions/platform {meta.get('name')!r}/{meta.get('versions')!r}/"
           f"{meta.get('platform')!r}, expected 'fashion'/['1']/a string")
    for key, name, shape in (("inputs", "input", [-1, 1, 28, 28]), ("outputs", "logits", [-1, 10])):
        tensors = [(t["name"], t["datatype"], list(t["shape"])) for t in meta[key]]
        wanted = [(name, "FP32", shape)]
        expect(tensors == wanted, f"model metadata {key}: {tensors}, expected {wanted}")


def rest():
    for path in ("/v2/health/live", "/v2/health/ready", "/v2/models/fashion/ready"):
        expect(curl(path)[0] == 200, f"GET {path}: not 200")
    status = curl("/v2/models/broken/ready")[0]
    expect(status >= 400, f"GET /v2/models/broken/ready: {status}, expected an error status")
    meta = rest_json("/v2")
    expect(isinstance(meta.get("name"), str) and isinstance(meta.get("version"), str)
           and "binary_tensor_data" in meta.get("extensions", []), f"server metadata {meta}")
    for path in ("/v2/models/fashion", "/v2/models/fashion/versions/1"):
        expect_model_metadata(rest_json(path))
    expect_rest_logits(rest_json("/v2/models/fashion/infer", json_request(X3)), X3, "JSON infer, batch 3")
    expect_rest_logits(rest_json("/v2/models/fashion/versions/1/infer", json_request(X1)), X1, "JSON infer, batch 1")

    body, headers = binary_curl(X3)
    status, got_headers, answer = curl("/v2/models/fashion/infer", body, headers)
    expect(status == 200, f"binary infer: status {status}: {answer[:500]!r}")
    length = got_headers.get("inference-header-content-length")
    expect(length is not None and length.isdigit(), f"binary infer: Inference-Header-Content-Length {length!r}")
    header = json.loads(answer[:int(length)])
    output = header["outputs"][0]
    expect(output.get("parameters", {}).get("binary_data_size") == 120 and "data" not in output,
           f"binary infer: output {output}, expected parameters binary_data_size 120 and no data")
    expect(len(answer) == int(length) + 120, f"binary infer: {len(answer) - int(length)} bytes after the header")
    expect_logits(np.frombuffer(answer[int(length):], "<f4"), X3, "binary infer, batch 3")

    # Prometheus text: the three inferences above, one request for a model that is not served.
    status, _, text = curl("/v2/models/nope/infer", json.dumps(json_request(X1)), ("Content-Type: application/json",))
    expect(status == 404, f"unknown model: status {status}")
    status, _, text = curl("/metrics")
    samples = dict(line.rsplit(" ", 1) for line in text.decode().splitlines() if line and line[0] != "#")
    for name, value in (('zenith_inference_requests_total{model="fashion",version="1"}', 3),
                        ('zenith_inference_batch_size_count{model="fashion",version="1"}', 3),
                        ("zenith_inference_failures_total", 1)):
        expect(status == 200 and float(samples.get(name, -1)) == value,
               f"GET /metrics: {name} is {samples.get(name)}, expected {value}")
    # The process's memory, read when scraped: resident against /proc; the heap (what malloc holds allocated)
    # more than the model's weights and less than the resident set.
    rss = int(re.search(r"^VmRSS:\s*(\d+)", Path(f"/proc/{server.pid}/status").read_text(), re.M)[1]) * 1024
    resident = float(samples.get("process_resident_memory_bytes", -1))
    heap = float(samples.get("zenith_heap_allocated_bytes", -1))
    expect(0.8 * rss < resident < 1.25 * rss, f"GET /metrics: process_resident_memory_bytes {resident}, VmRSS {rss}")
    expect(100_000 < heap < resident, f"GET /metrics: zenith_heap_allocated_bytes {heap}, resident {resident}")

    code = stop_server()
    expect(code == 0, f"exit code {code} after SIGTERM")
    expect("broken" in LOG.read_text(errors="replace"), "the log does not name the broken model")
    # The access log: a JSON object per request, the inferences and the unknown model among them.
    access = [json.loads(line) for line in (WORK / "access.log").read_text().splitlines()]
    calls = Counter((a["call"], a["status"]) for a in access)
    expect(calls[("POST /v2/models/fashion/infer", "200")] == 2 and calls[("POST /v2/models/nope/infer", "404")] == 1
           and all(a["protocol"] == "rest" and a["duration_us"] >= 0 and a["peer"] for a in access),
           f"access log: {dict(calls)}")


# --- gRPC ---------------------------------------------------------------------------------------

def grpc_stub():
    global grpc, pb
    grpc, pb, stub = grpc_connect(WORK, GRPC)
    return stub


def grpc_request(x, raw=True, shape=None, payload=None, model="fashion"):
    tensor = pb.ModelInferRequest.InferInputTensor(name="input", datatype="FP32", shape=shape or x.shape)
    if not raw:
        tensor.contents.fp32_contents.extend(x.ravel().tolist())
    raw_contents = [x.astype("<f4").tobytes() if payload is None else payload] if raw else []
    return pb.ModelInferRequest(model_name=model, id="grpc-1", inputs=[tensor], raw_input_contents=raw_contents)


def expect_grpc_logits(response, x, what):
    expect(response.model_name == "fashion" and response.id == "grpc-1",
           f"{what}: model_name/id {response.model_name!r}/{response.id!r}, expected 'fashion'/'grpc-1'")
    output = response.outputs[0]
    expect(output.name == "logits" and output.datatype == "FP32" and list(output.shape) == [len(x), 10],
           f"{what}: output {output.name} {output.datatype} {list(output.shape)}")
    expect_logits(grpc_logits(response), x, what)


def grpc_check():
    stub = grpc_stub()
    expect(stub.ServerLive(pb.ServerLiveRequest()).live, "ServerLive: not live")
    expect(stub.ServerReady(pb.ServerReadyRequest()).ready, "ServerReady: not ready")
    expect(stub.ModelReady(pb.ModelReadyRequest(name="fashion")).ready, "ModelReady(fashion): not ready")
    meta = stub.ServerMetadata(pb.ServerMetadataRequest())
    expect(meta.name and "binary_tensor_data" in meta.extensions, f"ServerMetadata: {meta}")
    meta = stub.ModelMetadata(pb.ModelMetadataRequest(name="fashion"))
    expect_model_metadata({"name": meta.name, "versions": meta.versions, "platform": meta.platform,
                           "inputs": [{"name": t.name, "datatype": t.datatype, "shape": t.shape} for t in meta.inputs],
                           "outputs": [{"name": t.name, "datatype": t.datatype, "shape": t.shape}
                                       for t in meta.outputs]})
    expect_grpc_logits(stub.ModelInfer(grpc_request(X3)), X3, "ModelInfer, raw_input_contents, batch 3")
    expect_grpc_logits(stub.ModelInfer(grpc_request(X1, raw=False)), X1, "ModelInfer, fp32_contents, batch 1")


# --- errors -------------------------------------------------------------------------------------

def rest_error(path, body, status, mentions=None, headers=("Content-Type: application/json",)):
    answer = rest_json(path, body, status, headers)
    error = answer.get("error") if isinstance(answer, dict) else None
    expect(isinstance(error, str) and error, f"{path} ({status}): no error message in {answer!r}")
    expect(mentions is None or mentions in error, f"{path} ({status}): the error {error!r} does not name {mentions!r}")
    print(f"{status}: {error}")


def grpc_error(stub, request, code, what, contains=""):
    try:
        stub.ModelInfer(request, timeout=30)
    except grpc.RpcError as e:
        expect(e.code() == code and e.details() and contains in e.details(),
               f"gRPC {what}: {e.code()} {e.details()!r}, expected {code} saying {contains!r}")
        print(f"{e.code()}: {e.details()}")
        return
    fail(f"gRPC {what}: succeeded, expected {code}")


def errors():
    infer = "/v2/models/fashion/infer"
    rest_error("/v2/models/nope/infer", json_request(X1), 404, "nope")
    rest_error("/v2/models/fashion/versions/9/infer", json_request(X1), 404)
    rest_error("/v2/models/nope", None, 404, "nope")
    rest_error(infer, '{"inputs": [{"name": "input", ', 400)
    rest_error(infer, json_request(X3[..., :27]), 400, "input")
    rest_error(infer, json_request(X3, datatype="INT64", data=[1] * X3.size), 400)
    rest_error(infer, json_request(X3, data=X3.ravel()[:100].tolist()), 400)
    body, headers = binary_curl(X3, declared=X3.nbytes, payload=X3.tobytes()[:-400])
    rest_error(infer, body, 400, headers=headers)
    body, headers = binary_curl(X3, header_length_extra=X3.nbytes + 100)
    rest_error(infer, body, 400, headers=headers)

    stub = grpc_stub()
    grpc_error(stub, grpc_request(X1, model="nope"), grpc.StatusCode.NOT_FOUND, "unknown model")
    grpc_error(stub, grpc_request(X3[..., :27], shape=[3, 1, 28, 27]), grpc.StatusCode.INVALID_ARGUMENT, "wrong shape")
    grpc_error(stub, grpc_request(X3, payload=X3.tobytes()[:-4]), grpc.StatusCode.INVALID_ARGUMENT,
               "raw_input_contents 4 bytes short")
    narrow = pb.ModelInferRequest.InferInputTensor(name="input", datatype="INT8", shape=[2])
    narrow.contents.int_contents.extend([1, 300])
    grpc_error(stub, pb.ModelInferRequest(model_name="fashion", inputs=[narrow]), grpc.StatusCode.INVALID_ARGUMENT,
               "INT8 300", contains="does not fit INT8")

    # A second server on a port the first holds fails to start, naming the port, rather than
    # sharing the port's connections with the first (SO_REUSEPORT).
    other_http, other_grpc = free_ports()
    for http, grpc_port, flag in ((HTTP, other_grpc, "--http-port"), (other_http, GRPC, "--grpc-port")):
        taken = f"{flag} {HTTP if flag == '--http-port' else GRPC}"
        second = subprocess.run([ZENITH, "serve", "--model-repository", str(WORK / "models"), "--http-port",
                                 str(http), "--grpc-port", str(grpc_port)], capture_output=True, text=True,
                                timeout=30)
        expect(second.returncode != 0 and taken in second.stderr,
               f"a second server on the first's {flag} exited {second.returncode}: {second.stderr[-500:]}")

    expect(curl("/v2/health/ready")[0] == 200, "not ready after the errors")
    expect_rest_logits(rest_json(infer, json_request(X3)), X3, "JSON infer after the errors")
    expect_grpc_logits(stub.ModelInfer(grpc_request(X3)), X3, "ModelInfer after the errors")


# --- shutdown -----------------------------------------------------------------------------------

def shutdown():
    stub = grpc_stub()
    outcomes, lock, stop = [], threading.Lock(), threading.Event()
    body, expected = json.dumps(json_request(X3)), reference(X3)

    def rest_request():
        status, _, text = curl("/v2/models/fashion/infer", body, ("Content-Type: application/json",))
        if status != 200:
            return status
        return "right" if close(json.loads(text)["outputs"][0]["data"], expected) else "wrong data"

    def grpc_request_once():
        try:
            return "right" if close(grpc_logits(stub.ModelInfer(grpc_request(X3), timeout=30)), expected) \
                else "wrong data"
        except grpc.RpcError as e:
            return e.code()

    def client(kind, request):
        """Requests one after another until one is not answered right (the server is going)."""
        outcome = "right"
        while outcome == "right" and not stop.is_set():
            try:
                outcome = request()
            except Exception as e:  # a bug here must fail the check, not end the thread quietly
                outcome = f"exception {e!r}"
            with lock:
                outcomes.append((kind, outcome))

    expect_grpc_logits(stub.ModelInfer(grpc_request(X3)), X3, "ModelInfer before the shutdown")
    threads = [threading.Thread(target=client, args=("REST", rest_request) if i % 2 else ("gRPC", grpc_request_once))
               for i in range(20)]
    for thread in threads:
        thread.start()
    # SIGTERM once both protocols are answering (10 right of each; at most 30 s), so that the
    # signal lands among requests in flight rather than before the load began.
    deadline = time.monotonic() + 30
    while True:
        with lock:
            before = Counter(kind for kind, outcome in outcomes if outcome == "right")
        if (before["REST"] >= 10 and before["gRPC"] >= 10) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    since = time.monotonic()
    server.send_signal(signal.SIGTERM)
    try:
        code = server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        fail("still running 10 s after SIGTERM with requests in flight")
    print(f"exit {code} {time.monotonic() - since:.1f} s after SIGTERM")
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    print(f"{len(outcomes)} requests, right before SIGTERM {dict(before)}:",
          dict(Counter(f"{kind} {outcome}" for kind, outcome in outcomes)))
    expect(code == 0, f"exit code {code} after SIGTERM")
    expect(before["REST"] >= 10 and before["gRPC"] >= 10,
           f"right answers in the 30 s before SIGTERM: {dict(before)}, expected 10 or more of each")
    # Clean: a refused, reset or closed REST connection (curl's -7, -56, -52: the server can close a
    # connection it accepted but had not started on when it stops), and gRPC's UNAVAILABLE or
    # CANCELLED (what gRPC core answers for calls not yet handed to a handler when Shutdown began,
    # grpc/grpc#41785). Bad: wrong data, another status or code, an exception in the client.
    clean = {"right", 503, grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.CANCELLED}
    bad = [o for o in outcomes if o[1] not in clean and not (isinstance(o[1], int) and o[1] < 0)]
    expect(not bad, f"{len(bad)} of {len(outcomes)} requests ended badly, e.g. {bad[:3]}")


def bench_json(*args):
    run = subprocess.run([ZENITH, "bench", *args, "--json"], capture_output=True, text=True, timeout=120)
    expect(run.returncode == 0, f"zenith bench {' '.join(args)} exited {run.returncode}:\n{run.stderr}")
    return json.loads(run.stdout)


def bench():
    # The same LoadGen over the network: Fashion-MNIST's accuracy through either protocol is the
    # in-process run's exactly (the served model batches requests, so rows are regrouped on the
    # way), and a Server-scenario run completes without errors.
    accuracy = ("--mode", "accuracy", "-s", "Offline", "--dataset", "fashion-mnist", "--dataset-limit", "300")
    local = bench_json(str(MODEL), *accuracy)["accuracy"]
    for protocol, port in (("rest", HTTP), ("grpc", GRPC)):
        # 64 clients connecting at once: past a listen backlog of 5, REST connections were lost.
        remote = bench_json("--server", f"127.0.0.1:{port}", "--protocol", protocol, "fashion", *accuracy,
                            "--client-threads", "64")
        expect(remote["accuracy"]["samples"] == 300 and remote["accuracy"]["value"] == local["value"],
               f"{protocol}: accuracy {remote['accuracy']} against in-process {local}")
        server_run = bench_json("--server", f"127.0.0.1:{port}", "--protocol", protocol, "fashion", "-s", "Server",
                                "--target-qps", "200", "--min-duration-s", "1", "--min-query-count", "100")
        expect(server_run["samples"] >= 100, f"{protocol}: Server scenario {server_run}")
        print(f"{protocol}: accuracy {remote['accuracy']['value']:.4f} as in process; Server at 200 QPS: "
              f"{server_run['samples']} samples, mean latency {server_run['mean_latency_ms']:.2f} ms")


def multi():
    # A model of two INT64 inputs with a symbolic sequence length, as users' text models have: over REST
    # JSON and gRPC raw contents, at sequence lengths 5 and 9, each right against numpy.
    stub, rng = grpc_stub(), np.random.default_rng(1)
    for length in (5, 9):
        ids = rng.integers(0, 50, (2, length)).astype(np.int64)
        mask = (rng.random((2, length)) < 0.7).astype(np.int64)
        expected = (EMBEDDING[ids] * mask[..., None]).sum(axis=1)
        body = {"inputs": [{"name": n, "shape": list(a.shape), "datatype": "INT64", "data": a.ravel().tolist()}
                           for n, a in (("input_ids", ids), ("attention_mask", mask))]}
        got = rest_json("/v2/models/tokens/infer", body)["outputs"][0]
        expect(got["shape"] == [2, 4] and close(got["data"], expected), f"REST, length {length}: {got}")
        tensors = [pb.ModelInferRequest.InferInputTensor(name=n, datatype="INT64", shape=a.shape)
                   for n, a in (("input_ids", ids), ("attention_mask", mask))]
        response = stub.ModelInfer(pb.ModelInferRequest(model_name="tokens", inputs=tensors, raw_input_contents=[
            ids.astype("<i8").tobytes(), mask.astype("<i8").tobytes()]))
        expect(close(grpc_logits(response), expected), f"gRPC, length {length}: {grpc_logits(response)}")


try:
    start_server()
    {"rest": rest, "grpc": grpc_check, "errors": errors, "shutdown": shutdown, "bench": bench, "multi": multi}[CHECK]()
finally:
    stop_server()
print(f"{CHECK}: passed")
