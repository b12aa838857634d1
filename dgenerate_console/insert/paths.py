"""Insert Path: file (open / save) and directory dialogs starting in the shell's cwd; the chosen
path is quoted for the script language."""

from __future__ import annotations

import tkinter as tk
from tkinter import filedialog
from typing import Callable

from dgenerate_console.insert.quoting import quote_path

PATH_KINDS: dict[str, tuple[str, Callable[..., str]]] = {
    "open": ("File Path (Open)", filedialog.askopenfilename),
    "save": ("File Path (Save)", filedialog.asksaveasfilename),
    "dir": ("Directory Path", filedialog.askdirectory),
}


def ask_path(parent: tk.Misc, kind: str, cwd: Callable[[], str]) -> str | None:
    """Show the ``open`` / ``save`` / ``dir`` dialog; the chosen path, or None when cancelled."""
    title, ask = PATH_KINDS[kind]
    chosen = ask(parent=parent, title=title, initialdir=cwd())
    return chosen or None


def insert_path(parent: tk.Misc, kind: str, insert: Callable[[str], None],
                cwd: Callable[[], str]) -> str | None:
    """Ask for a path and insert it quoted; returns the inserted text (None when cancelled)."""
    chosen = ask_path(parent, kind, cwd)
    if chosen is None:
        return None
    text = quote_path(chosen)
    insert(text)
    return text
