"""Watch every change of a ``tk.Text``: its Tcl command is wrapped so that each ``insert``,
``delete`` and ``replace`` (typing, pasting, undo and redo included) reports which lines
changed, before any ``<<Modified>>`` handling and without polling.

The wrapper is a Tcl procedure, not a Python function: every call (``get sel.first`` with
nothing selected, ``edit undo`` with nothing to undo ...) runs the original widget command in
Tcl, so an error stays a plain Tcl error for whoever called it. Python is reached only after a
successful edit, through a callback registered with ``register`` (whose exceptions go to the
root's ``report_callback_exception``). A Python function standing in for the widget command
would record every Tcl error it passes on and make ``mainloop`` re-raise it later, closing the
window: the bug this design avoids.
"""

from __future__ import annotations

import tkinter as tk
from typing import Callable

__all__ = ["TextChangeProxy", "ChangeListener"]

# listener(first_line, removed_newlines, inserted_newlines): lines are 1-based
ChangeListener = Callable[[int, int, int], None]

_PROC = r"""
proc %(name)s {args} {
    set op [lindex $args 0]
    if {[llength $args] < 2 || $op ni {insert delete replace}
            || [%(orig)s cget -state] eq "disabled"} {
        return [uplevel 1 [list %(orig)s {*}$args]]
    }
    set before [lindex [split [%(orig)s index end-1c] .] 0]
    set first [lindex [split [%(orig)s index [lindex $args 1]] .] 0]
    if {$first > $before} {set first $before}
    set result [uplevel 1 [list %(orig)s {*}$args]]
    set after [lindex [split [%(orig)s index end-1c] .] 0]
    set inserted 0
    if {$op eq "insert"} {
        foreach {chars tags} [lrange $args 2 end] {incr inserted [regexp -all {\n} $chars]}
    } elseif {$op eq "replace"} {
        foreach {chars tags} [lrange $args 3 end] {incr inserted [regexp -all {\n} $chars]}
    }
    %(callback)s $first [expr {$inserted - ($after - $before)}] $inserted
    return $result
}
"""


class TextChangeProxy:
    """Renames the widget's Tcl command and puts a Tcl procedure in its place, reporting edits."""

    def __init__(self, text: tk.Text) -> None:
        self.text = text
        self.listeners: list[ChangeListener] = []
        self._orig = text._w + "_dgorig"
        callback = text.register(self._changed)
        text.tk.call("rename", text._w, self._orig)
        text.tk.eval(_PROC % {"name": text._w, "orig": self._orig, "callback": callback})
        if text._tclCommands is None:  # let tkinter delete the procedure on destroy
            text._tclCommands = []
        text._tclCommands.append(text._w)

    @property
    def original(self) -> str:
        """The Tcl name of the unwrapped widget command (fast calls that change nothing)."""
        return self._orig

    def add_listener(self, listener: ChangeListener) -> None:
        """Call ``listener(first_line, removed_newlines, inserted_newlines)`` after each edit."""
        self.listeners.append(listener)

    def _changed(self, first: str, removed: str, inserted: str) -> None:
        first_line, gone, added = int(first), max(0, int(removed)), int(inserted)
        for listener in list(self.listeners):
            listener(first_line, gone, added)
