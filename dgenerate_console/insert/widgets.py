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
        ttk.Button(self.buttons, text="Insert", command=self.insert_and_close).pack(side="top")

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


def help_box(master: tk.Misc, height: int = 5) -> tk.Text:
    """A read-only, word-wrapped text box for help texts; fill it with :func:`set_help`."""
    box = tk.Text(master, height=height, wrap="word", relief="flat", borderwidth=4)
    box.configure(state="disabled")
    return box


def set_help(box: tk.Text, text: str) -> None:
    box.configure(state="normal")
    box.delete("1.0", "end")
    box.insert("1.0", text)
    box.configure(state="disabled")
