"""Console settings in ``~/.dgenerate/console_settings.json``, and the migration of the old dot files."""

from __future__ import annotations

import json
import os
import shutil
import sys

from dgenerate_console.history import config_dir, history_path, write_json_atomic

SETTINGS_FILE = "console_settings.json"
OLD_SETTINGS = ".dgenerate_console_settings"
OLD_HISTORY = ".dgenerate_console_history"
IMAGE_MODES = ("pane", "window", "none")

DEFAULTS: dict = {
    "theme": "dgenerate",
    "auto_scroll_on_run": True,
    "auto_scroll_on_output": False,
    "word_wrap_input": True,
    "word_wrap_output": True,
    "image_mode": "pane",
}


def settings_path() -> str:
    return os.path.join(config_dir(), SETTINGS_FILE)


def _warn(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _valid(key: str, value) -> bool:
    default = DEFAULTS[key]
    if key == "image_mode":
        return value in IMAGE_MODES
    return isinstance(value, type(default))


class Settings:
    """A dict-like set of known keys with defaults; unknown keys in the file are kept as they are."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or settings_path()
        self.values: dict = dict(DEFAULTS)

    def __getitem__(self, key: str):
        return self.values[key]

    def __setitem__(self, key: str, value) -> None:
        self.values[key] = value

    def load(self) -> "Settings":
        """Read the file; a corrupt one is kept as ``.bak`` and the defaults are used, with a warning."""
        try:
            with open(self.path, encoding="utf-8") as stream:
                data = json.load(stream)
            if not isinstance(data, dict):
                raise ValueError("not a JSON object")
        except FileNotFoundError:
            return self
        except (OSError, ValueError) as err:
            backup = self.path + ".bak"
            try:
                shutil.copyfile(self.path, backup)
            except OSError:
                backup = "(no backup could be written)"
            _warn(f"WARNING: console settings {self.path} are unreadable ({err}); using defaults, "
                  f"the old file is kept as {backup}")
            return self
        self.update(data)
        return self

    def update(self, data: dict) -> None:
        """Take the known keys with values of the right type; others are kept unchanged."""
        for key, value in data.items():
            if key not in DEFAULTS:
                self.values[key] = value
            elif _valid(key, value):
                self.values[key] = value

    def save(self) -> bool:
        """Write atomically; False (with a warning) when it fails."""
        try:
            write_json_atomic(self.path, self.values)
        except OSError as err:
            _warn(f"WARNING: could not save console settings {self.path}: {err}")
            return False
        return True


def migrate_old_files(home: str | None = None) -> list[str]:
    """Move ``~/.dgenerate_console_settings`` / ``_history`` to the new JSON files; returns notices.

    An old file is removed only after the new file was written; an existing new file wins over
    old settings (old keys fill only what the new file lacks) and an existing new history is kept.
    """
    home = home or os.path.expanduser("~")
    notices = []
    old_settings = os.path.join(home, OLD_SETTINGS)
    if os.path.isfile(old_settings):
        data = _read_json(old_settings)
        if isinstance(data, dict):
            settings = Settings()
            settings.update(data)
            settings.load()  # the current file, when it exists, overrides the old values
            if settings.save():
                os.remove(old_settings)
                notices.append(f"Migrated console settings {old_settings} to {settings.path}")
    old_history = os.path.join(home, OLD_HISTORY)
    if os.path.isfile(old_history):
        entries = _read_old_history(old_history)
        target = history_path()
        try:
            if not os.path.exists(target):
                write_json_atomic(target, entries)
            os.remove(old_history)
            notices.append(f"Migrated console history {old_history} to {target}")
        except OSError as err:
            _warn(f"WARNING: could not migrate console history {old_history}: {err}")
    for notice in notices:
        _warn(notice)
    return notices


def _read_json(path: str):
    try:
        with open(path, encoding="utf-8") as stream:
            return json.load(stream)
    except (OSError, ValueError) as err:
        _warn(f"WARNING: could not read old console file {path}: {err}")
        return None


def _read_old_history(path: str) -> list[str]:
    """A JSON list of strings, or else one entry per non-empty line."""
    try:
        with open(path, encoding="utf-8", errors="replace") as stream:
            raw = stream.read()
    except OSError:
        return []
    try:
        data = json.loads(raw)
    except ValueError:
        return [line for line in raw.splitlines() if line.strip()]
    return [item for item in data if isinstance(item, str)] if isinstance(data, list) else []
