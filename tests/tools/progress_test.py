"""Progress lines: `zenith bench` on a terminal (a pseudo-terminal here) rewrites one stderr line with the
queries issued and the time left once the run has taken 2 s, and erases it before the results; with
--quiet, or with stderr not a terminal, no progress line at all. `zenith convert`'s INT8 calibration and
fp16 choice the same (with ZENITH_PROGRESS_AFTER_S=0: on the test's small model they take milliseconds).

Usage: progress_test.py ZENITH DATA_DIR WORK_DIR (ctest: cli.progress)."""

import os
import pty
import subprocess
import sys

ZENITH, DATA, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(WORK, exist_ok=True)
BENCH = [ZENITH, "bench", "--synthetic-ms", "5", "-s", "SingleStream", "--min-duration-s", "3",
         "--min-query-count", "10"]


def on_terminal(args, env=None):
    """(exit code, what the command wrote to its terminal) with stdout and stderr on a pseudo-terminal."""
    main, terminal = pty.openpty()
    proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal,
                            env={**os.environ, **(env or {})})
    os.close(terminal)
    out = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the command closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    return proc.wait(timeout=120), out.decode(errors="replace")


def expect(condition, what, output):
    if not condition:
        sys.exit(f"FAIL: {what}\n--- output ---\n{output[-3000:]!r}")


code, out = on_terminal(BENCH)
expect(code == 0, f"exit code {code} on a terminal", out)
expect("\r\x1b[2Kbench SingleStream PerformanceOnly: " in out, "no progress line on a terminal", out)
expect("; at least " in out, "the progress line gives no time left", out)
lines = out.split("\r\x1b[2K")
expect("Result is : VALID" in lines[-1] and "queries" not in lines[-1].split("\n")[0],
       "the results do not start on a line of their own after the progress line", out)

code, out = on_terminal(BENCH + ["--quiet"])
expect(code == 0 and "Result is : VALID" in out, f"--quiet: exit code {code}", out)
expect("\x1b[2K" not in out, "--quiet still drew a progress line", out)

done = subprocess.run(BENCH, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
expect(done.returncode == 0 and "\r" not in done.stderr + done.stdout,
       "a progress line went to a pipe", done.stderr + done.stdout)
CONVERT = [ZENITH, "convert", f"{DATA}/conv_small.onnx", "--input-shape", "2,3,16,16"]
AT_ONCE = {"ZENITH_PROGRESS_AFTER_S": "0"}
for what, args, first_result in (
        ("int8", ["-o", f"{WORK}/int8.zir", "--precision", "int8"], "int8: calibrated"),
        ("fp16", ["-o", f"{WORK}/fp16.zir", "--compress", "fp16"], "fp16: all ")):
    code, out = on_terminal(CONVERT + args, AT_ONCE)
    expect(code == 0, f"convert {what}: exit code {code}", out)
    expect("\r\x1b[2Kconvert: " in out, f"convert {what}: no progress line on a terminal", out)
    after = out.rsplit("\r\x1b[2K", 1)[1]
    expect(first_result in after and not after.startswith("convert: "),
           f"convert {what}: the results do not follow an erased progress line", out)
    code, out = on_terminal(CONVERT + args + ["--quiet"], AT_ONCE)
    expect(code == 0 and "\x1b[2K" not in out, f"convert {what} --quiet: a progress line", out)
print("progress: passed")
