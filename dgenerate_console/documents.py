"""The input pane's file: reading with charset detection, atomic saving, the window title."""

from __future__ import annotations

import os
import tempfile

TITLE = "Dgenerate Console"


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM); else the detected charset; else Latin-1."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        from charset_normalizer import from_bytes
    except ImportError:
        return data.decode("latin-1")
    best = from_bytes(data).best()
    return str(best) if best is not None else data.decode("latin-1")


def read_script(path: str) -> str:
    """A script file's text with ``\\n`` line ends."""
    with open(path, "rb") as stream:
        data = stream.read()
    return decode_text(data).replace("\r\n", "\n")


def atomic_write(path: str, text: str) -> str:
    """Write ``text`` (UTF-8, ending in a newline) to ``path`` through a temporary file in the
    same directory and one rename: a crash or a full disk never leaves half a file. Keeps the
    permission bits of a file it replaces; returns the absolute path written."""
    path = os.path.abspath(path)
    folder = os.path.dirname(path)
    data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
    fd, temp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                                dir=folder)
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        try:
            os.chmod(temp, os.stat(path).st_mode & 0o7777)
        except OSError:
            os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def window_title(cwd: str, path: str | None, modified: bool) -> str:
    """``Dgenerate Console: <cwd>``, preceded by ``*name - `` / ``name - `` when a file is open
    (``*`` marks unsaved changes; an unnamed script shows ``*untitled - ``)."""
    title = f"{TITLE}: {cwd}"
    if path is None and not modified:
        return title
    name = os.path.basename(path) if path else "untitled"
    return f"{'*' if modified else ''}{name} - {title}"
