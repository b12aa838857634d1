"""One handler for every exception raised in a Tk callback: the console keeps running.

``tk.Tk.report_callback_exception`` is where tkinter sends an exception raised by any
callback of any window of the application (menus, bindings, ``after`` jobs, dialogs). The
console replaces it with :class:`CallbackErrorHandler`, which ignores the known harmless Tcl
errors (nothing selected, nothing to undo, an empty clipboard) and writes every other error to
stderr (with its traceback) and to the output pane (one line), then lets the event loop go on.

It is not installed under pytest: there the default handler prints the traceback and the
tests install their own recorder, so a failing callback still fails the test loudly.
"""

from __future__ import annotations

import logging
import sys
import tkinter as tk
import traceback
from typing import Callable

__all__ = ["CallbackErrorHandler", "is_harmless", "install", "under_pytest"]

_log = logging.getLogger(__name__)

HARMLESS_TCL_ERRORS = (
    'characters tagged with "sel"',  # get / delete sel.first with nothing selected
    "nothing to undo", "nothing to redo",
    "selection doesn't exist",  # PRIMARY / CLIPBOARD empty when pasting
    "selection isn't in widget",
    'bad text index "sel',
)


def is_harmless(error: BaseException) -> bool:
    """True for the Tcl errors that only say "there was nothing to do"."""
    if not isinstance(error, tk.TclError):
        return False
    message = str(error)
    return any(part in message for part in HARMLESS_TCL_ERRORS)


def under_pytest() -> bool:
    """True while running inside pytest (the handler is then left out)."""
    return "pytest" in sys.modules


class CallbackErrorHandler:
    """Callable with the signature of ``report_callback_exception``: report and go on."""

    def __init__(self, write: Callable[[str], None] | None = None) -> None:
        self.write = write
        self.reported = 0  # errors reported (not counting the harmless ones)

    def __call__(self, exc_type, value, tb) -> None:
        if is_harmless(value):
            _log.debug("ignored harmless Tcl error: %s", value)
            return
        self.reported += 1
        try:
            sys.stderr.write("".join(traceback.format_exception(exc_type, value, tb)))
            sys.stderr.flush()
        except (OSError, ValueError, AttributeError):
            pass
        if self.write is None:
            return
        line = f"Console error (the console keeps running): {exc_type.__name__}: {value}"
        try:
            self.write(line.rstrip("\n") + "\n")
        except Exception:  # the output pane itself is broken: stderr already has it
            pass


def install(root: tk.Tk, write: Callable[[str], None] | None,
            enabled: bool | None = None) -> CallbackErrorHandler | None:
    """Install the handler on ``root`` (all its windows); by default not under pytest."""
    if enabled is None:
        enabled = not under_pytest()
    if not enabled:
        return None
    handler = CallbackErrorHandler(write)
    root.report_callback_exception = handler
    return handler
