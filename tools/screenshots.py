"""Render screenshots of the dgenerate console into ``docs/images/``, at 96 and 192 dpi.

    python tools/screenshots.py [--out DIR] [--no-interpreter] [--theme NAME] [--dpi 96 192]

For each dpi a private Xvfb runs at that resolution and a child process takes the shots there,
named ``console-<shot>-<dpi>dpi.png``: ``startup`` (the window as it opens: welcome text, the
image pane's placeholder), ``running`` (a generation in progress: its echoed command, the
progress line, the status bar's step counter; the events are replayed into the real widgets),
``error`` (a script whose multi-line statement fails in the real interpreter: all its lines
marked), ``recipe`` (the Insert Recipe form) and ``viewer`` (the image window, zoomed, with a
bounding box being dragged). Settings and history live in a throw-away HOME.
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


ERROR_SCRIPT = """\
\\set steps 2
\\print generating {{ steps }} steps
\\no_such_directive --output-size 512x512 \\
    --inference-steps {{ steps }} \\
    --prompts "a lighthouse"
\\print never reached"""
GENERATION = ("stabilityai/stable-diffusion-xl-base-1.0 --model-type sdxl --inference-steps 30\n"
              "--prompts \"a lighthouse on a cliff at sunset\" --output-size 1024x1024")


def _size(app, width: int, height: int) -> str:
    return f"{app.px(width)}x{app.px(height)}+0+0"


def shot_startup(app, display: str, out_dir: Path, suffix: str, run_demo: bool) -> Path:
    """The window as it opens, with the interpreter ready."""
    root = app.root
    root.geometry(_size(app, 1100, 720))
    app.set_image_mode("pane", save=False)
    if run_demo:
        wait_for(root, lambda: app.client.started, 60)
    settle(root, 0.8)
    return grab(root, display, out_dir / f"console-startup-{suffix}.png", with_menubar=True)


def shot_running(app, display: str, out_dir: Path, suffix: str, image: Path) -> Path:
    """A generation in progress: the protocol events of one replayed into the real widgets."""
    root = app.root
    app.set_multiline(False)
    app.editor.set_text("")
    app._submitted["shot"] = GENERATION
    app.status.set_state("running")
    app.client.on_send("shot", GENERATION)
    app.client.on_event({"event": "busy", "id": "shot"})
    app.client.on_event({"event": "loading", "what": "stabilityai/stable-diffusion-xl-base-1.0",
                         "option": "model_path"})
    app.output.append("Loading pipeline components...: 100%|##########| 7/7 [00:03<00:00]\n",
                      stderr=True)
    app.output.append(" 40%|####      | 12/30 [00:09<00:13,  1.31it/s]\r", stderr=True)
    app.client.on_event({"event": "progress", "step": 12, "total": 30, "id": "shot"})
    app.status.set_queue(2)
    app.show_image(str(image))
    app.output.flush()
    app.output.scroll_to_end()
    settle(root, 0.8)
    try:
        return grab(root, display, out_dir / f"console-running-{suffix}.png", with_menubar=True)
    finally:
        app.client.on_event({"event": "done", "id": "shot", "status": 0, "seconds": 21.4})
        app.status.set_queue(0)
        app.status.set_state("idle")
        app.output.clear()


def shot_error(app, display: str, out_dir: Path, suffix: str, run_demo: bool) -> Path:
    """A multi-line statement failing in the real interpreter: all its lines marked."""
    root = app.root
    app.set_multiline(True)
    app.editor.set_text(ERROR_SCRIPT)
    if run_demo:
        app.run_input()
        wait_for(root, lambda: app.editor.error_line is not None, 60)
    else:
        app.editor.mark_error_line(3, 5)
    settle(root, 0.8)
    app.output.scroll_to_end()
    settle(root)
    return grab(root, display, out_dir / f"console-error-{suffix}.png", with_menubar=True)


def shot_recipe(app, display: str, out_dir: Path, suffix: str = "") -> Path:
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
        dialog.field_row("--inference-steps").widget.focus_force()
        dialog._show_help(dialog.field_row("--inference-steps"))
        settle(app.root, 0.3)
        return grab(dialog, display, out_dir / (f"console-recipe-{suffix}.png" if suffix
                                                else "console-recipe.png"))
    finally:
        dialog.destroy()


def shot_viewer(app, display: str, out_dir: Path, suffix: str = "") -> Path:
    """The image window, zoomed in, with a bounding box being dragged."""
    app.set_image_mode("window", save=False)
    window = app.image_window
    window.geometry(_size(app, 720, 720))
    window.lift()
    settle(app.root, 0.5)
    viewer = window.viewer
    viewer.zoom_to_fit()
    viewer.zoom_in()
    settle(app.root)
    viewer.start_bbox_selection(csv=False)
    surface = viewer.surface
    surface.event_generate("<ButtonPress-1>", x=app.px(250), y=app.px(230))
    surface.event_generate("<Motion>", x=app.px(470), y=app.px(420), state=0x100)
    settle(app.root, 0.5)
    try:
        return grab(window, display, out_dir / (f"console-viewer-{suffix}.png" if suffix
                                                else "console-image-viewer.png"))
    finally:
        viewer.cancel_bbox_selection()
        app.set_image_mode("pane", save=False)


def run(out_dir: Path, display: str, run_demo: bool, theme: str | None,
        suffix: str) -> list[Path]:
    """Open the console and take every shot (on the display of this process)."""
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
            return [shot_startup(app, display, out_dir, suffix, run_demo),
                    shot_running(app, display, out_dir, suffix, image),
                    shot_error(app, display, out_dir, suffix, run_demo),
                    shot_recipe(app, display, out_dir, suffix),
                    shot_viewer(app, display, out_dir, suffix)]
        finally:
            app.close()


def _worker(args) -> int:
    """One dpi: the shots on this process's display."""
    run(args.out.resolve(), os.environ["DISPLAY"], not args.no_interpreter, args.theme,
        f"{args.worker}dpi")
    return 0


def main(argv: list[str] | None = None) -> int:
    """Command line entry: one private Xvfb and one child process per dpi."""
    from dgenerate_console.xvfb import XvfbUnavailable, start_xvfb as start

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "images")
    parser.add_argument("--no-interpreter", action="store_true",
                        help="do not start dgenerate --shell (no interpreter output in the shots)")
    parser.add_argument("--theme", help="console theme to use (default: the default theme)")
    parser.add_argument("--dpi", type=int, nargs="+", default=[96, 192])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return _worker(args)
    home = tempfile.mkdtemp(prefix="dgenerate-shots-home-")
    failed = 0
    try:
        for dpi in args.dpi:
            scale = dpi / 96
            screen = f"{int(1200 * scale) + 64}x{int(900 * scale) + 64}x24"
            try:
                xvfb, display = start(screen, dpi=dpi)
            except XvfbUnavailable as ex:
                raise SystemExit(str(ex)) from None
            try:
                env = dict(os.environ, DISPLAY=display, HOME=home, USERPROFILE=home,
                           PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
                command = [sys.executable, __file__, "--worker", str(dpi), "--out", str(args.out)]
                command += ["--no-interpreter"] if args.no_interpreter else []
                command += ["--theme", args.theme] if args.theme else []
                failed |= subprocess.run(command, env=env, check=False).returncode
            finally:
                xvfb.terminate()
                xvfb.wait(timeout=10)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
