"""One look: the theme on the menu bar, menus, dialogs and the viewer, restyled on a switch;
sizes that follow the screen's DPI (a second Xvfb at 192 dpi)."""

from __future__ import annotations

import pytest

from dgenerate_console.themes import get_theme


@pytest.fixture
def app(tk_root):
    from dgenerate_console.app import ConsoleApp

    console = ConsoleApp(tk_root, start_interpreter=False)
    yield console
    console.close()


def _menubar_clone(root) -> str:
    for child in str(root.tk.eval("winfo children .")).split():
        if root.tk.call("winfo", "class", child) == "Menu" and \
                str(root.tk.call(child, "cget", "-type")) == "menubar":
            return child
    raise AssertionError("no menu bar")


def test_switching_the_theme_restyles_menus_and_open_dialogs(app, tk_root):
    from dgenerate_console.insert.menus import open_code_dialog

    tk_root.update()
    app.set_theme("monokai")
    monokai = get_theme("monokai")
    dialog = app.editor.open_find()  # a dialog opened while monokai is on
    picker = open_code_dialog(tk_root, "argument", lambda text: None, lambda: ".")
    tk_root.update()
    bar = _menubar_clone(tk_root)
    assert str(tk_root.tk.call(bar, "cget", "-background")) == monokai.panel
    assert str(app.edit_menu.cget("background")) == monokai.panel
    assert str(app.input_menu.cget("foreground")) == monokai.foreground
    assert str(app.output.menu.cget("background")) == monokai.panel
    for window in (dialog.window if hasattr(dialog, "window") else dialog, picker):
        assert str(window.cget("background")) == monokai.panel
    app.set_theme("readthedocs")
    light = get_theme("readthedocs")
    tk_root.update()
    assert str(tk_root.tk.call(bar, "cget", "-background")) == light.panel
    for window in (dialog.window if hasattr(dialog, "window") else dialog, picker):
        assert str(window.cget("background")) == light.panel
        entries = [w for w in _all(window) if w.winfo_class() in ("Entry", "Listbox")]
        assert all(str(w.cget("background")) == light.background for w in entries)
    assert str(app.status.cget("background")) == light.panel
    assert str(app.placeholder.cget("background")) == light.background
    picker.destroy()


def _all(widget):
    yield widget
    for child in widget.winfo_children():
        yield from _all(child)


MEASURE = """
import json, tkinter
from tkinter import font as tkfont
from dgenerate_console.app import ConsoleApp
root = tkinter.Tk()
app = ConsoleApp(root, start_interpreter=False)
root.update()
print(json.dumps([app.scale, root.winfo_width(), root.winfo_height(),
                  tkfont.nametofont("TkDefaultFont", root=root).metrics("linespace"),
                  app.status.progress.winfo_width(), app.editor.yscroll.winfo_width()]))
app.close()
"""


def test_sizes_follow_the_screen_dpi(tmp_path):
    """(In a child process per display: Tk ends a process whose X server goes away.)"""
    import json
    import os
    import subprocess
    import sys

    from dgenerate_console.xvfb import XvfbUnavailable, start_xvfb

    sizes = {}
    for dpi in (96, 192):
        try:
            proc, display = start_xvfb("2600x2000x24", dpi=dpi)
        except XvfbUnavailable as ex:
            pytest.skip(str(ex))
        try:
            env = dict(os.environ, DISPLAY=display, HOME=str(tmp_path))
            out = subprocess.run([sys.executable, "-c", MEASURE], env=env, capture_output=True,
                                 text=True, timeout=60)
            assert out.returncode == 0, out.stderr
            sizes[dpi] = json.loads(out.stdout.strip().splitlines()[-1])
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    (s1, w1, h1, font1, bar1, scroll1), (s2, w2, h2, font2, bar2, scroll2) = sizes[96], sizes[192]
    assert (s1, s2) == (1.0, 2.0)
    assert (w2, h2) == (2 * w1, 2 * h1)
    assert 1.7 <= font2 / font1 <= 2.3 and 1.7 <= bar2 / bar1 <= 2.3
    assert 1.7 <= scroll2 / scroll1 <= 2.3
