"""Files the desktop hands to the console: macOS Finder's ::tk::mac::OpenDocument and the
"Run" verb's ``--run FILE`` (the console opens the file and runs it to an image)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dgenerate_console.opendoc import OPEN_DOCUMENT, split_run_flag

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("args,expected", [
    (["--run", "a.dgen", "--device", "cpu"], (True, ["a.dgen", "--device", "cpu"])),
    (["a.dgen"], (False, ["a.dgen"])),
    (["-psn_0_12345", "a.dgen"], (False, ["a.dgen"])),
    ([], (False, [])),
])
def test_split_run_flag(args, expected):
    assert split_run_flag(args) == expected


@pytest.fixture
def console(xdisplay, tmp_path, monkeypatch):
    import tkinter

    from dgenerate_console.app import ConsoleApp

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.chdir(tmp_path)
    root = tkinter.Tk()
    app = ConsoleApp(root, start_interpreter=False, error_handler=False)
    spawned: list[str] = []
    app.new_window = spawned.append
    yield app, spawned
    app.close()


def test_finder_open_document_loads_the_first_and_spawns_the_rest(console, tmp_path):
    app, spawned = console
    first, second = tmp_path / "a.dgen", tmp_path / "b.dgen"
    first.write_text("\\print first\n")
    second.write_text("\\print second\n")
    app.root.tk.call(OPEN_DOCUMENT, str(first), str(second), str(tmp_path / "missing.dgen"))
    assert app.current_file == str(first)
    assert app.editor.get_text().strip() == "\\print first"
    assert spawned == [str(second)]


def test_finder_open_document_keeps_a_window_in_use(console, tmp_path):
    app, spawned = console
    app.editor.set_text("\\print mine")
    path = tmp_path / "a.dgen"
    path.write_text("\\print first\n")
    app.root.tk.call(OPEN_DOCUMENT, str(path))
    assert app.editor.get_text().strip() == "\\print mine" and spawned == [str(path)]


def test_run_verb_opens_the_file_and_runs_it_to_an_image(xdisplay, tmp_path):
    from PIL import Image

    folder = tmp_path / "scripts"
    folder.mkdir()
    Image.new("RGB", (32, 32), "red").save(folder / "in.png")
    script = folder / "resize.dgen"
    script.write_text("\\image_process in.png --output out.png --resize 16x16\n")
    env = dict(os.environ, HOME=str(tmp_path / "home"), PYTHONPATH=str(ROOT), DISPLAY=xdisplay)
    proc = subprocess.Popen([sys.executable, "-m", "dgenerate_console", "--run", str(script)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 120
        while not (folder / "out.png").exists() and time.monotonic() < end and proc.poll() is None:
            time.sleep(0.2)
        assert (folder / "out.png").exists(), proc.stdout.read().decode() if proc.poll() is not None else "timeout"
        with Image.open(folder / "out.png") as image:
            assert image.size == (16, 16)
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_run_without_a_file_is_one_clear_line(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "dgenerate_console", "--run"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "--run needs a .dgen file" in done.stderr
