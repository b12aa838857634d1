"""Files handed to the console by the desktop: the macOS Finder's ``::tk::mac::OpenDocument``
(a double-clicked ``.dgen``, or files dropped on the Dock icon; on macOS they never arrive in
``argv``), and the ``--run FILE`` command line of the "Run" verb (Windows, Linux).
"""

from __future__ import annotations

import os
from typing import Callable, Sequence

OPEN_DOCUMENT = "::tk::mac::OpenDocument"


def open_documents(app, paths: Sequence[str], spawn: Callable[[str], object] | None = None) -> list[str]:
    """Open ``paths``: the first into this window when it holds nothing worth keeping (no file, an
    empty input pane), every other one in a new console window. Returns the files opened."""
    spawn = app.new_window if spawn is None else spawn
    files = [os.path.abspath(p) for p in paths if os.path.isfile(p)]
    if files and app.current_file is None and not app.editor.get_text().strip():
        app.load_file(files[0])
        files_here, files = files[:1], files[1:]
    else:
        files_here = []
    for path in files:
        spawn(path)
    return files_here + files


def install_open_document(root, app) -> None:
    """Register the OpenDocument handler (only macOS Tk calls it; defined everywhere so it is
    the same code on every platform, and testable)."""
    root.createcommand(OPEN_DOCUMENT, lambda *paths: open_documents(app, paths))


def split_run_flag(args: list[str]) -> tuple[bool, list[str]]:
    """``--run FILE ...`` → ``(True, [FILE, ...])``; macOS process serial numbers (``-psn_...``,
    added by old Finders) are dropped."""
    args = [a for a in args if not a.startswith("-psn_")]
    if args and args[0] == "--run":
        return True, args[1:]
    return False, args
