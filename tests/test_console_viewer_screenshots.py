"""tools/screenshots.py renders its three PNGs (without an interpreter, to stay fast)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from PIL import Image

TOOL = Path(__file__).resolve().parents[1] / "tools" / "screenshots.py"


def test_screenshot_script_writes_the_pngs(xdisplay, tmp_path):
    spec = importlib.util.spec_from_file_location("dgenerate_screenshots", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    home = os.environ.get("HOME")
    assert module.main(["--out", str(tmp_path), "--no-interpreter"]) == 0
    assert os.environ.get("HOME") == home
    sizes = {}
    for name in ("console-main.png", "console-recipe.png", "console-image-viewer.png"):
        with Image.open(tmp_path / name) as shot:
            sizes[name] = shot.size
            colours = shot.convert("RGB").getcolors(maxcolors=1_000_000)
            assert colours is not None and len(colours) > 20, name    # not a blank capture
    assert sizes["console-main.png"][0] == 1280 and sizes["console-main.png"][1] > 800   # + menubar
    assert sizes["console-image-viewer.png"] == (720, 720)
