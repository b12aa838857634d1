"""Nothing closes the console but File -> Exit: every menu and submenu, every right-click, every
documented shortcut, in every state, driven by X events on the REAL window inside ``mainloop``
(with a REAL interpreter child), plus random sequences of those actions (hypothesis)."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

try:
    from tests.console_driver import Driver
except ImportError:  # plain `pytest`: tests/ itself is on sys.path
    from console_driver import Driver

EDITOR_KEYS = ("<Control-x>", "<Control-c>", "<Control-v>", "<Control-a>", "<Control-z>",
               "<Control-Z>", "<Control-y>", "<Control-f>", "<Control-r>", "<Control-F>",
               "<Tab>", "<Shift-Tab>", "<numbersign>", "<Delete>", "<Up>", "<Down>",
               "<Insert>", "<Insert>", "<Control-o>", "<Control-s>", "<Control-S>",
               "<Return>", "<Control-space>", "<Control-q>")
OUTPUT_KEYS = ("<Control-Up>", "<Control-Down>", "<Control-a>", "<Control-c>", "<Control-f>")
VIEWER_KEYS = ("<Control-equal>", "<Control-minus>", "<Escape>")
EDIT_ENTRIES = ("Cut", "Copy", "Paste", "Delete", "Select All", "Undo", "Redo", "Format Code",
                "Preview Selected Image")
EDITOR_STATES = ("state_empty", "state_text", "state_selection", "state_running")


@pytest.fixture(scope="module")
def driver(xdisplay, tmp_path_factory):
    import tkinter

    from PIL import Image

    from dgenerate_console.app import ConsoleApp

    home = tmp_path_factory.mktemp("survive_home")
    work = tmp_path_factory.mktemp("survive_cwd")
    image = work / "shown.png"
    Image.new("RGB", (48, 32), "teal").save(image)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("DGENERATE_CACHE", str(home / ".cache"))
        mp.chdir(work)
        root = tkinter.Tk()
        app = ConsoleApp(root, error_handler=False)
        app.new_window = lambda: None  # File -> New Window would start a second console
        drv = Driver(app, str(image))
        drv._pump(lambda: app.client._ready, timeout=60)
        yield drv
        app.close()


def every_action(drv: Driver) -> list[str]:
    """Open every menu, right-click every pane, press every shortcut, click the Edit entries."""
    opened = []
    for index, _label in enumerate(drv.menubar_labels()):
        opened += drv.open_menu(index)
    for widget in drv.panes().values():
        drv.right_click(widget)
    for label in EDIT_ENTRIES:
        drv.invoke_edit_entry(label)
    for key in OUTPUT_KEYS:
        drv.press(drv.app.output.text, key)
    if "image" in drv.panes() and drv.app._pane_viewer is not None:
        for key in VIEWER_KEYS:
            drv.press(drv.panes()["image"], key)
    for key in EDITOR_KEYS:
        drv.press(drv.app.editor.text, key)
    return opened


@pytest.mark.parametrize("image_state", ["state_no_image", "state_image"])
def test_every_action_in_every_state_leaves_the_window_open(driver, image_state):
    for editor_state in EDITOR_STATES:
        opened: list[str] = []

        def run() -> None:
            getattr(driver, image_state)()
            getattr(driver, editor_state)()
            opened.extend(every_action(driver))

        driver.in_mainloop(run)  # an error re-raised by mainloop fails the test here
        assert driver.alive(), (image_state, editor_state)
        assert driver.errors == [], (image_state, editor_state, driver.errors)
        assert {"File", "Edit", "Run", "Options", "View", "Help", "Insert Code", "Insert URI",
                "Insert Path", "Find / Replace", "Theme"} <= set(opened), opened
    driver.in_mainloop(lambda: None)
    assert driver.alive()


def _actions(drv: Driver):
    acts = {f"menu {i}": (lambda i=i: drv.open_menu(i)) for i in range(len(drv.menubar_labels()))}
    for name in ("state_empty", "state_text", "state_selection", "state_running", "state_image"):
        acts[name] = getattr(drv, name)
    for label in EDIT_ENTRIES:
        acts[f"edit {label}"] = lambda label=label: drv.invoke_edit_entry(label)
    for key in EDITOR_KEYS:
        acts[f"key {key}"] = lambda key=key: drv.press(drv.app.editor.text, key)
    for key in OUTPUT_KEYS:
        acts[f"output {key}"] = lambda key=key: drv.press(drv.app.output.text, key)
    acts["right-click input"] = lambda: drv.right_click(drv.app.editor.text)
    acts["right-click output"] = lambda: drv.right_click(drv.app.output.text)
    return acts


ACTION_NAMES = sorted(["menu 0", "menu 1", "menu 2", "menu 3", "menu 4", "menu 5",
                       "state_empty", "state_text", "state_selection", "state_running",
                       "state_image", "right-click input", "right-click output"]
                      + [f"edit {label}" for label in EDIT_ENTRIES]
                      + [f"key {key}" for key in EDITOR_KEYS]
                      + [f"output {key}" for key in OUTPUT_KEYS])


@settings(max_examples=int(os.environ.get("CONSOLE_FUZZ_EXAMPLES", "12")), deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.sampled_from(ACTION_NAMES), min_size=1, max_size=8))
def test_random_action_sequences_leave_the_window_open(driver, names):
    acts = _actions(driver)
    for name in names:
        driver.in_mainloop(acts[name])
        assert driver.alive(), names
        assert driver.errors == [], (names, driver.errors)


def test_the_handler_reports_in_the_output_pane_and_keeps_running(tk_root, capsys):
    import tkinter

    from dgenerate_console import errorhandler
    from dgenerate_console.outputpane import OutputPane

    pane = OutputPane(tk_root, echo=False)
    handler = errorhandler.install(tk_root, lambda line: pane.append(line, True), enabled=True)
    try:
        assert tk_root.report_callback_exception is handler
        button = tkinter.Button(tk_root, command=lambda: 1 / 0)
        button.invoke()  # a callback error: reported, not raised
        tkinter.Button(tk_root, command=lambda: (_ for _ in ()).throw(
            tkinter.TclError("nothing to undo"))).invoke()  # harmless: ignored
        pane.flush()
        shown = pane.text.get("1.0", "end-1c")
        assert "Console error (the console keeps running): ZeroDivisionError" in shown
        assert "nothing to undo" not in shown and handler.reported == 1
        assert "Traceback" in capsys.readouterr().err
    finally:
        del tk_root.report_callback_exception
        pane.destroy()
    assert errorhandler.install(tk_root, None) is None  # not under pytest by default
