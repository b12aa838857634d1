"""Watch every change of a ``tk.Text``: its Tcl command is wrapped so that each ``insert``,
``delete`` and ``replace`` (typing, pasting, undo and redo included) reports which lines
changed, before any ``<<Modified>>`` handling and without polling."""

from __future__ import annotations

import tkinter as tk
from typing import Callable

__all__ = ["TextChangeProxy", "ChangeListener"]

# listener(first_line, removed_newlines, inserted_newlines): lines are 1-based
ChangeListener = Callable[[int, int, int], None]


class TextChangeProxy:
    """Renames the widget's Tcl command and forwards every call, reporting edits."""

    def __init__(self, text: tk.Text) -> None:
        self.text = text
        self.listeners: list[ChangeListener] = []
        self._orig = text._w + "_dgorig"
        text.tk.call("rename", text._w, self._orig)
        text.tk.createcommand(text._w, self._dispatch)
        if text._tclCommands is None:  # let tkinter delete the proxy command on destroy
            text._tclCommands = []
        text._tclCommands.append(text._w)

    @property
    def original(self) -> str:
        """The Tcl name of the unwrapped widget command (fast calls that change nothing)."""
        return self._orig

    def add_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(first_line, removed_newlines, inserted_newlines)`` after each edit."""
        self.listeners.append(listener)

    def _line(self, index: str) -> int:
        line = int(str(self.text.tk.call(self._orig, "index", index)).split(".")[0])
        last = int(str(self.text.tk.call(self._orig, "index", "end-1c")).split(".")[0])
        return min(line, last)

    def _lines(self) -> int:
        return int(str(self.text.tk.call(self._orig, "index", "end-1c")).split(".")[0])

    def _dispatch(self, *args: str):
        cmd = args[0] if args else ""
        if cmd not in ("insert", "delete", "replace") or len(args) < 2:
            return self.text.tk.call((self._orig,) + args)
        if str(self.text.cget("state")) == "disabled":
            return self.text.tk.call((self._orig,) + args)
        first = self._line(args[1])
        before = self._lines()
        result = self.text.tk.call((self._orig,) + args)
        after = self._lines()
        inserted = _inserted_text(cmd, args).count("\n")
        removed = inserted - (after - before)
        for listener in list(self.listeners):
            listener(first, max(0, removed), inserted)
        return result


def _inserted_text(cmd: str, args: tuple[str, ...]) -> str:
    """The characters an insert/replace call adds (its chars arguments, skipping tag lists)."""
    if cmd == "insert":
        chunks = args[2::2]
    elif cmd == "replace":
        chunks = args[3::2]
    else:
        return ""
    return "".join(str(c) for c in chunks)
