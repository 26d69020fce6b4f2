"""`zenith bench --plot FILE.svg`: the picture is well-formed SVG whose numbers are the run's: the sample
count and the target percentile's latency as the JSON result gives them, the bound, 60 histogram bins holding
every sample, a percentile curve, and for Server a point per sample (up to 5,000) over the run, those past
the bound in red. A non-.svg name and --mode accuracy are refused. `zenith report` on the runs' --log-dir
folders: their summaries side by side, and with --plot-dir the same pictures byte for byte; a folder that is
not an MLPerf log and a damaged zenith_latencies.csv are errors naming the file.

Usage: plot_test.py ZENITH WORK_DIR (ctest: cli.bench_plot)."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ZENITH, WORK = sys.argv[1], sys.argv[2]
os.makedirs(WORK, exist_ok=True)
SVG = "{http://www.w3.org/2000/svg}"


def expect(condition, what):
    if not condition:
        sys.exit(f"FAIL: {what}")


def bench(scenario, *extra):
    path = os.path.join(WORK, f"{scenario}.svg")
    done = subprocess.run([ZENITH, "bench", "--synthetic-ms", "2", "--synthetic-workers", "2", "-s", scenario,
                           "--min-duration-s", "1", "--min-query-count", "100", "--json", "--plot", path,
                           "--log-dir", os.path.join(WORK, scenario), *extra],
                          capture_output=True, text=True, timeout=120)
    expect(done.returncode == 0, f"{scenario}: exit code {done.returncode}: {done.stderr}")
    return json.loads(done.stdout), ET.parse(path).getroot()


for scenario, extra in (("SingleStream", ()), ("Server", ("--target-qps", "300", "--target-latency-ms", "3"))):
    result, svg = bench(scenario, *extra)
    texts = [t.text or "" for t in svg.iter(f"{SVG}text")]
    header = texts[1]
    latency = float(f"{result['target_latency_ms']:.4g}")
    target = f"p{result['target_percentile'] * 100:g} {latency:g} ms"
    expect(header.startswith(f"{result['samples']} samples; {target}"), f"{scenario}: header {header!r}, expected "
           f"{result['samples']} samples and {target}")
    titles = [t for t in texts if t.startswith(("Latency distribution", "Latency by percentile", "Latency over"))]
    expect(len(titles) == (3 if scenario == "Server" else 2), f"{scenario}: panels {titles}")
    bins = [r for r in svg.iter(f"{SVG}rect") if r.get("fill") == "#9ecae1"]
    expect(len(bins) == 60, f"{scenario}: {len(bins)} histogram bins")
    counted = sum(int(r.get("data-samples")) for r in bins)
    expect(counted == result["samples"], f"{scenario}: the bins hold {counted} samples of {result['samples']}")
    tallest = max(bins, key=lambda r: int(r.get("data-samples")))
    expect(abs(float(tallest.get("height")) - 300 / 1.1) < 0.5, f"{scenario}: the tallest bin is "
           f"{tallest.get('height')} px, not 1/1.1 of the panel's 300")
    expect(len(list(svg.iter(f"{SVG}polyline"))) == 1, f"{scenario}: no percentile curve")
    points = list(svg.iter(f"{SVG}circle"))
    if scenario == "Server":
        expect(len(points) == result["samples"], f"Server: {len(points)} points for {result['samples']} samples")
        red = [p for p in points if p.get("fill") == "#d62728"]
        expect(any("bound 3 ms" in t for t in texts), "Server: the bound is not marked")
        print(f"Server: {len(points)} points, {len(red)} past the bound")
    else:
        expect(not points, "SingleStream: points over time drawn")

for args, message in ((["--plot", os.path.join(WORK, "x.png")], "the picture is SVG; name the file .svg"),
                      (["--plot", os.path.join(WORK, "x.svg"), "--mode", "accuracy"], "--mode accuracy")):
    done = subprocess.run([ZENITH, "bench", "--synthetic-ms", "1", "-s", "SingleStream", *args], capture_output=True,
                          text=True)
    expect(done.returncode == 1 and message in done.stderr, f"{args}: {done.returncode} {done.stderr!r}")
logs = [os.path.join(WORK, scenario) for scenario in ("SingleStream", "Server")]
plots = os.path.join(WORK, "report")
done = subprocess.run([ZENITH, "report", *logs, "--plot-dir", plots], capture_output=True, text=True, timeout=60)
expect(done.returncode == 0, f"report: exit code {done.returncode}: {done.stderr}")
rows = {line.split("  ")[0]: line.split() for line in done.stdout.splitlines()}
expect(rows.get("Scenario", [])[1:] == ["SingleStream", "Server"], f"report: {done.stdout}")
expect("SyntheticSUT(2 ms x 2 workers)" in done.stdout, f"report: {done.stdout}")
for scenario in ("SingleStream", "Server"):
    drawn = [open(os.path.join(d, f"{scenario}.svg"), "rb").read() for d in (WORK, plots)]
    expect(drawn[0] == drawn[1], f"report: {scenario}'s picture differs from bench --plot's")

with open(os.path.join(logs[0], "zenith_latencies.csv"), "a") as f:
    f.write("1.5;oops\n")
for args, message in (([WORK], "mlperf_log_summary.txt: cannot read it"),
                      ([logs[0], "--plot-dir", plots], "zenith_latencies.csv:")):
    done = subprocess.run([ZENITH, "report", *args], capture_output=True, text=True, timeout=60)
    expect(done.returncode == 1 and message in done.stderr, f"report {args}: {done.returncode} {done.stderr!r}")
print("plot: passed")
