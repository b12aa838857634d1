"""The console app on Xvfb against a REAL ``dgenerate --shell-protocol`` child (one app per module)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from dgenerate_console.history import History


def pump(root, cond, timeout: float = 30.0) -> bool:
    """Run the Tk loop until ``cond()`` holds (False on timeout)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        root.update()
        if cond():
            return True
        time.sleep(0.005)
    root.update()
    return bool(cond())


def output_text(app) -> str:
    app.output.flush()
    return app.output.text.get("1.0", "end-1c")


def wait_idle(app, timeout: float = 30.0) -> bool:
    """The child is ready and nothing is queued or running."""
    client = app.client
    return pump(app.root, lambda: client._ready and client.current is None and not client.pending,
                timeout)


@pytest.fixture(scope="module")
def app(xdisplay, tmp_path_factory):
    import tkinter

    from dgenerate_console.app import ConsoleApp

    home = tmp_path_factory.mktemp("console_home")
    work = tmp_path_factory.mktemp("console_cwd")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(home))
        mp.setenv("DGENERATE_CACHE", str(home / ".cache"))
        mp.chdir(work)
        root = tkinter.Tk()
        console = ConsoleApp(root)
        assert wait_idle(console), output_text(console)
        yield console
        console.close()


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Each test starts from a single-line, idle console."""
    if "app" in request.fixturenames:
        console = request.getfixturevalue("app")
        console.set_multiline(False)
        console.editor.clear()
        assert wait_idle(console)
    yield


def test_typed_command_runs_and_prints(app):
    app.editor.text.focus_force()
    app.editor.text.insert("end", "\\print hello from the console")
    app.root.update()
    app.editor.text.event_generate("<Return>")
    assert pump(app.root, lambda: "\nhello from the console\n" in output_text(app))
    assert app.editor.get_text() == ""  # single-line mode clears the input
    assert wait_idle(app)
    assert "Exit Status: 0" in app.status.exit_label.cget("text")
    assert app.root.title() == f"Dgenerate Console: {app.client.cwd}"


def test_stderr_is_tagged_as_error_and_the_line_is_marked(app):
    app.set_multiline(True)
    app.editor.set_text("\\print fine\n\\no_such_directive_here")
    app.run_input()
    assert pump(app.root, lambda: app.editor.error_line == 2)
    assert app.editor.get_text().startswith("\\print fine")  # multiline keeps the text
    assert pump(app.root, lambda: "no_such_directive_here" in _tagged(app, "error"))
    assert "Exit Status: 1" in app.status.exit_label.cget("text")


def test_every_line_of_a_failing_statement_is_marked_and_commands_are_echoed(app):
    app.set_multiline(True)
    script = "\\print fine\n\\no_such_directive_here a \\\n    b \\\n    c\n\\print after"
    app.editor.set_text(script)
    app.run_input()
    assert pump(app.root, lambda: app.editor.error_line == 2)
    first, last = app.editor.text.tag_ranges("error_line")
    assert (str(first), str(last)) == ("2.0", "5.0")  # the three lines of the statement
    assert pump(app.root, lambda: "> \\print fine\n> \\no_such_directive_here a \\\n"
                in _tagged(app, "echo"))


def test_warnings_are_coloured_apart_from_errors(app):
    warn = "import sys, warnings; warnings.warn('careful'); sys.stderr.write('WARNING: mind\\n')"
    app.submit(f"\\exec {sys.executable} -c \"{warn}\"")
    assert wait_idle(app)
    assert pump(app.root, lambda: "WARNING: mind" in _tagged(app, "warning"))
    warned = _tagged(app, "warning")
    assert "UserWarning: careful" in warned
    assert "careful" not in _tagged(app, "error")


def test_kill_sets_the_exit_status_and_the_queue_can_be_cleared(app):
    app.submit("\\exec " + _py_sleep(30))
    app.submit("\\print waiting-one")
    app.submit("\\print waiting-two")
    assert pump(app.root, lambda: app.client.current is not None and app.client.current.started)
    assert app.status.queue_label.cget("text") == "2 queued"
    assert app.clear_queue() == 2 and app.status.queue_label.cget("text") == ""
    app.kill()
    assert wait_idle(app)
    text = output_text(app)
    assert "\nCleared 2 queued commands.\nCommand interrupted, it will not be run again:" in text
    assert "(killed)" in app.status.exit_label.cget("text")
    assert "\nwaiting-one" not in text


def _tagged(app, tag: str) -> str:
    app.output.flush()
    ranges = app.output.text.tag_ranges(tag)
    return "".join(app.output.text.get(a, b) for a, b in zip(ranges[::2], ranges[1::2]))


def test_history_browsing_and_persistence(app):
    for text in ("\\print one", "\\print two", "\\print two"):
        app.editor.set_text(text)
        app.run_input()
        assert wait_idle(app)
    assert app.history.entries[-2:] == ["\\print one", "\\print two"]  # no consecutive duplicate
    app.editor.set_text("draft")
    app.editor.text.focus_force()
    app.root.update()
    app.editor.text.event_generate("<Up>")
    assert app.editor.get_text() == "\\print two"
    app.editor.text.event_generate("<Up>")
    assert app.editor.get_text() == "\\print one"
    app.editor.text.event_generate("<Down>")
    app.editor.text.event_generate("<Down>")
    assert app.editor.get_text() == "draft"
    saved = History(app.history.path).load()
    assert saved.entries[-2:] == ["\\print one", "\\print two"]


def test_kill_restarts_in_the_same_directory_and_queued_commands_run_once(app, tmp_path):
    target = tmp_path / "killdir"
    target.mkdir()
    app.submit(f"\\cd {target}")
    assert wait_idle(app)
    old_pid = app.client.pid
    app.submit("\\exec " + _py_sleep(30))
    assert pump(app.root, lambda: app.client.current is not None and app.client.current.started)
    app.submit("\\print queued-marker")
    assert pump(app.root, lambda: len(_descendants(old_pid)) >= 1)
    tree = [old_pid] + _descendants(old_pid)
    app.editor.text.focus_force()
    app.root.update()
    app.editor.text.event_generate("<Control-q>")  # Run -> Kill
    assert pump(app.root, lambda: not [pid for pid in tree if _alive(pid)])  # \exec child too
    assert wait_idle(app)
    assert app.client.pid != old_pid
    assert app.client.cwd == str(target)
    text = output_text(app)
    assert "Restarting Shell Process...\nShell Process Started.\n======================\n" in text
    assert text.splitlines().count("queued-marker") == 1  # (and its echo "> \\print ...")
    assert "> \\print queued-marker\n" in text
    assert "Command interrupted" in text
    app.submit("\\pwd")
    assert pump(app.root, lambda: output_text(app).rstrip().endswith(str(target)))


def test_a_sent_command_that_never_started_is_resent_once(app):
    os.kill(app.client.pid, signal.SIGSTOP)  # the child cannot read the frame
    app.submit("\\print resent-marker")
    assert app.client.current is not None and not app.client.current.started
    app.kill()
    assert pump(app.root, lambda: "\nresent-marker\n" in output_text(app))
    assert wait_idle(app)
    assert output_text(app).splitlines().count("resent-marker") == 1


def test_exit_status_restart(app):
    old_pid = app.client.pid
    app.submit("\\exit 3")
    app.submit("\\print after-exit")  # queued meanwhile: runs once, in the new child
    assert pump(app.root, lambda: "Shell Process Terminated, Exit Code: 3\n" in output_text(app))
    assert wait_idle(app)
    assert app.client.pid != old_pid
    text = output_text(app)
    assert text.splitlines().count("after-exit") == 1
    assert text.index("after-exit\n") > text.index("Shell Process Started.")


def test_crash_restart(app):
    old_pid = app.client.pid
    os.kill(old_pid, signal.SIGKILL)
    assert pump(app.root, lambda: "Shell Process Terminated, Exit Code: -9\n" in output_text(app))
    assert wait_idle(app)
    assert app.client.pid != old_pid
    app.submit("\\print alive again")
    assert pump(app.root, lambda: "\nalive again\n" in output_text(app))


def test_offline_and_debug_toggles_restart_with_flags(app):
    try:
        app.vars.offline.set(True)
        app.vars.debug.set(True)
        app.apply_flags()
        assert wait_idle(app)
        argv = _cmdline(app.client.pid)
        assert "-ofm" in argv and "-v" in argv and "--shell-protocol" in argv
    finally:
        app.vars.offline.set(False)
        app.vars.debug.set(False)
        app.apply_flags()
    assert wait_idle(app)
    argv = _cmdline(app.client.pid)
    assert "-ofm" not in argv and "-v" not in argv


def test_tiny_generation_shows_the_image(app, tiny_models, tmp_path):
    app.set_image_mode("pane")
    out = tmp_path / "out"
    app.submit(f"{tiny_models.sd} --inference-steps 2 --output-size 64 --prompts cat "
               f"--seeds 1 --output-path {out}")
    assert pump(app.root, lambda: getattr(app, "last_image", None) is not None, timeout=180), \
        output_text(app)
    assert wait_idle(app, timeout=120)
    assert os.path.dirname(app.last_image) == str(out) and os.path.isfile(app.last_image)
    assert app.viewer.path == app.last_image
    assert "Exit Status: 0" in app.status.exit_label.cget("text")
    step, total = app.status.last_progress  # progress events fed the status bar
    assert step == total >= 2
    assert float(app.status.progress.cget("value")) == 0  # and done reset it


def test_console_entry_points_report_a_missing_file(tmp_path):
    missing = str(tmp_path / "missing.dgen")
    for argv in (["-m", "dgenerate_core", "--console", missing], ["-m", "dgenerate_console", missing]):
        done = subprocess.run([sys.executable, *argv], capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert f"File not found: {missing}" in done.stderr


def _py_sleep(seconds: int) -> str:
    return f"{sys.executable} -c \"import time; time.sleep({seconds})\""


def _cmdline(pid: int) -> list[str]:
    with open(f"/proc/{pid}/cmdline", "rb") as stream:
        return [part.decode() for part in stream.read().split(b"\0") if part]


def test_close_leaves_no_processes_behind(tk_root):
    from dgenerate_console.app import ConsoleApp

    console = ConsoleApp(tk_root)
    assert wait_idle(console)
    console.submit("\\exec " + _py_sleep(30))
    shell = console.client.pid
    assert pump(tk_root, lambda: len(_descendants(shell)) >= 1)
    tree = [shell] + _descendants(shell)
    console.close()
    end = time.monotonic() + 30  # SIGKILL reaches the group at once; dying takes a moment
    while [pid for pid in tree if _alive(pid)] and time.monotonic() < end:
        time.sleep(0.01)
    assert not [pid for pid in tree if _alive(pid)]


def _descendants(pid: int) -> list[int]:
    """Living descendants of ``pid`` (Linux /proc)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as stream:
                    fields = stream.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents[int(entry)] = int(fields[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        frontier += children
    return found


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stream:
            return stream.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
