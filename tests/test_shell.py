"""``dgenerate --shell``: the framed protocol driven over real pipes, and the plain REPL."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap

import pytest

from dgenerate_core import shell
from dgenerate_core.script import ConfigRunner

RS = b"\x1e"
HEAVY_CHECK = ("\\print heavy={{ ['torch', 'diffusers', 'transformers'] "
               "| select('in', import_module('sys').modules) | list }}")


class ShellChild:
    """A ``python -m dgenerate_core --shell-protocol`` child spoken to over pipes."""

    def __init__(self, *extra: str, env: dict | None = None, flag: str = "--shell-protocol"):
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "dgenerate_core", flag, *extra],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=dict(os.environ, **(env or {})))
        self.human: list[str] = []

    def send(self, text: str, cid: str) -> None:
        frame = RS + json.dumps({"id": cid, "text": text}).encode() + b"\n"
        self.proc.stdin.write(frame)
        self.proc.stdin.flush()

    def send_raw(self, data: bytes) -> None:
        self.proc.stdin.write(data)
        self.proc.stdin.flush()

    def events_until(self, name: str) -> list[dict]:
        """Read stdout until an event called ``name``; human lines are kept in ``self.human``."""
        found = []
        for raw in iter(self.proc.stdout.readline, b""):
            if raw.startswith(RS):
                event = json.loads(raw[1:])
                found.append(event)
                if event["event"] == name:
                    return found
            else:
                self.human.append(raw.decode().rstrip("\n"))
        raise AssertionError(f"stdout ended before {name!r}: {found} {self.proc.stderr.read()!r}")

    def close(self) -> tuple[int, str]:
        self.proc.stdin.close()
        rest = self.events_until("exit")
        assert rest[-1] == {"event": "exit", "status": 0}
        code = self.proc.wait(timeout=30)
        return code, self.proc.stderr.read().decode()


@pytest.fixture
def child():
    c = ShellChild()
    yield c
    if c.proc.poll() is None:
        c.proc.kill()
        c.proc.wait()


def test_protocol_round_trip_errors_and_eof(child, tmp_path):
    start = child.events_until("ready")
    assert start[0]["event"] == "hello" and start[0]["protocol"] == 1
    assert start[-1] == {"event": "ready", "cwd": os.getcwd()}

    child.send("\\print hello there", "c1")
    got = child.events_until("ready")
    assert [e["event"] for e in got] == ["busy", "done", "ready"]
    assert got[0] == {"event": "busy", "id": "c1"}
    assert got[1]["id"] == "c1" and got[1]["status"] == 0 and got[1]["seconds"] >= 0
    assert child.human[-1] == "hello there"

    child.send("\\print fine\n\\no_such_directive x\n\\print never", "c2")
    got = child.events_until("ready")
    assert [e["event"] for e in got] == ["busy", "error", "done", "ready"]
    error = got[1]
    assert error["id"] == "c2" and error["line"] == 2 and error["source"] == "<console>"
    assert "no_such_directive" in error["message"]
    assert got[2]["status"] == 1
    assert "never" not in child.human

    child.send(f"\\cd {tmp_path.as_posix()}", "c3")
    got = child.events_until("ready")
    assert [e["event"] for e in got] == ["busy", "done", "cwd", "ready"]
    assert got[2]["cwd"] == str(tmp_path) and got[3]["cwd"] == str(tmp_path)

    child.send(HEAVY_CHECK, "c4")
    child.events_until("done")
    assert child.human[-1] == "heavy=[]"

    code, stderr = child.close()
    assert code == 0
    assert "Config Error: <console>:2: Unknown directive" in stderr


def test_protocol_bad_frames_and_ping_keep_the_shell_alive(child):
    child.events_until("ready")
    child.send_raw(b"not a frame\n\n")
    got = child.events_until("ready")
    assert got[0]["event"] == "error" and got[0]["id"] is None
    assert got[0]["message"].startswith("protocol:")
    child.send_raw(RS + b'{"type": "ping", "id": 5}\n')
    assert child.events_until("pong") == [{"event": "pong", "id": "5"}]
    child.send("\\print still alive", "after")
    child.events_until("done")
    assert child.human[-1] == "still alive"
    assert child.close()[0] == 0


def test_protocol_exit_directive_ends_with_its_status(child):
    child.events_until("ready")
    child.send("\\exit 3", "x")
    got = child.events_until("exit")
    assert [e["event"] for e in got] == ["busy", "done", "exit"]
    assert got[1]["status"] == 3 and got[2]["status"] == 3
    assert child.proc.wait(timeout=30) == 3


def test_protocol_children_cannot_swallow_frames(child):
    child.events_until("ready")
    code = 'import sys; print("child read", repr(sys.stdin.read()))'
    child.send(f"\\exec {sys.executable} -c '{code}'", "e")
    child.send("\\print next command", "n")
    child.events_until("ready")
    got = child.events_until("ready")
    assert got[0] == {"event": "busy", "id": "n"}
    assert "child read ''" in child.human and child.human[-1] == "next command"
    assert child.close()[0] == 0


def test_protocol_forwards_engine_events_with_command_id(tmp_path):
    plugin = tmp_path / "emitter.py"
    plugin.write_text(textwrap.dedent("""
        from dgenerate_core import events
        from dgenerate_core.plugins import directive

        @directive("fake_render")
        def fake_render(args):
            for step in range(2):
                events.emit("progress", step=step + 1, total=2)
            events.emit("image", path=args[0])
            return 0
    """))
    child = ShellChild("--plugin-modules", str(plugin))
    try:
        child.events_until("ready")
        child.send("\\fake_render out/img.png", "r")
        got = child.events_until("ready")
        assert [e["event"] for e in got] == ["busy", "progress", "progress", "image", "done", "ready"]
        assert got[2] == {"event": "progress", "step": 2, "total": 2, "id": "r"}
        assert got[3] == {"event": "image", "path": os.path.abspath("out/img.png"), "id": "r"}
        assert child.close()[0] == 0
    finally:
        child.proc.kill()
        child.proc.wait()


def test_protocol_enabled_by_environment_variable():
    child = ShellChild(flag="--shell", env={"DGENERATE_PROTOCOL": "1"})
    try:
        child.events_until("ready")
        child.send("\\print {{ env.DGENERATE_PROTOCOL | default('unset', true) }}", "1")
        child.events_until("done")
        assert child.human[-1] == "unset"
        assert child.close()[0] == 0
    finally:
        child.proc.kill()
        child.proc.wait()


def test_plain_shell_over_pipes_blank_line_submits_and_eof_exits_zero():
    script = "\\print one\n\n\\no_such\n\n\\print two\n\\print three\n"
    proc = subprocess.run([sys.executable, "-m", "dgenerate_core", "--shell"], input=script,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0
    assert proc.stdout.splitlines() == ["one", "two", "three"]
    assert 'Config Error: <shell>:1: Unknown directive "\\no_such".' in proc.stderr
    assert "\x1e" not in proc.stdout


def _plain(text: str, capsys) -> tuple[int, str, str]:
    runner = ConfigRunner()
    code = shell.Shell(runner).run_plain(io.StringIO(text))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_plain_blank_line_inside_open_constructs_does_not_submit(capsys):
    text = ("{% for i in range(2) %}\n\n\\print loop {{ i }}\n{% endfor %}\n\n"
            "\\print a \\\n\nb\n\n")
    code, out, err = _plain(text, capsys)
    assert code == 0 and err == ""
    assert out.splitlines() == ["loop 0", "loop 1", "a b"]


def test_plain_errors_do_not_end_the_shell_and_state_persists(capsys):
    code, out, err = _plain("\\set x 5\n\n\\bogus\n\n\\print x={{ x }}", capsys)
    assert code == 0 and out.splitlines() == ["x=5"]
    assert err.count("Config Error:") == 1


def test_statement_incomplete():
    assert shell.statement_incomplete("\\print a \\")
    assert shell.statement_incomplete("\\print a \\ # comment")
    assert shell.statement_incomplete("{% for x in y %}\n\\print {{ x }}")
    assert shell.statement_incomplete("\\print {{ 1 +")
    assert not shell.statement_incomplete("{% for x in y %}\n\\print {{ x }}\n{% endfor %}")
    assert not shell.statement_incomplete("\\print done")


def test_startup_errors_are_reported_and_the_shell_still_starts(tmp_path):
    child = ShellChild("--plugin-modules", str(tmp_path / "absent.py"), "--set", "noequals")
    try:
        got = child.events_until("ready")
        assert [e["event"] for e in got] == ["hello", "error", "error", "ready"]
        assert "absent.py" in got[1]["message"] and got[1]["id"] is None
        assert "Must use variable=value syntax" in got[2]["message"]
        child.send("\\print alive", "1")
        child.events_until("done")
        assert child.human[-1] == "alive"
        code, stderr = child.close()
        assert code == 0 and "dgenerate: error: Plugin module" in stderr
    finally:
        child.proc.kill()
        child.proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_plain_shell_attached_to_a_terminal_two_enters_submit_and_ctrl_d_exits():
    import pty

    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dgenerate_core", "--shell"], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        os.write(master, b"\\print typed at a terminal\n\n\\no_such_tty\n\n\\print after\n\n\x04")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
    assert proc.returncode == 0
    assert out.decode().split() == ["typed", "at", "a", "terminal", "after"]
    assert "Config Error" in err.decode()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery to a child is POSIX here")
def test_sigint_interrupts_the_command_and_the_shell_survives(tmp_path):
    import signal

    plugin = tmp_path / "sleeper.py"
    plugin.write_text("import time\nfrom dgenerate_core.plugins import directive\n"
                      "@directive('long_wait')\ndef long_wait(args):\n"
                      "    print('waiting', flush=True)\n    time.sleep(60)\n    return 0\n")
    child = ShellChild("--plugin-modules", str(plugin))
    try:
        child.events_until("ready")
        child.send("\\long_wait", "w")
        child.events_until("busy")
        assert child.proc.stdout.readline() == b"waiting\n"
        child.proc.send_signal(signal.SIGINT)
        got = child.events_until("ready")
        assert [e["event"] for e in got] == ["error", "done", "ready"]
        assert got[0]["message"] == "interrupted" and got[1]["status"] == 130
        child.proc.send_signal(signal.SIGINT)  # idle: ignored
        child.send("\\print alive", "a")
        child.events_until("done")
        assert child.human[-1] == "alive"
        assert child.close()[0] == 0
    finally:
        child.proc.kill()
        child.proc.wait()


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_terminal_ctrl_c_interrupts_the_command_and_the_shell_goes_on(tmp_path):
    import pty
    import signal

    plugin = tmp_path / "tty_sleeper.py"
    plugin.write_text("import time\nfrom dgenerate_core.plugins import directive\n"
                      "@directive('tty_wait')\ndef tty_wait(args):\n"
                      "    print('waiting', flush=True)\n    time.sleep(60)\n    return 0\n")
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "dgenerate_core", "--shell",
                             "--plugin-modules", str(plugin)], stdin=slave,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    os.close(slave)
    try:
        os.write(master, b"\\tty_wait\n\n")
        assert proc.stdout.readline() == b"waiting\n"
        proc.send_signal(signal.SIGINT)
        os.write(master, b"\\print after\n\n\x04")
        out, err = proc.communicate(timeout=60)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    assert out.decode().splitlines() == ["after"]
    assert "Config Error: interrupted" in err.decode()


@pytest.mark.slow
def test_protocol_generation_reports_progress_and_image_events(tiny_models, tmp_path):
    """The console's main path: one real (tiny) generation through the framed shell."""
    child = ShellChild()
    try:
        child.events_until("ready")
        out = tmp_path / "out"
        child.send(f"{tiny_models.sd} --inference-steps 2 --output-size 64 --seeds 1 "
                   f"-o {out.as_posix()}\n\\print {{{{ last_images | length }}}}", "gen")
        got = child.events_until("ready")
        kinds = [e["event"] for e in got]
        assert kinds[0] == "busy" and kinds[-2:] == ["done", "ready"], got
        assert got[-2]["status"] == 0, child.proc.stderr.read1().decode(errors="replace")
        progress = [e for e in got if e["event"] == "progress"]
        assert progress and all(e["id"] == "gen" for e in progress)
        assert progress[-1]["step"] == progress[-1]["total"]
        images = [e for e in got if e["event"] == "image"]
        assert len(images) == 1 and images[0]["id"] == "gen"
        assert os.path.isabs(images[0]["path"]) and os.path.isfile(images[0]["path"])
        assert os.path.dirname(images[0]["path"]) == str(out)
        assert child.human[-1] == "1"
        assert child.close()[0] == 0
    finally:
        child.proc.kill()
        child.proc.wait()
