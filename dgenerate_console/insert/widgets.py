"""Shared Tk pieces of the insert dialogs: the dialog base class and a scrollable form."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable


class InsertDialog(tk.Toplevel):
    """A Toplevel transient to ``parent``; Escape closes it, ``insert_and_close`` inserts."""

    def __init__(self, parent: tk.Misc, title: str, insert: Callable[[str], None]) -> None:
        super().__init__(parent)
        self.title(title)
        self._insert = insert
        owner = parent.winfo_toplevel()
        self.transient(owner)
        self.geometry(f"+{owner.winfo_rootx() + 40}+{owner.winfo_rooty() + 40}")
        self.bind("<Escape>", lambda _e: self.close())
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.error_var = tk.StringVar(master=self)
        self.buttons = ttk.Frame(self)
        self.buttons.pack(side="bottom", fill="x", padx=6, pady=6)
        ttk.Label(self.buttons, textvariable=self.error_var, foreground="red",
                  wraplength=600).pack(side="top", fill="x")
        row = ttk.Frame(self.buttons)
        row.pack(side="top")
        self.ok_button = ttk.Button(row, text="OK", command=self.insert_and_close, default="active")
        self.ok_button.pack(side="left", padx=4)
        self.cancel_button = ttk.Button(row, text="Cancel", command=self.close)
        self.cancel_button.pack(side="left", padx=4)
        select_on_focus(self)

    def result_text(self) -> str:
        """The text ``insert_and_close`` inserts (subclasses)."""
        raise NotImplementedError

    def problems(self) -> list[str]:
        """Why the form cannot be inserted yet (subclasses; empty when fine)."""
        return []

    def insert_and_close(self) -> bool:
        """Insert the result and close; with bad fields, show why and stay open."""
        problems = self.problems()
        if problems:
            self.error_var.set("\n".join(problems))
            return False
        text = self.result_text()
        self.close()
        self._insert(text)
        return True

    def close(self) -> None:
        try:
            self.destroy()
        except tk.TclError:
            pass


class ScrollForm(ttk.Frame):
    """A vertically scrolling frame; put rows into ``.inner`` (a grid)."""

    def __init__(self, master: tk.Misc, height: int = 420, width: int = 720) -> None:
        super().__init__(master)
        self.canvas = tk.Canvas(self, highlightthickness=0, height=height, width=width)
        bar = ttk.Scrollbar(self, orient="vertical", command=self.canvas.yview)
        self.canvas.configure(yscrollcommand=bar.set)
        bar.pack(side="right", fill="y")
        self.canvas.pack(side="left", fill="both", expand=True)
        self.inner = ttk.Frame(self.canvas)
        self._window = self.canvas.create_window(0, 0, window=self.inner, anchor="nw")
        self.inner.bind("<Configure>", self._on_inner)
        self.canvas.bind("<Configure>", self._on_canvas)
        top = self.winfo_toplevel()
        for sequence, step in (("<Button-4>", -1), ("<Button-5>", 1), ("<MouseWheel>", 0)):
            top.bind(sequence, lambda e, s=step: self._scroll(e, s), add="+")

    def _on_inner(self, _event: tk.Event) -> None:
        self.canvas.configure(scrollregion=self.canvas.bbox("all"))

    def _on_canvas(self, event: tk.Event) -> None:
        self.canvas.itemconfigure(self._window, width=max(event.width,
                                                          self.inner.winfo_reqwidth()))

    def _scroll(self, event: tk.Event, step: int) -> None:
        """Scroll when the wheel turns over the form (not over a dropdown list or the help)."""
        if not str(event.widget).startswith(str(self)):
            return
        if step == 0:
            step = -1 if event.delta > 0 else 1
        self.canvas.yview_scroll(step, "units")

    def clear(self) -> None:
        for child in self.inner.winfo_children():
            child.destroy()
        self.canvas.yview_moveto(0)


MAX_HELP_LINES = 24


def select_on_focus(window: tk.Misc) -> None:
    """Entries and editable dropdowns of ``window`` select their text when focused by Tab or
    a click, so typing replaces it."""
    for cls in ("Entry", "TEntry", "TCombobox", "Spinbox", "TSpinbox"):
        window.bind_class(cls, "<FocusIn>", _select_all, add="+")


def _select_all(event: tk.Event) -> None:
    widget = event.widget
    try:
        if str(widget.cget("state")) in ("disabled",):
            return
        widget.selection_range(0, "end")
        widget.icursor("end")
    except (tk.TclError, AttributeError):
        pass


def help_box(master: tk.Misc, height: int = 5) -> tk.Text:
    """A read-only, word-wrapped text box for help texts; fill it with :func:`set_help`
    (it grows to show the whole text, up to MAX_HELP_LINES lines, then scrolls)."""
    box = tk.Text(master, height=height, wrap="word", relief="flat", borderwidth=4)
    box.configure(state="disabled")
    box._dg_min_height = height  # type: ignore[attr-defined]
    return box


def set_help(box: tk.Text, text: str) -> None:
    box.configure(state="normal")
    box.delete("1.0", "end")
    box.insert("1.0", text)
    box.configure(state="disabled")
    fit_help(box)


def fit_help(box: tk.Text) -> None:
    """Make ``box`` tall enough for all of its text (never clipped)."""
    try:
        box.update_idletasks()
        lines = box.count("1.0", "end", "displaylines")
        count = int(lines[0] if isinstance(lines, tuple) else lines or 1)
        if box.winfo_width() <= 1:  # not laid out yet: count wrapped lines by characters
            width = int(box.cget("width")) or 80
            count = sum(max(1, -(-len(line) // width)) for line in
                        box.get("1.0", "end-1c").split("\n"))
        minimum = getattr(box, "_dg_min_height", 1)
        box.configure(height=max(minimum, min(MAX_HELP_LINES, count)))
    except tk.TclError:
        pass
