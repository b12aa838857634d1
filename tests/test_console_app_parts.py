"""Console core parts without a child shell: output pane, history, settings, files, window, start-up."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from dgenerate_console.history import History, max_history
from dgenerate_console.settings import Settings, migrate_old_files, settings_path


def pump(root, cond, timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        root.update()
        if cond():
            return True
    return bool(cond())


@pytest.fixture
def pane(tk_root):
    from dgenerate_console.outputpane import OutputPane

    out = OutputPane(tk_root, echo=False)
    out.pack(fill="both", expand=True)
    return out


@pytest.fixture
def app(tk_root):
    from dgenerate_console.app import ConsoleApp

    console = ConsoleApp(tk_root, start_interpreter=False)
    yield console
    console.close()


def shown(pane) -> str:
    pane.flush()
    return pane.text.get("1.0", "end-1c")


# -- output pane ------------------------------------------------------------------------------

def test_ansi_is_stripped_and_stderr_is_tagged(pane):
    pane.append("\x1b[31mred\x1b[0m plain\n")
    pane.append("oops\n", stderr=True)
    assert shown(pane) == "red plain\noops\n"
    start, end = pane.text.tag_ranges("error")
    assert pane.text.get(start, end) == "oops\n"


def test_an_escape_split_between_two_writes_is_still_stripped(pane):
    pane.append("green: \x1b[3")
    pane.append("2mok\x1b")
    pane.append("[0m\n", stderr=True)  # another stream does not take the carried bytes
    pane.append("[0m\n")
    assert shown(pane) == "green: ok[0m\n\n"


def test_carriage_return_updates_the_line_in_place(pane):
    pane.append("before\n")
    for pct in (10, 50, 100):
        pane.append(f"\rprogress {pct}%")
    pane.append("\n")
    pane.append("step 1\r")
    pane.append("step 2\r\n")
    pane.append("after\n")
    assert shown(pane) == "before\nprogress 100%\nstep 2\nafter\n"


def test_notices_and_echoes_start_their_own_line_and_warnings_are_amber(pane):
    pane.append("50%|#####  | 1/2\r")
    pane.append_notice("Command interrupted")
    pane.append_command("\\print a\n\\print b")
    pane.append("/x.py:3: FutureWarning: old\n  warnings.warn(\nWARNING: mind\nboom\n", stderr=True)
    pane.append(" 50%|#####     | 1/2 [00:01<00:01]\r100%|##########| 2/2 [00:02<00:00]\n",
                stderr=True)
    assert shown(pane) == ("50%|#####  | 1/2\nCommand interrupted\n> \\print a\n> \\print b\n"
                           "/x.py:3: FutureWarning: old\n  warnings.warn(\nWARNING: mind\nboom\n"
                           "100%|##########| 2/2 [00:02<00:00]\n")

    def tagged(tag):
        ranges = pane.text.tag_ranges(tag)
        return "".join(pane.text.get(a, b) for a, b in zip(ranges[::2], ranges[1::2]))

    assert tagged("warning") == "/x.py:3: FutureWarning: old\n  warnings.warn(\nWARNING: mind\n"
    assert tagged("error") == "boom\n"
    assert tagged("echo") == "> \\print a\n> \\print b\n"
    assert tagged("output").endswith("100%|##########| 2/2 [00:02<00:00]\n")  # tqdm: no alarm


def test_cursor_up_line_is_replaced_by_the_next_non_blank_line(pane):
    pane.append("bar 1/2\x1b[A\r")
    pane.append("\n\n")
    pane.append("bar 2/2\n")
    assert shown(pane) == "bar 2/2\n"


def test_scrollback_cap_from_the_environment(monkeypatch, tk_root, capsys):
    from dgenerate_console.outputpane import OutputPane, max_scrollback

    monkeypatch.setenv("DGENERATE_CONSOLE_MAX_SCROLLBACK", "50")
    out = OutputPane(tk_root, echo=False)
    for i in range(200):
        out.append(f"line {i}\n")
    out.flush()
    assert out.line_count() == 50
    assert out.text.get("1.0", "1.end") == "line 150"
    monkeypatch.setenv("DGENERATE_CONSOLE_MAX_SCROLLBACK", "29")
    assert max_scrollback() == 10000
    monkeypatch.setenv("DGENERATE_CONSOLE_MAX_SCROLLBACK", "lots")
    assert max_scrollback() == 10000
    assert capsys.readouterr().err.count("WARNING: DGENERATE_CONSOLE_MAX_SCROLLBACK") == 2


def test_a_100000_line_burst_drains_over_many_ticks(pane, tk_root):
    line = "x" * 60 + "\n"
    for _ in range(100_000):
        pane.append(line)
    updates, slowest = 0, 0.0
    while pane.backlog:
        t0 = time.perf_counter()
        tk_root.update()
        slowest = max(slowest, time.perf_counter() - t0)
        updates += 1
    assert updates > 1  # the window kept handling events between batches
    assert pane.line_count() == pane.max_lines
    print(f"burst: {updates} update() calls, slowest {slowest * 1000:.1f} ms")


def test_output_echoes_to_the_process_streams(tk_root, capfd):
    from dgenerate_console.outputpane import OutputPane

    out = OutputPane(tk_root)
    out.append("to stdout\n")
    out.append("to stderr\n", stderr=True)
    captured = capfd.readouterr()
    assert "to stdout\n" in captured.out and "to stderr\n" in captured.err


def test_output_context_menu_and_navigation(pane, tk_root, tmp_path):
    menu = pane.menu
    labels = [menu.entrycget(i, "label") for i in range(menu.index("end") + 1)
              if menu.type(i) == "command"]
    assert labels == ["Clear", "Find", "Copy", "Select All", "To Top", "To Bottom",
                      "Preview Selected Image"]
    image = tmp_path / "pic.png"
    from PIL import Image

    Image.new("RGB", (4, 4)).save(image)
    pane.resolve_path = lambda text: str(image) if text.strip('"') == "pic.png" else None
    seen = []
    pane.on_preview_image = seen.append
    pane.append('Wrote Image File: "pic.png"\n')
    pane.flush()
    pane.text.tag_add("sel", "1.18", "1.27")
    pane.preview_selected_image()
    assert seen == [str(image)]
    pane.clear()
    assert shown(pane) == ""


# -- history ----------------------------------------------------------------------------------

def test_history_cap_duplicates_and_draft(tmp_path):
    hist = History(str(tmp_path / "h.json"), limit=3)
    for text in ("a", "b", "b", "c\nmulti", "d"):
        hist.add(text)
    assert hist.entries == ["b", "c\nmulti", "d"]
    assert hist.previous("draft") == "d"
    assert hist.previous("d") == "c\nmulti"
    assert hist.next() == "d"
    assert hist.next() == "draft"
    assert hist.next() is None
    hist.save()
    assert json.loads((tmp_path / "h.json").read_text()) == ["b", "c\nmulti", "d"]
    assert History(str(tmp_path / "h.json"), limit=2).load().entries == ["c\nmulti", "d"]


def test_history_limit_from_the_environment(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("DGENERATE_CONSOLE_MAX_HISTORY", "0")
    assert max_history() == 0
    hist = History(str(tmp_path / "h.json"))
    hist.add("x")
    hist.save()
    assert hist.entries == [] and not (tmp_path / "h.json").exists()
    for bad in ("-1", "many"):
        monkeypatch.setenv("DGENERATE_CONSOLE_MAX_HISTORY", bad)
        assert max_history() == 500
    assert capsys.readouterr().err.count("WARNING: DGENERATE_CONSOLE_MAX_HISTORY") == 2


# -- settings ---------------------------------------------------------------------------------

def test_settings_round_trip_and_corrupt_file(tmp_path, capsys):
    path = str(tmp_path / "s.json")
    settings = Settings(path)
    settings["theme"] = "nord"
    settings["word_wrap_output"] = False
    assert settings.save()
    loaded = Settings(path).load()
    assert loaded["theme"] == "nord" and loaded["word_wrap_output"] is False
    with open(path, "w") as stream:
        stream.write("{not json")
    broken = Settings(path).load()
    assert broken["theme"] == "dgenerate"
    with open(path + ".bak") as stream:
        assert stream.read() == "{not json"
    assert "unreadable" in capsys.readouterr().err


def test_old_files_are_migrated_and_removed(capsys):
    home = os.path.expanduser("~")
    old_settings = os.path.join(home, ".dgenerate_console_settings")
    old_history = os.path.join(home, ".dgenerate_console_history")
    with open(old_settings, "w") as stream:
        json.dump({"theme": "dracula", "word_wrap_input": False}, stream)
    with open(old_history, "w") as stream:
        json.dump(["\\print old"], stream)
    notices = migrate_old_files()
    assert len(notices) == 2 and "Migrated console settings" in capsys.readouterr().err
    assert not os.path.exists(old_settings) and not os.path.exists(old_history)
    assert Settings().load()["theme"] == "dracula"
    assert History().load().entries == ["\\print old"]
    assert os.path.isfile(settings_path())


# -- the window -------------------------------------------------------------------------------

def test_window_title_size_menus_and_welcome(app, tk_root):
    tk_root.update()
    assert tk_root.title() == f"Dgenerate Console: {os.getcwd()}"
    assert tk_root.geometry().startswith("1000x800")
    bar = app.menubar
    assert [bar.entrycget(i, "label") for i in range(bar.index("end") + 1)] == \
        ["File", "Edit", "Run", "Options", "View", "Help"]
    app.output.flush()
    text = app.output.text.get("1.0", "end-1c")
    assert "Ctrl+Space" in text and "Insert Recipe" in text and "\\directives_help" in text


def test_queue_full_warning(app):
    ids = [app.submit(f"\\print {i}") for i in range(51)]
    assert all(ids[:50]) and ids[50] is None
    app.output.flush()
    assert "WARNING: The command queue is full" in app.output.text.get("1.0", "end")


def test_theme_choice_is_saved(app):
    app.set_theme("monokai")
    assert app.vars.theme.get() == "monokai"
    assert Settings().load()["theme"] == "monokai"


def test_load_and_save_round_trip(app, tmp_path, tk_root):
    from dgenerate_console.app import ConsoleApp

    script = "\\set x 5\n{% for i in range(2) %}\n\\print {{ i }} ü\n{% endfor %}"
    app.editor.set_text(script)
    target = tmp_path / "saved.dgen"
    app.save_file(str(target))
    assert target.read_text(encoding="utf-8") == script + "\n"
    other = ConsoleApp(tk_root, open_file=str(target), start_interpreter=False)
    try:
        assert other.editor.get_text().rstrip("\n") == script
        assert other.editor.multiline and other.vars.multiline.get()
    finally:
        other.root.after_cancel(other._poll_id)
        other.client.close()
    latin = tmp_path / "latin.txt"
    latin.write_bytes("\\print caf\xe9 na\xefve d\xe9j\xe0 \xe0 la cr\xe8me br\xfbl\xe9e".encode("latin-1"))
    app.load_file(str(latin))
    assert "café" in app.editor.get_text()


def test_image_modes_move_the_viewer_state(app, tk_root, tmp_path):
    from PIL import Image

    image = tmp_path / "img.png"
    Image.new("RGB", (32, 16), "red").save(image)
    app.set_image_mode("pane")
    app.show_image(str(image))
    tk_root.update()
    assert app.viewer.path == str(image)
    app.set_image_mode("window")
    tk_root.update()
    assert app.image_window is not None and app.viewer is app.image_window.viewer
    assert app.viewer.path == str(image) and app.vars.image_window.get()
    app.set_image_mode("pane")
    assert app.image_window is None and app.vars.image_pane.get()
    assert app.viewer.path == str(image)
    app.set_image_mode("none")
    assert str(app.image_frame) not in [str(p) for p in app.hpane.panes()]
    assert Settings().load()["image_mode"] == "none"


def test_main_reports_a_missing_file(capsys, tmp_path):
    from dgenerate_console.app import main

    assert main([str(tmp_path / "nope.dgen")]) == 1
    assert f"File not found: {tmp_path / 'nope.dgen'}" in capsys.readouterr().err


def test_the_console_never_imports_torch(xdisplay):
    """Launch → interactive window in a subprocess (the time is printed, never asserted)."""
    code = ("import sys, time, tkinter\n"
            "import dgenerate_console.app as a\n"
            "root = tkinter.Tk()\n"
            "app = a.ConsoleApp(root)\n"
            "root.update_idletasks()\n"
            "app.editor.text.focus_force()\n"
            "root.update()\n"
            "assert root.focus_get() is app.editor.text\n"
            "print('interactive', flush=True)\n"
            "app.client.submit('\\\\print x')\n"
            "end = time.monotonic() + 30\n"
            "while not app.client.done_ids and time.monotonic() < end:\n"
            "    root.update()\n"
            "assert app.client.done_ids == ['1']\n"
            "app.close()\n"
            "bad = [m for m in ('torch', 'diffusers', 'transformers') if m in sys.modules]\n"
            "assert not bad, bad\n"
            "print('clean')\n")
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=dict(os.environ, DISPLAY=xdisplay))
    first = proc.stdout.readline()
    print(f"launch to interactive window: {time.perf_counter() - start:.2f} s")
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert first == "interactive\n" and "clean" in out


def test_edit_menu_has_the_insert_cascades(app):
    menu = app.edit_menu
    labels = [menu.entrycget(i, "label") for i in range(menu.index("end") + 1)
              if menu.type(i) != "separator"]
    assert labels[:7] == ["Cut", "Copy", "Paste", "Delete", "Select All", "Undo", "Redo"]
    for label in ("Find / Replace", "Format Code", "Insert Code", "Insert URI", "Insert Path",
                  "Preview Selected Image"):
        assert label in labels
    input_menu = app.input_menu
    assert input_menu.index("end") == menu.index("end")  # the right-click copy has the same entries


def test_stdout_frames_are_split_from_human_output():
    from dgenerate_console.client import parse_stdout

    data = (b"line one\nline two\n\x1e{\"event\":\"busy\",\"id\":\"1\"}\n"
            b"partial\x1e{\"event\":\"done\",\"id\":\"1\",\"status\":0}\n"
            b"caf\xc3\xa9\n\x1enot json\n")
    assert parse_stdout(data) == [
        ("out", "line one\nline two\n"), ("event", {"event": "busy", "id": "1"}),
        ("out", "partial"), ("event", {"event": "done", "id": "1", "status": 0}),
        ("out", "café\n"), ("out", "\x1enot json\n")]
    assert parse_stdout(b"no frames\r\n") == [("out", "no frames\r\n")]


def test_a_child_that_never_starts_is_not_restarted_forever():
    from dgenerate_console.client import MAX_FAILED_STARTS, InterpreterClient

    out = []
    client = InterpreterClient(args=["--no-such-option"], on_output=lambda t, e: out.append(t))
    client.start()
    try:
        end = time.monotonic() + 60
        while "not restarted again" not in "".join(out) and time.monotonic() < end:
            client.poll()
            time.sleep(0.01)
        text = "".join(out)
        assert text.count("Shell Process Terminated, Exit Code: 1") == MAX_FAILED_STARTS
        assert "unknown option --no-such-option" in text
        assert "not restarted again" in text and not client.running
    finally:
        client.close()


def test_status_bar_states_and_elapsed_time(tk_root):
    from dgenerate_console.statusbar import StatusBar, format_elapsed

    bar = StatusBar(tk_root)
    bar.pack()
    bar.set_running()
    assert bar.state_label.cget("text") == "Running 0.0s"
    assert pump(tk_root, lambda: bar.state_label.cget("text") != "Running 0.0s")
    bar.set_progress(3, 10)
    assert bar.progress_label.cget("text") == "3/10" and float(bar.progress.cget("value")) == 3
    bar.set_exit_status(1, 0.25)
    assert bar.exit_label.cget("text") == "Exit Status: 1 (0.2s)" or \
        bar.exit_label.cget("text") == "Exit Status: 1 (0.3s)"
    assert bar.progress_label.cget("text") == ""
    bar.set_restarting()
    assert bar.state == "restarting" and bar.state_label.cget("text") == "Restarting..."
    bar.set_idle()
    assert bar.state_label.cget("text") == "Idle"
    assert format_elapsed(75) == "1m15s" and format_elapsed(3725) == "1h02m05s"


def test_preview_selected_image_from_the_input(app, tk_root, tmp_path):
    from PIL import Image

    image = tmp_path / "my pic.png"
    Image.new("RGB", (8, 8), "blue").save(image)
    app.client.cwd = str(tmp_path)
    app.editor.set_text("--image-seeds 'my pic.png'")
    app.editor.text.tag_add("sel", "1.14", "1.end")
    assert app.selected_input_image() == str(image)
    app.preview_selected_input_image()
    tk_root.update()
    assert app.image_mode == "pane" and app.viewer.path == str(image)


def test_output_find_opens_the_shared_dialog(pane, tk_root):
    pane.append("needle in a haystack\n")
    pane.flush()
    dialog = pane.open_find()
    tk_root.update()
    assert dialog.winfo_exists()


def test_a_recipe_inserted_from_the_edit_menu_lands_in_the_input(app, tk_root):
    from dgenerate_console.insert import open_recipe_dialog

    code_menu = app.edit_menu.nametowidget(app.edit_menu.entrycget("Insert Code", "menu"))
    assert code_menu.entrycget(0, "label") == "Recipe"
    dialog = open_recipe_dialog(app.root, app.editor.insert_text, lambda: app.client.cwd)
    dialog.select_recipe("Stable Diffusion 1.5")
    dialog.set_field("--inference-steps", "7")
    expected = dialog.command_text()
    assert "--inference-steps 7" in expected
    assert dialog.insert_and_close()
    tk_root.update()
    assert app.editor.get_text() == expected and expected.strip()


def test_insert_key_toggles_multiline_and_ctrl_arrows_navigate_output(app, tk_root):
    app.editor.text.focus_force()
    tk_root.update()
    app.editor.text.event_generate("<Insert>")
    assert app.editor.multiline and app.vars.multiline.get()
    app.editor.text.event_generate("<Insert>")
    assert not app.editor.multiline and not app.vars.multiline.get()
    for i in range(300):
        app.output.append(f"row {i}\n", echo=False)
    app.output.flush()
    app.output.text.focus_force()
    tk_root.update()
    app.output.text.event_generate("<Control-Up>")
    tk_root.update()
    assert app.output.text.yview()[0] == 0.0
    app.output.text.event_generate("<Control-Down>")
    tk_root.update()
    assert app.output.text.yview()[1] == 1.0


def test_file_new_starts_another_console_process(app):
    proc = app.new_window()
    def cmdline() -> bytes:
        with open(f"/proc/{proc.pid}/cmdline", "rb") as stream:
            return stream.read()

    try:
        end = time.monotonic() + 30
        while b"dgenerate_console" not in cmdline() and time.monotonic() < end:
            time.sleep(0.01)
        assert b"dgenerate_console" in cmdline()
        assert proc.poll() is None
    finally:
        os.killpg(proc.pid, 9)
        proc.wait(timeout=10)


def test_history_survives_a_new_app_instance(app, tk_root):
    from dgenerate_console.app import ConsoleApp

    app.editor.set_text("\\print remembered")
    assert app.run_input() is not None
    assert app.editor.get_text() == ""
    app.close()
    root = tk_root.__class__()
    try:
        other = ConsoleApp(root, start_interpreter=False)
        root.update()
        other.editor.event_generate("<<HistoryPrevious>>")
        assert other.editor.get_text() == "\\print remembered"
        other.close()
    finally:
        try:
            root.destroy()
        except Exception:
            pass


def test_saved_image_pane_comes_back_without_delaying_start(tk_root, tmp_path):
    from PIL import Image

    from dgenerate_console.app import ConsoleApp

    settings = Settings().load()
    settings["image_mode"] = "pane"
    settings.save()
    console = ConsoleApp(tk_root, start_interpreter=False)
    try:
        assert console.image_mode == "pane" and console.vars.image_pane.get()
        assert console._pane_viewer is None  # made for the first image
        tk_root.update()
        assert console.placeholder.winfo_ismapped()  # "Images appear here", not a black block
        assert console.placeholder.cget("text") == "Images appear here"
        assert console.placeholder.cget("background") == console.theme.background
        image = tmp_path / "x.png"
        Image.new("RGB", (4, 4)).save(image)
        console.show_image(str(image))
        tk_root.update()
        assert console.viewer.path == str(image) and not console.placeholder.winfo_ismapped()
    finally:
        console.close()


def _submenu(bar, label):
    return bar.nametowidget(bar.entrycget(label, "menu"))


def test_view_and_options_menu_entries_work(app, tk_root):
    view = _submenu(app.menubar, "View")
    view.invoke("Image Window")
    tk_root.update()
    assert app.image_mode == "window" and app.image_window is not None
    view.invoke("Image Pane")
    assert app.image_mode == "pane" and app.image_window is None
    assert app.vars.image_pane.get() and not app.vars.image_window.get()
    view.invoke("Image Pane")
    assert app.image_mode == "none"
    options = _submenu(app.menubar, "Options")
    options.invoke("Word Wrap Output")
    assert app.output.text.cget("wrap") == "none"
    assert Settings().load()["word_wrap_output"] is False
    options.invoke("Multiline input")
    assert app.editor.multiline
    themes = _submenu(options, "Theme")
    labels = [themes.entrycget(i, "label") for i in range(themes.index("end") + 1)]
    assert "dgenerate" in labels and "solarized-dark" in labels
    themes.invoke("nord")
    assert Settings().load()["theme"] == "nord"
    help_menu = _submenu(app.menubar, "Help")
    assert help_menu.entrycget(0, "label").startswith("Homepage")


def test_loading_and_warm_up_show_in_the_status_bar(app, tk_root):
    status = app.status
    app.client.on_event({"event": "loading", "what": "stabilityai/sd-turbo", "option": "model_path"})
    assert status.activity_label.cget("text") == "Loading stabilityai/sd-turbo"
    assert str(status.progress.cget("mode")) == "indeterminate"
    app.client.on_event({"event": "progress", "step": 1, "total": 2})
    assert status.activity == "" and str(status.progress.cget("mode")) == "determinate"
    assert status.progress_label.cget("text") == "1/2"
    app.client.on_event({"event": "loading", "id": None, "option": "warm-up",
                         "what": "torch, diffusers"})
    assert status.activity == "Warming up: torch, diffusers"
    app.client.on_event({"event": "warm", "id": None, "modules": ["torch"], "seconds": 1.0})
    assert status.activity == "" and status.activity_label.cget("text") == ""


def test_an_error_escaping_mainloop_is_reported_and_the_loop_goes_on(tk_root):
    from dgenerate_console.app import ConsoleApp, run_until_closed

    console = ConsoleApp(tk_root, start_interpreter=False, error_handler=True)
    tk_root.tk.createcommand("dg_boom", lambda: 1 / 0)
    # a Python command failing under a Tcl "catch": tkinter re-raises it from mainloop later
    tk_root.after(10, lambda: tk_root.tk.eval("catch dg_boom"))
    tk_root.after(400, console.close)
    run_until_closed(console)  # would end with ZeroDivisionError without the loop around it
    assert console._closed and console.error_handler.reported >= 1


def test_client_poll_is_bounded_and_its_queue_slows_the_readers():
    from dgenerate_console.client import MAX_ITEMS, InterpreterClient

    seen = []
    client = InterpreterClient(on_output=lambda text, err: seen.append(text))
    assert client._items.maxsize == MAX_ITEMS  # a full queue makes the reader threads wait
    for i in range(100):
        client._items.put((client._gen, "out", f"{i}\n"))
    assert client.poll(seconds=0.0) == 16  # time checked every 16 items: a tick stays short
    assert client.backlog and client.poll(limit=10) == 10
    assert client.poll() == 74 and not client.backlog
    assert seen == [f"{i}\n" for i in range(100)]
