"""The console protocol: framed commands in on stdin, framed events out on stdout (docs/protocol.md).

A frame is the ASCII record separator 0x1E, one JSON object, and a newline. Event frames share
stdout with the human output, which is left exactly as a terminal user would see it.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from typing import Any, TextIO

RS = "\x1e"
PROTOCOL_VERSION = 1
ENV_VAR = "DGENERATE_PROTOCOL"
FLAG = "--shell-protocol"


def enabled_by_env() -> bool:
    """True when ``DGENERATE_PROTOCOL`` asks for the framed protocol."""
    return os.environ.get(ENV_VAR, "").strip().lower() in ("1", "true", "yes", "on")


def encode_frame(obj: dict[str, Any]) -> str:
    """One frame: RS + compact ASCII JSON + newline (JSON escapes any RS or newline inside)."""
    return RS + json.dumps(obj, ensure_ascii=True, separators=(",", ":"), default=str) + "\n"


RS_BYTE = RS.encode("ascii")


def encode_command(obj: dict[str, Any]) -> bytes:
    """A command frame as the bytes a client writes to the shell's stdin."""
    return encode_frame(obj).encode("ascii")


def split_output(data: bytes, decoder: Any = None) -> list[tuple[str, Any]]:
    """Complete stdout lines → ``("out", text)`` runs and ``("event", dict)`` frames, in order.

    The client side of :func:`encode_frame`: a frame starts at a 0x1E anywhere in a line and
    runs to the line end; the bytes before it are human output. A 0x1E followed by something
    that is not a JSON object is shown as text. ``decoder`` is an incremental UTF-8 decoder
    kept across calls (a character split between two reads stays whole).
    """
    if decoder is None:
        import codecs

        decoder = codecs.getincrementaldecoder("utf-8")("replace")
    if RS_BYTE not in data:
        return [("out", decoder.decode(data))] if data else []
    items: list[tuple[str, Any]] = []
    lines = [line + b"\n" for line in data.split(b"\n")]
    lines[-1] = lines[-1][:-1]  # what follows the last newline (empty unless at EOF)
    text: list[bytes] = []
    for line in lines:
        cut = line.find(RS_BYTE)
        if cut < 0:
            text.append(line)
            continue
        text.append(line[:cut])
        if any(text):
            items.append(("out", decoder.decode(b"".join(text))))
        text = []
        try:
            event = json.loads(line[cut + 1:].decode("utf-8", "replace"))
        except ValueError:
            text.append(line[cut:])
            continue
        if isinstance(event, dict):
            items.append(("event", event))
    if any(text):
        items.append(("out", decoder.decode(b"".join(text))))
    return items


class ProtocolError(ValueError):
    """A line on stdin that is not a valid command frame."""


@dataclass
class Command:
    """One submitted command: ``id`` echoes back in its events, ``text`` is the script to run."""

    id: str
    text: str
    type: str = "run"


def decode_command(line: str, fallback_id: str) -> Command:
    """Parse one stdin line (RS + JSON) into a :class:`Command`; raise ProtocolError if malformed."""
    stripped = line.rstrip("\r\n")
    if not stripped.startswith(RS):
        raise ProtocolError("expected a framed command (0x1E followed by JSON)")
    try:
        obj = json.loads(stripped[1:])
    except ValueError as ex:
        raise ProtocolError(f"bad JSON in command frame: {ex}") from None
    if not isinstance(obj, dict):
        raise ProtocolError("a command frame must hold a JSON object")
    kind = str(obj.get("type", "run"))
    if kind not in ("run", "ping"):
        raise ProtocolError(f'unknown command type "{kind}"')
    text = obj.get("text", "")
    if not isinstance(text, str):
        raise ProtocolError('"text" must be a string')
    raw_id = obj.get("id")
    return Command(id=fallback_id if raw_id is None else str(raw_id), text=text, type=kind)


class HumanOutput:
    """Wraps stdout in protocol mode so human text can never contain a frame marker.

    A script printing 0x1E would otherwise break a frame or forge an event; it is shown as
    U+241E (the visible symbol for RS) instead. Only :class:`EventWriter` writes a real RS."""

    def __init__(self, out: TextIO) -> None:
        self._out = out

    def write(self, text: str) -> int:
        self._out.write(text.replace(RS, "\u241e"))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._out, name)


class EventWriter:
    """Writes event frames to the human output stream, thread-safe, flushing after each one."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._lock = threading.Lock()
        self.command_id: str | None = None

    def emit(self, event: str, **fields: Any) -> None:
        """Write the ``event`` frame; ``id`` is the running command's unless given."""
        payload: dict[str, Any] = {"event": event}
        payload.update(fields)
        if "id" not in payload and self.command_id is not None:
            payload["id"] = self.command_id
        frame = encode_frame(payload)
        with self._lock:
            self._out.flush()
            self._out.write(frame)
            self._out.flush()

    def sink(self, event: str, fields: dict[str, Any]) -> None:
        """An ``events.add_sink`` sink: forward engine events (image, animation, progress ...)."""
        fields = dict(fields)
        if "path" in fields and fields["path"] is not None:
            fields["path"] = os.path.abspath(str(fields["path"]))
        self.emit(event, **fields)
