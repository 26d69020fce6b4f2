"""What the drivers in bench/peers share: the pinned ONNX Runtime, the seeded inputs, the threads'
environment, the timer processes and their interleaved rounds, the background load, and the
machine line printed above every table."""

import contextlib
import ctypes
import json
import os
import random
import signal
import subprocess
import sys
import time

import numpy as np

ORT_VERSION = "1.30.0"
IMAGE_SHAPE = (3, 224, 224)
SEED = 0


def build_tools(build, tools):
    """Brings `tools` up to date with the sources (a no-op when they are): a timer left from an
    earlier build once put a session's figures on code it had since changed."""
    result = subprocess.run(["cmake", "--build", str(build), "--target", *tools],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if result.returncode != 0:
        sys.exit(f"building {', '.join(tools)} in {build} failed:\n{result.stderr[-2000:]}")


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
    """One seeded image batch per batch size, as .npy, which every engine's timer reads."""
    folder.mkdir(parents=True, exist_ok=True)
    x = np.random.default_rng(SEED).standard_normal((batch, *IMAGE_SHAPE), dtype=np.float32)
    npy = folder / f"input_b{batch}.npy"
    np.save(npy, x)
    return npy


def seeded_inputs(specs, batch, seed):
    """A model's inputs at `batch` from export_broad.py's specs: normal floats, or integer ids
    uniform in [0, high) where `high` broadcasts over one sample's shape."""
    rng = np.random.default_rng(seed)
    arrays = []
    for spec in specs:
        shape = (batch, *spec["shape"])
        if spec["dtype"] == "float32":
            arrays.append(rng.standard_normal(shape, dtype=np.float32))
        else:
            arrays.append(rng.integers(0, np.asarray(spec["high"]), size=shape, dtype=spec["dtype"]))
    return arrays


def engine_env(threads, spin):
    # Unless `spin`, idle OpenMP threads (Zenith's, PyTorch's) spin briefly, then sleep: the
    # policy the zenith command sets for itself (src/tools/thread_wait.h). Long spins cost every
    # engine on a busy machine (see compare's --spin); sleeping at once made Zenith's small
    # models 4-6x slower. ONNX Runtime's own thread pool ignores these variables.
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    if not spin:
        env.pop("OMP_WAIT_POLICY", None)
        env["GOMP_SPINCOUNT"] = "1000"
    return env


def cpu_name():
    return next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))


def isa_names():
    """The matrix-relevant instruction sets the CPU reports: AVX-512, VNNI (INT8), BF16, AMX."""
    flags = set(next(line.split(":", 1)[1].split() for line in open("/proc/cpuinfo") if line.startswith("flags")))
    names = {"avx512f": "AVX-512", "avx512_vnni": "VNNI", "avx512_bf16": "AVX512-BF16", "amx_tile": "AMX"}
    return "+".join(name for flag, name in names.items() if flag in flags) or "no AVX-512"


def machine_line(spin, load):
    """The line above every table: when, where, how loaded, and the settings that change timings."""
    return (f"{time.strftime('%Y-%m-%d %H:%M')}  {cpu_name()} ({isa_names()}), {os.cpu_count()} cores  load average "
            f"{os.getloadavg()[0]:.2f}  background load {load} busy process{'' if load == 1 else 'es'}  "
            f"onnxruntime-node {ORT_VERSION}  spin-waiting {'long' if spin else 'short (GOMP_SPINCOUNT=1000)'}")


class TimerDied(RuntimeError):
    pass


class Timer:
    """One engine's timer process, speaking the protocol of bench/peers/zenith_timer.cpp."""

    def __init__(self, engine, command, env):
        self.engine = engine
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.warmup_ms = self._reply("warmup_ms")
        self.ms = []

    def _reply(self, key):
        line = self.proc.stdout.readline()
        return json.loads(line)[key] if line else None

    def time(self, runs):
        self.proc.stdin.write(f"{runs}\n")
        self.proc.stdin.flush()
        ms = self._reply("ms")
        if ms is None:
            raise TimerDied(f"{self.engine}: the timer exited with {self.proc.wait()} in the middle of the run")
        self.ms += ms

    def close(self):
        # A timer that died mid-run has no stdin left to close cleanly.
        with contextlib.suppress(BrokenPipeError):
            self.proc.stdin.close()
        self.proc.wait()


def measure(commands, env, rounds, iterations, block_seconds, min_block_seconds):
    """Per engine, every timed run's milliseconds, measured in interleaved rounds. A timer that
    exits before its warmup is reported and left out; one that dies later raises TimerDied."""
    timers = []
    try:
        # Started one at a time so that no engine warms up while another one loads.
        for engine, command in commands.items():
            timer = Timer(engine, command, env)
            timers.append(timer)
            if timer.warmup_ms is None:
                print(f"note: {engine} skipped: its timer exited with {timer.proc.wait()}", flush=True)
        running = [t for t in timers if t.warmup_ms is not None]
        # A block lasts about block_seconds, so a slow engine runs fewer iterations (at least one);
        # and at least min_block_seconds, so a fast one runs more: the first runs after another
        # engine's block share the cores with its threads' last spins, and a Zenith plan's thread
        # governor settles in its first runs (a 0.1 ms model measured 0.5x ONNX Runtime's speed
        # in blocks of 10 runs and 1.2x in blocks of 2,000).
        def runs(t):
            ms = max(t.warmup_ms[-1], 1e-3)
            return max(1, min(iterations, int(block_seconds * 1e3 / ms)), int(min_block_seconds * 1e3 / ms))
        blocks = {t: runs(t) for t in running}
        rng = random.Random(SEED)
        for _ in range(rounds):
            rng.shuffle(running)
            for timer in running:
                timer.time(blocks[timer])
        return {timer.engine: timer.ms for timer in running}
    finally:
        for timer in timers:
            timer.close()


def stats_row(ms, batch):
    median = float(np.median(ms))
    return {"median_ms": median, "p90_ms": float(np.percentile(ms, 90)), "images_per_s": batch * 1e3 / median}


def print_table(table):
    widths = [max(len(str(line[i])) for line in table) for i in range(len(table[0]))]
    for line in table:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(line, widths)).rstrip())


def _die_with_parent():
    # PR_SET_PDEATHSIG: even if the driver is killed outright (SIGKILL), the kernel ends the loops.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


@contextlib.contextmanager
def background_load(processes):
    """Keeps `processes` cores busy with busy-looping processes while the block runs, so that a
    loaded machine's ratios can be recorded next to a quiet one's. They stop when the block exits,
    however it exits: normally, on an exception, Ctrl-C or SIGTERM (turned into SystemExit here)."""
    if processes == 0:
        yield
        return
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    loops = []
    try:
        for _ in range(processes):
            loops.append(subprocess.Popen([sys.executable, "-c", "while True: pass"],
                                          preexec_fn=_die_with_parent))
        yield
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()
        signal.signal(signal.SIGTERM, previous)
