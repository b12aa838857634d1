"""Command history: capped, no consecutive duplicates, Up/Down navigation with a kept draft, saved atomically."""

from __future__ import annotations

import json
import os
import sys
from typing import Callable

DEFAULT_MAX_HISTORY = 500
HISTORY_FILE = "console_history.json"


def config_dir() -> str:
    """``~/.dgenerate`` (``%USERPROFILE%\\.dgenerate`` on Windows)."""
    return os.path.join(os.path.expanduser("~"), ".dgenerate")


def history_path() -> str:
    return os.path.join(config_dir(), HISTORY_FILE)


def env_int(name: str, default: int, minimum: int, what: str,
            warn: Callable[[str], None] | None = None) -> int:
    """The integer in environment variable ``name``: ``default`` when unset; below ``minimum`` or
    not an integer → a warning (``what`` describes the allowed values) and ``default``."""
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = minimum - 1
    if value < minimum:
        (warn or _warn)(f"WARNING: {name}={raw!r} is not {what}, using {default}.")
        return default
    return value


def max_history(warn: Callable[[str], None] | None = None) -> int:
    """``DGENERATE_CONSOLE_MAX_HISTORY``: default 500, 0 disables, negative / not an int → warning + 500."""
    return env_int("DGENERATE_CONSOLE_MAX_HISTORY", DEFAULT_MAX_HISTORY, 0,
                   "a non-negative integer", warn)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def write_json_atomic(path: str, value) -> None:
    """Write ``value`` as JSON to a temp file beside ``path``, then ``os.replace`` it."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    temp = f"{path}.{os.getpid()}.tmp"
    with open(temp, "w", encoding="utf-8") as stream:
        json.dump(value, stream, indent=1, ensure_ascii=False)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(temp, path)


class History:
    """Entries oldest first; ``previous`` / ``next`` walk them, remembering the unsent draft."""

    def __init__(self, path: str | None = None, limit: int | None = None) -> None:
        self.path = path or history_path()
        self.limit = max_history() if limit is None else limit
        self.entries: list[str] = []
        self._pos: int | None = None  # index into entries while browsing, None at the draft
        self._draft = ""

    def load(self) -> "History":
        """Read the file (a JSON list of strings); a missing or broken file gives an empty history."""
        if self.limit == 0:
            return self
        try:
            with open(self.path, encoding="utf-8") as stream:
                data = json.load(stream)
        except FileNotFoundError:
            return self
        except (OSError, ValueError) as err:
            _warn(f"WARNING: could not read console history {self.path}: {err}")
            return self
        if isinstance(data, list):
            self.entries = [str(item) for item in data if isinstance(item, str) and item.strip()]
            self._cap()
        return self

    def add(self, text: str) -> None:
        """Append ``text`` (unless blank or equal to the last entry) and end browsing."""
        self.reset()
        if self.limit == 0 or not text.strip():
            return
        if self.entries and self.entries[-1] == text:
            return
        self.entries.append(text)
        self._cap()

    def save(self) -> None:
        """Write the history atomically (nothing when history is disabled)."""
        if self.limit == 0:
            return
        try:
            write_json_atomic(self.path, self.entries)
        except OSError as err:
            _warn(f"WARNING: could not save console history {self.path}: {err}")

    def previous(self, current: str) -> str | None:
        """The older entry (None at the oldest); ``current`` is kept as the draft on the first step."""
        if not self.entries:
            return None
        if self._pos is None:
            self._draft = current
            self._pos = len(self.entries)
        if self._pos == 0:
            return None
        self._pos -= 1
        return self.entries[self._pos]

    def next(self, current: str = "") -> str | None:
        """The newer entry, the draft after the newest, None when not browsing."""
        if self._pos is None:
            return None
        self._pos += 1
        if self._pos >= len(self.entries):
            self._pos = None
            return self._draft
        return self.entries[self._pos]

    def reset(self) -> None:
        """Stop browsing (the next ``previous`` starts from the newest entry)."""
        self._pos = None
        self._draft = ""

    def _cap(self) -> None:
        if self.limit and len(self.entries) > self.limit:
            del self.entries[:len(self.entries) - self.limit]
