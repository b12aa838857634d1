"""Render screenshots of the dgenerate console into ``docs/images/``.

    python tools/screenshots.py [--out DIR] [--no-interpreter] [--theme NAME]

Shots: ``console-main.png`` (a script in the input, real interpreter output, an image in the pane),
``console-recipe.png`` (the Insert Recipe form) and ``console-image-viewer.png`` (the image window,
zoomed, with a bounding-box selection being dragged). Runs on ``$DISPLAY``, or on a private Xvfb when
``DISPLAY`` is unset (or with ``--xvfb``). Settings and history live in a throw-away HOME, so the user's
own console settings neither change the shots nor get changed by them.
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SCRIPT = """\
# a tiny .dgen script: variables, a template loop and a generation line
\\set prompt "a lighthouse on a cliff at sunset, oil painting"
\\setp seeds [1, 2, 3]

{% for seed in seeds %}
stabilityai/stable-diffusion-xl-base-1.0 --model-type sdxl
--dtype float16 --inference-steps 30 --guidance-scales 5
--prompts {{ quote(prompt) }} --seeds {{ seed }}
--output-size 1024x1024 --output-path "output/$USER"
{% endfor %}
"""
DEMO = """\
\\print Hello from the dgenerate console
\\echo {{ quote("a photo of a cat") }} --output-size 512x512
\\functions_help quote
\\print screenshot-demo-done"""
DEMO_DONE = "screenshot-demo-done"


def start_xvfb() -> tuple[subprocess.Popen, str]:
    """A private Xvfb server; returns it and its display name."""
    from dgenerate_console.xvfb import XvfbUnavailable, start_xvfb as start

    try:
        return start("1600x1200x24")
    except XvfbUnavailable as ex:
        raise SystemExit(f"DISPLAY is unset and {ex}") from None


def sample_image(path: Path, size: int = 512) -> Path:
    """Draw a small landscape (sky, sun, hills, sea) with Pillow, to stand in for a generated image."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (size, size))
    draw = ImageDraw.Draw(image)
    for y in range(size):
        t = y / size
        draw.line([(0, y), (size, y)], fill=(int(40 + 200 * t), int(30 + 90 * t), int(110 - 40 * t)))
    draw.ellipse((size * 0.55, size * 0.22, size * 0.8, size * 0.47), fill=(255, 196, 92))
    for layer, (color, height, phase) in enumerate((((86, 52, 96), 0.55, 0.3),
                                                    ((58, 36, 70), 0.63, 1.7),
                                                    ((34, 24, 46), 0.72, 2.9))):
        points = [(0, size)]
        for x in range(0, size + 8, 8):
            wave = math.sin(x / size * (3 + layer) * math.pi + phase)
            points.append((x, size * (height + 0.06 * wave)))
        points.append((size, size))
        draw.polygon(points, fill=color)
    draw.rectangle((0, size * 0.82, size, size), fill=(24, 60, 96))
    for i in range(14):
        y = size * (0.84 + i * 0.011)
        draw.line([(size * 0.6 - i * 6, y), (size * 0.75 + i * 6, y)], fill=(255, 196, 92), width=1)
    image.save(path)
    return path


def settle(root, seconds: float = 0.3) -> None:
    """Let Tk process events and draw for a moment."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        root.update()
        time.sleep(0.01)


def wait_for(root, condition: Callable[[], bool], timeout: float) -> bool:
    """Pump Tk events until ``condition()`` holds; False on timeout."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        root.update()
        if condition():
            return True
        time.sleep(0.02)
    return False


def grab(widget, display: str, out: Path, *, with_menubar: bool = False) -> Path:
    """Save the screen area of a toplevel (including a root's menubar when asked)."""
    from PIL import ImageGrab

    top = widget.winfo_toplevel()
    top.update_idletasks()
    x, y = top.winfo_rootx(), top.winfo_rooty()
    x1, y1 = x + top.winfo_width(), y + top.winfo_height()
    if with_menubar:
        y = max(0, y - _menubar_height(top))
    ImageGrab.grab(bbox=(x, y, x1, y1), xdisplay=display).save(out)
    print(f"Wrote {out}")
    return out


def _menubar_height(top) -> int:
    name = top.cget("menu")
    if not name:
        return 0
    menubar = top.nametowidget(name)
    return menubar.winfo_reqheight()


def shot_main(app, display: str, out_dir: Path, image: Path, run_demo: bool) -> Path:
    """The main window: the script in multiline input, interpreter output, an image in the pane."""
    root = app.root
    root.geometry("1280x800+0+0")
    app.set_image_mode("pane", save=False)
    app.editor.set_multiline(True)
    app.editor.set_text(SCRIPT.rstrip("\n"))
    if run_demo:
        text = app.output.text
        app.submit(DEMO)
        if not wait_for(root, lambda: DEMO_DONE in text.get("1.0", "end"), 120):
            print("WARNING: no interpreter output in time", file=sys.stderr)
    app.show_image(str(image))
    settle(root, 0.8)
    app.output.scroll_to_end()
    settle(root)
    return grab(root, display, out_dir / "console-main.png", with_menubar=True)


def shot_recipe(app, display: str, out_dir: Path) -> Path:
    """The Insert Recipe form for an SDXL recipe, a couple of fields filled."""
    from dgenerate_console.insert import open_recipe_dialog

    dialog = open_recipe_dialog(app.root, app.editor.insert_text, os.getcwd)
    dialog.geometry("+0+0")
    titles = dialog.recipe_titles()
    chosen = next((t for t in titles if "SDXL" in t or "Stable Diffusion XL" in t), titles[0])
    dialog.select_recipe(chosen)
    dialog.lift()
    settle(app.root, 0.6)
    try:
        return grab(dialog, display, out_dir / "console-recipe.png")
    finally:
        dialog.destroy()


def shot_viewer(app, display: str, out_dir: Path) -> Path:
    """The image window, zoomed in, with a bounding box being dragged."""
    app.set_image_mode("window", save=False)
    window = app.image_window
    window.geometry("720x720+0+0")
    window.lift()
    settle(app.root, 0.5)
    viewer = window.viewer
    viewer.zoom_to_fit()
    viewer.zoom_in()
    settle(app.root)
    viewer.start_bbox_selection(csv=False)
    surface = viewer.surface
    surface.event_generate("<ButtonPress-1>", x=250, y=230)
    surface.event_generate("<Motion>", x=470, y=420, state=0x100)
    settle(app.root, 0.5)
    try:
        return grab(window, display, out_dir / "console-image-viewer.png")
    finally:
        viewer.cancel_bbox_selection()
        app.set_image_mode("pane", save=False)


def run(out_dir: Path, display: str, run_demo: bool, theme: str | None) -> list[Path]:
    """Open the console and take every shot."""
    import tkinter as tk

    from dgenerate_console.app import ConsoleApp

    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="dgenerate-shots-") as temp:
        image = sample_image(Path(temp) / "lighthouse.png")
        root = tk.Tk(className="dgenerate-console")
        app = ConsoleApp(root, start_interpreter=run_demo)
        try:
            if theme:
                app.set_theme(theme)
            settle(root, 0.5)
            return [shot_main(app, display, out_dir, image, run_demo),
                    shot_recipe(app, display, out_dir),
                    shot_viewer(app, display, out_dir)]
        finally:
            app.close()


def main(argv: list[str] | None = None) -> int:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--no-interpreter", action="store_true",
                        help="do not start dgenerate --shell (no interpreter output in the shot)")
    parser.add_argument("--xvfb", action="store_true", help="use a private Xvfb even if DISPLAY is set")
    parser.add_argument("--theme", help="console theme to use (default: the default theme)")
    args = parser.parse_args(argv)
    xvfb = None
    if args.xvfb or not os.environ.get("DISPLAY"):
        xvfb, os.environ["DISPLAY"] = start_xvfb()
    home = tempfile.mkdtemp(prefix="dgenerate-shots-home-")
    saved = {name: os.environ.get(name) for name in ("HOME", "USERPROFILE")}
    os.environ["HOME"] = os.environ["USERPROFILE"] = home
    try:
        run(args.out.resolve(), os.environ["DISPLAY"], not args.no_interpreter, args.theme)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(home, ignore_errors=True)
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
