"""`zenith bench --plot FILE.svg`: the picture is well-formed SVG whose numbers are the run's: the sample
count and the target percentile's latency as the JSON result gives them, the bound, 60 histogram bins holding
every sample, a percentile curve, and for Server a point per sample (up to 5,000) over the run, those past
the bound in red. A name not .svg or .png and --mode accuracy are refused (PNG: plot_png_test.py). `zenith report` on the runs' --log-dir
folders: their summaries side by side, and with --plot-dir the same pictures byte for byte; a folder that is
not an MLPerf log and a damaged zenith_latencies.csv are errors naming the file.

With `png` (ctest: cli.bench_plot_png), `--plot FILE.png` and `zenith report --plot-format png` instead:
the PNG is the SVG drawing rasterized: a valid PNG (Pillow reads it) of the SVG's width and height, whose
pixels carry the drawing's colours where the SVG puts them (the histogram's bars, the percentile curve) on
white; a PNG that cannot be written is an error naming it. Not in the sanitized builds: librsvg's caches
(fontconfig, glib) are never freed, and LeakSanitizer would report them.

Usage: plot_test.py ZENITH WORK_DIR [png] (ctest: cli.bench_plot, cli.bench_plot_png)."""

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

ZENITH, WORK = sys.argv[1], sys.argv[2]
PNG_ONLY = sys.argv[3:] == ["png"]
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


def check_png():
    from PIL import Image  # only here: the SVG checks need nothing outside the standard library

    def zenith(*args):
        done = subprocess.run([ZENITH, *args], capture_output=True, text=True, timeout=120)
        expect(done.returncode == 0, f"{args}: exit code {done.returncode}: {done.stderr}")

    logs = os.path.join(WORK, "SingleStream")
    png = os.path.join(WORK, "SingleStream.png")
    zenith("bench", "--synthetic-ms", "2", "-s", "SingleStream", "--min-duration-s", "1", "--min-query-count", "100",
           "--quiet", "--plot", png, "--log-dir", logs)
    for fmt in ("svg", "png"):
        zenith("report", logs, "--plot-dir", os.path.join(WORK, "report"), "--plot-format", fmt)
    svg = ET.parse(os.path.join(WORK, "report", "SingleStream.svg")).getroot()
    size = (int(svg.get("width")), int(svg.get("height")))

    for path in (png, os.path.join(WORK, "report", "SingleStream.png")):
        with open(path, "rb") as f:
            expect(f.read(8) == b"\x89PNG\r\n\x1a\n", f"{path}: not a PNG")
        image = Image.open(path).convert("RGB")
        expect(image.size == size, f"{path}: {image.size} pixels, the drawing is {size}")
        pixels = image.load()
        expect(pixels[2, 2] == (255, 255, 255), f"{path}: the background is {pixels[2, 2]}, not white")
        # A bar's middle pixel has the bars' fill (#9ecae1), give or take antialiasing, unless a marker
        # line crosses it there.
        bars = [r for r in svg.iter(f"{SVG}rect") if r.get("fill") == "#9ecae1" and float(r.get("height")) >= 4]
        expect(bars, "no histogram bar tall enough to sample")
        wrong = []
        for bar in bars:
            x = int(float(bar.get("x")) + float(bar.get("width")) / 2)
            y = int(float(bar.get("y")) + float(bar.get("height")) / 2)
            if not all(abs(a - b) <= 24 for a, b in zip(pixels[x, y], (0x9e, 0xca, 0xe1))):
                wrong.append(((x, y), pixels[x, y]))
        expect(len(wrong) <= 2, f"{path}: bar pixels not the bars' #9ecae1: {wrong}")
        colours = image.getcolors(maxcolors=1 << 20)
        curve = sum(n for n, c in colours if all(abs(a - b) <= 24 for a, b in zip(c, (0x31, 0x82, 0xbd))))
        expect(curve > 200, f"{path}: {curve} pixels of the curve's #3182bd")
        print(f"{path}: {size[0]}x{size[1]}, {len(bars)} bars checked, {curve} curve pixels")

    done = subprocess.run([ZENITH, "bench", "--synthetic-ms", "1", "-s", "SingleStream", "--min-query-count", "10",
                           "--min-duration-s", "0.5", "--plot", os.path.join(WORK, "missing", "x.png")],
                          capture_output=True, text=True, timeout=60)
    expect(done.returncode == 1 and "missing/x.png: cannot write the file" in done.stderr,
           f"unwritable PNG: {done.returncode} {done.stderr!r}")
    print("plot png: passed")


if PNG_ONLY:
    check_png()
    sys.exit(0)

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

for args, message in ((["--plot", os.path.join(WORK, "x.jpg")], "name the file .svg or .png"),
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
