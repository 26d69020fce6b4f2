"""Data-parallel training (`zenith train --np N`) against one process, on a fresh machine.

Usage: data_parallel_test.py ZENITH WORKDIR CHECK, CHECK one of:
  equivalence  N ranks at per-rank batch B/N end with the weights of 1 rank at batch B (no
               shuffling), within 1e-5 relative, after 20 steps: an MLP (no batch norm) for
               N = 1 (under mpirun), 2 and 4, and small-cnn (batch norm) with --sync-bn for N = 2 and 4.
  resume       a run cut after 10 of 20 steps on 2 ranks and resumed on 1 (the same global batch)
               ends as the uncut 1-rank run.
  fault        rank 1 killed mid-run: the launcher exits within 60 s, not 0, naming rank 1, and the
               last checkpoint written before the kill resumes.
  stall        rank 1 stopped (SIGSTOP) mid-run, --collective-timeout 5: the launcher exits within
               60 s, not 0, rank 0 saying which collective it waited 5 s for.
  timeline     the --timeline file is Chrome trace JSON with each rank's forward, backward,
               allreduce and optimizer events, nesting or following one another on each lane.
Exits non-zero with a message on failure; never skips.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import onnx
from onnx import numpy_helper

ZENITH, WORK, CHECK = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
WORK.mkdir(parents=True, exist_ok=True)
COMMON = ["--dataset", "fashion-mnist-train", "--val-dataset", "none", "--no-shuffle", "--optimizer", "sgd",
          "--lr", "0.05", "--momentum", "0.9", "--threads", "1"]


def fail(message):
    sys.exit(f"FAIL ({CHECK}): {message}")


def mlp():
    """A 784-64-10 MLP without batch norm, exported in training form with a symbolic batch."""
    path = WORK / "mlp.onnx"
    if path.exists():
        return path
    import torch
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784, 64), torch.nn.ReLU(),
                                torch.nn.Linear(64, 10))
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), str(path), input_names=["x"], output_names=["logits"],
                      dynamic_axes={"x": {0: "N"}, "logits": {0: "N"}}, training=torch.onnx.TrainingMode.TRAINING,
                      do_constant_folding=False, opset_version=13)
    return path


def train(model, ranks, batch, steps, output, extra=(), check=True):
    command = [ZENITH, "train", "--model", str(model), "--batch", str(batch), "--limit", str(steps * batch * ranks),
               "--epochs", "1", "-o", str(output)] + COMMON + list(extra)
    if ranks > 1:
        command += ["--np", str(ranks)]
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    if check and run.returncode != 0:
        fail(f"{' '.join(command)} exited {run.returncode}:\n{run.stdout}\n{run.stderr}")
    return run


def weights(path):
    return {t.name: numpy_helper.to_array(t) for t in onnx.load(str(path)).graph.initializer}


def expect_same_weights(expected, actual, what):
    a, b = weights(expected), weights(actual)
    if a.keys() != b.keys():
        fail(f"{what}: initializer names differ")
    for name in a:
        if a[name].dtype.kind != "f":
            continue
        scale = max(np.abs(a[name]).max(), 1e-12)
        error = np.abs(a[name] - b[name]).max() / scale
        if not error <= 1e-5:
            fail(f"{what}: '{name}' differs by {error:.3g} of its largest magnitude (limit 1e-5)")
    print(f"{what}: every weight within 1e-5 relative")


def equivalence():
    model = mlp()
    train(model, 1, 32, 20, WORK / "mlp_1.onnx")
    # (--np 1: a world of one rank under mpirun, whose gradients are their own mean)
    train(model, 1, 32, 20, WORK / "mlp_np1.onnx", ["--np", "1"])
    expect_same_weights(WORK / "mlp_1.onnx", WORK / "mlp_np1.onnx", "MLP, --np 1")
    for ranks in (2, 4):
        train(model, ranks, 32 // ranks, 20, WORK / f"mlp_{ranks}.onnx")
        expect_same_weights(WORK / "mlp_1.onnx", WORK / f"mlp_{ranks}.onnx", f"MLP, {ranks} ranks x {32 // ranks}")
    # Batch norm: statistics over every rank's batch with --sync-bn (each rank's own without).
    train("small-cnn", 1, 16, 20, WORK / "cnn_1.onnx")
    for ranks in (2, 4):
        train("small-cnn", ranks, 16 // ranks, 20, WORK / f"cnn_{ranks}.onnx", ["--sync-bn"])
        expect_same_weights(WORK / "cnn_1.onnx", WORK / f"cnn_{ranks}.onnx",
                            f"small-cnn with --sync-bn, {ranks} ranks x {16 // ranks}")


def resume():
    model = mlp()
    train(model, 1, 16, 20, WORK / "uncut.onnx")
    checkpoints = WORK / "checkpoints"
    train(model, 2, 8, 20, WORK / "cut.onnx", ["--checkpoint-dir", str(checkpoints), "--stop-after-steps", "10"])
    run = train(model, 1, 16, 20, WORK / "resumed.onnx", ["--checkpoint-dir", str(checkpoints), "--resume"])
    if "resumed from" not in run.stdout:
        fail(f"the second run did not resume:\n{run.stdout}")
    expect_same_weights(WORK / "uncut.onnx", WORK / "resumed.onnx", "cut on 2 ranks, resumed on 1")


def start_two_ranks(command, checkpoints=None):
    """Starts `command` and reads its output until rank 1's first steps are done (and, with
    `checkpoints`, a checkpoint written): the launcher, the lines so far, rank 1's pid."""
    launcher = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output, pid = [], None
    for line in launcher.stdout:
        output.append(line)
        match = re.search(r"rank 1 of 2 \(pid (\d+)", line)
        if match:
            pid = int(match.group(1))
        if pid and line.startswith("epoch 1/50 step") and (not checkpoints or (checkpoints / "checkpoint.zck").exists()):
            break
    if not pid:
        launcher.kill()
        fail("no rank 1 pid in the output:\n" + "".join(output))
    return launcher, output, pid


def ended_within_60_s(launcher, output, what):
    """The launcher's whole output, once it has exited, not 0, within 60 s of `what`."""
    since = time.monotonic()
    try:
        rest, _ = launcher.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        launcher.kill()
        fail(f"the run was still going 60 s after {what}")
    text = "".join(output) + rest
    if launcher.returncode == 0:
        fail(f"the run exited 0 after {what}:\n" + text[-2000:])
    print(f"{what}: the run ended {time.monotonic() - since:.1f} s later, exit {launcher.returncode}")
    return text


def fault():
    checkpoints = WORK / "fault_checkpoints"
    command = [ZENITH, "train", "--model", "small-cnn", "--batch", "8", "--epochs", "50", "--np", "2", "-o",
               str(WORK / "never.onnx"), "--checkpoint-dir", str(checkpoints), "--checkpoint-steps", "5"] + COMMON
    launcher, output, pid = start_two_ranks(command, checkpoints)
    os.kill(pid, signal.SIGKILL)
    text = ended_within_60_s(launcher, output, "rank 1 was killed")
    if not re.search(r"rank 1\b", text[text.find("epoch 1/50"):]):
        fail("no message names rank 1:\n" + text[-2000:])
    # The last checkpoint written before the kill is whole: a run resumes from it.
    resumed = subprocess.run(command + ["--resume", "--stop-after-steps", "3"], capture_output=True, text=True,
                             timeout=300)
    if resumed.returncode != 0 or "resumed from" not in resumed.stdout:
        fail(f"no resume from the last checkpoint after the kill:\n{resumed.stdout}\n{resumed.stderr}")
    print("the checkpoint left behind resumes: " + next(l for l in resumed.stdout.splitlines() if "resumed" in l))


def stall():
    # A rank that stops without dying (SIGSTOP) is invisible to MPI: the others' collective timeout
    # ends the run, whichever thread is in the collective.
    command = [ZENITH, "train", "--model", "small-cnn", "--batch", "8", "--epochs", "50", "--np", "2", "-o",
               str(WORK / "never.onnx"), "--collective-timeout", "5"] + COMMON
    launcher, output, pid = start_two_ranks(command)
    os.kill(pid, signal.SIGSTOP)
    try:
        text = ended_within_60_s(launcher, output, "rank 1 was stopped")
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    if not re.search(r"rank 0 of 2: .* has not finished in 5 s", text):
        fail("no message from rank 0 about the collective it waited 5 s for:\n" + text[-2000:])


def timeline():
    path = WORK / "timeline.json"
    train("small-cnn", 2, 8, 6, WORK / "timeline.onnx", ["--timeline", str(path), "--bucket-mb", "0.01"])
    trace = json.loads(path.read_text())
    events = [e for e in trace["traceEvents"] if e.get("ph") == "X"]
    # Every bucket's allreduce on the communication lane (tid 1) but the last one's, which has
    # nothing left to overlap and runs on the compute lane (tid 0).
    lanes = {tid: {int(e["name"].split()[-1]) for e in events if e["tid"] == tid and e["name"].startswith("allreduce ")}
             for tid in (0, 1)}
    last = max(lanes[0] | lanes[1], default=-1)
    if last < 1 or lanes[0] != {last} or lanes[1] != set(range(last)):
        fail(f"allreduce buckets by lane: compute {sorted(lanes[0])}, communication {sorted(lanes[1])}")
    for rank in (0, 1):
        names = {re.sub(r" bucket \d+", "", e["name"]) for e in events if e["pid"] == rank}
        missing = {"forward", "backward", "allreduce", "optimizer"} - names
        if missing:
            fail(f"rank {rank} has no {sorted(missing)} events (has {sorted(names)})")
        if any(e["dur"] < 0 for e in events):
            fail("an event of negative duration")
    # Each lane's events nest or follow one another, as a viewer stacks them (speedscope nested
    # every later event in a forward pass that ended 0.1 us after the backward pass began).
    for lane in {(e["pid"], e["tid"]) for e in events}:
        open_ends = []
        for e in sorted((e for e in events if (e["pid"], e["tid"]) == lane), key=lambda e: (e["ts"], -e["dur"])):
            while open_ends and open_ends[-1][0] <= e["ts"]:
                open_ends.pop()
            if open_ends and e["ts"] + e["dur"] > open_ends[-1][0]:
                fail(f"on lane {lane}, {e} overlaps {open_ends[-1][1]} without nesting in it")
            open_ends.append((e["ts"] + e["dur"], e))
    print(f"timeline: {len(events)} events over 2 ranks")


{"equivalence": equivalence, "resume": resume, "fault": fault, "stall": stall, "timeline": timeline}[CHECK]()
