"""Console start-up: launch → interactive window, and → interpreter ready, against a bare Tk window.

Run: ``python benchmarks/bench_console_startup.py [N]`` (starts its own Xvfb when DISPLAY is unset).
Prints medians of N runs and the ratio console / bare Tk window (both measured here, same machine).
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


def _time(code: str, env: dict[str, str]) -> list[float]:
    """Seconds from launch to each line the child prints."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=env)
    marks = [time.perf_counter() - start for _ in iter(proc.stdout.readline, "")]
    proc.wait(timeout=60)
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
        bare = [_time(BARE, env)[0] for _ in range(runs)]
        console = [_time(CONSOLE, env) for _ in range(runs)]
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


if __name__ == "__main__":
    main()
