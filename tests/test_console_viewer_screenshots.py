"""tools/screenshots.py renders its PNGs at 96 and 192 dpi (without an interpreter, to stay fast):
the same layout at twice the size."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from PIL import Image

TOOL = Path(__file__).resolve().parents[1] / "tools" / "screenshots.py"
SHOTS = ("startup", "running", "error", "recipe", "viewer")


def test_screenshot_script_writes_the_pngs(xdisplay, tmp_path):
    spec = importlib.util.spec_from_file_location("dgenerate_screenshots", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    home = os.environ.get("HOME")
    assert module.main(["--out", str(tmp_path), "--no-interpreter"]) == 0
    assert os.environ.get("HOME") == home
    sizes = {}
    for shot in SHOTS:
        for dpi in (96, 192):
            name = f"console-{shot}-{dpi}dpi.png"
            with Image.open(tmp_path / name) as picture:
                sizes[name] = picture.size
                colours = picture.convert("RGB").getcolors(maxcolors=1_000_000)
                assert colours is not None and len(colours) > 20, name    # not a blank capture
    width, height = sizes["console-startup-96dpi.png"]
    assert width == 1100 and height > 720   # + menubar
    assert sizes["console-startup-192dpi.png"][0] == 2 * width
    assert abs(sizes["console-startup-192dpi.png"][1] - 2 * height) <= 24  # menubar borders
    assert sizes["console-viewer-96dpi.png"] == (720, 720)
    assert sizes["console-viewer-192dpi.png"] == (1440, 1440)
