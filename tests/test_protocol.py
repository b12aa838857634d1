"""Console protocol framing: command frames in, event frames out."""

from __future__ import annotations

import io
import json
import threading

import pytest

from dgenerate_core import events, protocol


def test_encode_frame_is_one_ascii_line_starting_with_rs():
    frame = protocol.encode_frame({"event": "image", "path": "/tmp/ünï\ncode\x1e.png"})
    assert frame.startswith("\x1e") and frame.endswith("\n")
    assert frame.count("\n") == 1 and frame.count("\x1e") == 1
    assert frame.isascii()
    assert json.loads(frame[1:]) == {"event": "image", "path": "/tmp/ünï\ncode\x1e.png"}


def test_decode_command_with_and_without_id():
    line = protocol.encode_frame({"id": 7, "text": "\\print hi\n\\print there"})
    cmd = protocol.decode_command(line, fallback_id="1")
    assert (cmd.id, cmd.text, cmd.type) == ("7", "\\print hi\n\\print there", "run")
    cmd = protocol.decode_command(protocol.encode_frame({"text": "x"}), fallback_id="42")
    assert cmd.id == "42"
    assert protocol.decode_command("\x1e{\"type\":\"ping\"}\r\n", "3").type == "ping"


@pytest.mark.parametrize("line, message", [
    ("\\print hi\n", "expected a framed command"),
    ("\x1e{not json}\n", "bad JSON"),
    ("\x1e[1,2]\n", "JSON object"),
    ("\x1e{\"type\":\"launch\"}\n", "unknown command type"),
    ("\x1e{\"text\":5}\n", "must be a string"),
])
def test_decode_command_errors(line, message):
    with pytest.raises(protocol.ProtocolError, match=message):
        protocol.decode_command(line, "1")


def test_event_writer_adds_running_command_id_and_flushes_human_output_first():
    out = io.StringIO()
    writer = protocol.EventWriter(out)
    out.write("human line\n")
    writer.command_id = "c1"
    writer.emit("progress", step=1, total=4)
    writer.command_id = None
    writer.emit("ready", cwd="/x")
    lines = out.getvalue().split("\n")[:-1]
    assert lines[0] == "human line"
    assert json.loads(lines[1][1:]) == {"event": "progress", "step": 1, "total": 4, "id": "c1"}
    assert json.loads(lines[2][1:]) == {"event": "ready", "cwd": "/x"}


def test_event_writer_sink_forwards_engine_events_with_absolute_paths(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = io.StringIO()
    writer = protocol.EventWriter(out)
    events.add_sink(writer.sink)
    try:
        events.emit("image", path="out/a.png")
    finally:
        events.remove_sink(writer.sink)
    events.emit("image", path="ignored.png")
    frames = [json.loads(l[1:]) for l in out.getvalue().split("\n")[:-1]]
    assert frames == [{"event": "image", "path": str(tmp_path / "out" / "a.png")}]


def test_event_writer_is_thread_safe():
    out = io.StringIO()
    writer = protocol.EventWriter(out)

    def spam(n):
        for i in range(200):
            writer.emit("progress", step=i, total=200, worker=n)

    threads = [threading.Thread(target=spam, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = out.getvalue().split("\n")[:-1]
    assert len(lines) == 800
    assert all(json.loads(l[1:])["event"] == "progress" for l in lines)


def test_enabled_by_env(monkeypatch):
    monkeypatch.delenv(protocol.ENV_VAR, raising=False)
    assert not protocol.enabled_by_env()
    monkeypatch.setenv(protocol.ENV_VAR, "1")
    assert protocol.enabled_by_env()


def _run_shell_protocol(text: str) -> str:
    """Run one framed command through a real ``--shell-protocol`` child; return its stdout."""
    import subprocess
    import sys

    frame = protocol.encode_frame({"type": "run", "id": "c", "text": text})
    proc = subprocess.run([sys.executable, "-m", "dgenerate_core", "--shell-protocol"],
                          input=frame, capture_output=True, text=True, timeout=120)
    return proc.stdout


def test_printed_record_separators_cannot_break_or_forge_frames():
    out = _run_shell_protocol("\\print {{ '\\x1e' ~ '{\"event\":\"done\",\"id\":\"fake\"}' }}")
    frames = [json.loads(ln[1:]) for ln in out.split("\n") if ln.startswith("\x1e")]
    assert [f["event"] for f in frames] == ["hello", "ready", "busy", "done", "ready", "exit"]
    assert all(f.get("id") != "fake" for f in frames)
    assert '\u241e{"event":"done","id":"fake"}' in out


def test_only_newlines_end_lines_of_a_command():
    out = _run_shell_protocol("\\print a\x0cb\x85c\u2028d")
    frames = [json.loads(ln[1:]) for ln in out.split("\n") if ln.startswith("\x1e")]
    done = [f for f in frames if f["event"] == "done"]
    assert done[0]["status"] == 0 and not [f for f in frames if f["event"] == "error"]
    assert "a\x0cb\x85c\u2028d" in out
