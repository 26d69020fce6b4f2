"""Opens the plot CurvePlot.PlotForOtherReaders writes with PIL, a PNG reader that is not ours.

Usage: check_plot_with_pil.py ZENITH_TESTS PNG
"""
import subprocess
import sys

from PIL import Image

PANEL_HEIGHT = 220  # kPanelHeight in src/train/curve_plot.h
LOSS_COLOUR = (31, 119, 180)  # curve_colour(0)
METRIC_COLOUR = (214, 39, 40)  # curve_colour(1)


def main():
    zenith_tests, png = sys.argv[1], sys.argv[2]
    subprocess.run([zenith_tests, "--gtest_filter=CurvePlot.PlotForOtherReaders"], check=True)
    with Image.open(png) as image:
        image.verify()  # chunk structure and CRCs
    with Image.open(png) as image:
        assert image.format == "PNG", image.format
        assert image.mode == "RGB", image.mode
        assert image.size == (640, 2 * PANEL_HEIGHT), image.size
        pixels = image.load()
        top = [pixels[x, y] for x in range(640) for y in range(PANEL_HEIGHT)]
        bottom = [pixels[x, y] for x in range(640) for y in range(PANEL_HEIGHT, 2 * PANEL_HEIGHT)]
    assert top.count(LOSS_COLOUR) > 300, top.count(LOSS_COLOUR)
    assert bottom.count(METRIC_COLOUR) > 300, bottom.count(METRIC_COLOUR)
    assert top.count(METRIC_COLOUR) == 0 and bottom.count(LOSS_COLOUR) == 0
    white = top.count((255, 255, 255)) + bottom.count((255, 255, 255))
    assert white > 0.8 * 640 * 2 * PANEL_HEIGHT, white
    print(f"{png}: PIL reads a {image.size[0]}x{image.size[1]} RGB PNG with both curves")


if __name__ == "__main__":
    main()
