"""Console start-up: launch → interactive window, and → interpreter ready, against a bare Tk window;
and the slowest Tk ``update()`` while a 100,000-line burst drains into the output pane.

Run: ``python benchmarks/bench_console_startup.py [N]`` (starts its own Xvfb when DISPLAY is unset).
The bare and console runs alternate (bare, console, bare, console ...) so that a machine getting
busier or quieter affects both alike. Prints medians of N runs each and the ratios console / bare
Tk window; then the burst: the slowest ``update()`` against one plain ``Text.insert`` of the same
100,000 lines (what a console without batching would block the window for).
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

BARE = ("import tkinter\nroot = tkinter.Tk()\nroot.geometry('1000x800')\nt = tkinter.Text(root)\n"
        "t.pack()\nroot.update_idletasks()\nt.focus_force()\nroot.update()\n"
        "print('interactive', flush=True)\nroot.destroy()\n")

CONSOLE = ("import time, tkinter\nimport dgenerate_console.app as a\nroot = tkinter.Tk()\n"
           "app = a.ConsoleApp(root)\nroot.update_idletasks()\napp.editor.text.focus_force()\n"
           "root.update()\nprint('interactive', flush=True)\n"
           "end = time.monotonic() + 60\n"
           "while not app.client.started and time.monotonic() < end:\n    root.update()\n"
           "print('ready', flush=True)\napp.close()\n")


BURST = ("import time, tkinter\nfrom dgenerate_console.outputpane import OutputPane\n"
         "root = tkinter.Tk()\npane = OutputPane(root, echo=False)\npane.pack()\nroot.update()\n"
         "line = 'x' * 60 + '\\n'\n"
         "for _ in range(100_000):\n    pane.append(line)\n"
         "updates, slowest = 0, 0.0\n"
         "while pane.backlog:\n    t0 = time.perf_counter()\n    root.update()\n"
         "    slowest = max(slowest, time.perf_counter() - t0)\n    updates += 1\n"
         "text = tkinter.Text(root)\nt0 = time.perf_counter()\n"
         "text.insert('end', line * 100_000)\nroot.update()\nnaive = time.perf_counter() - t0\n"
         "print(updates, flush=True)\nprint(slowest, flush=True)\nprint(naive, flush=True)\n")


def _time(code: str, env: dict[str, str]) -> list[float]:
    """Seconds from launch to each line the child prints; for lines holding a number, the
    number instead."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    marks = []
    for line in iter(proc.stdout.readline, ""):
        try:
            marks.append(float(line))
        except ValueError:
            marks.append(time.perf_counter() - start)
    proc.wait(timeout=120)
    return marks


def _display() -> tuple[str, subprocess.Popen | None]:
    if os.environ.get("DISPLAY"):
        return os.environ["DISPLAY"], None
    from dgenerate_console.xvfb import start_xvfb

    proc, display = start_xvfb()
    return display, proc


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    display, xvfb = _display()
    home = tempfile.mkdtemp()
    env = dict(os.environ, DISPLAY=display, HOME=home, USERPROFILE=home)
    try:
        bare, console = [], []
        for _ in range(runs):  # interleaved
            bare.append(_time(BARE, env)[0])
            console.append(_time(CONSOLE, env))
        burst = _time(BURST, env)
    finally:
        if xvfb is not None:
            xvfb.terminate()
        shutil.rmtree(home, ignore_errors=True)
    window = statistics.median(m[0] for m in console)
    ready = statistics.median(m[1] for m in console)
    base = statistics.median(bare)
    print(f"bare Tk window:                  {base:.3f} s (median of {runs})")
    print(f"console interactive window:      {window:.3f} s  ratio {window / base:.2f}")
    print(f"console with interpreter ready:  {ready:.3f} s  ratio {ready / base:.2f}")
    updates, slowest, naive = burst[-3:]
    print(f"100,000-line burst: {updates:.0f} update() calls, slowest {slowest * 1000:.1f} ms; one "
          f"plain Text.insert of it {naive * 1000:.1f} ms; ratio slowest / plain "
          f"{slowest / naive:.3f}")


if __name__ == "__main__":
    main()
