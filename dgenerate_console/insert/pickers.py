"""Insert Argument / Directive / Function: a dropdown of names with each one's help text."""

from __future__ import annotations

import tkinter as tk
from dataclasses import dataclass
from tkinter import ttk
from typing import Callable

from dgenerate_console.insert.widgets import InsertDialog, help_box, set_help


@dataclass(frozen=True)
class PickItem:
    """One choice: the name shown, its help, and the text inserted."""

    name: str
    help: str
    text: str


def argument_items() -> list[PickItem]:
    """Every option of the table except the positional model path; inserts ``--name``."""
    from dgenerate_core.options import OPTIONS

    items = []
    for spec in OPTIONS:
        if spec.positional:
            continue
        usage = spec.display + (f" {spec.metavar}" if spec.takes_value and spec.metavar else "")
        default = "" if spec.default in (None, [], False) else f"\n\nDefault: {spec.default}"
        items.append(PickItem(spec.long, f"{usage}\n\n{spec.help}{default}", spec.long))
    return items


def directive_items() -> list[PickItem]:
    """Every registered config directive (built-in and plugin); inserts ``\\name``."""
    from dgenerate_core.script import registry

    registry.ensure_loaded()
    return [PickItem(f"\\{name}", d.help, f"\\{name}")
            for name, d in sorted(registry.DIRECTIVES.items())]


def function_items() -> list[PickItem]:
    """Every template function (dgenerate's first, then the Python builtins); inserts ``name()``."""
    from dgenerate_core.script import registry

    registry.ensure_loaded()
    ordered = sorted(registry.FUNCTIONS.items(), key=lambda kv: (kv[1].python, kv[0]))
    return [PickItem(name, f.help, f"{name}()") for name, f in ordered]


PICKERS: dict[str, tuple[str, Callable[[], list[PickItem]]]] = {
    "argument": ("Insert Argument", argument_items),
    "directive": ("Insert Directive", directive_items),
    "function": ("Insert Function", function_items),
}


class PickerDialog(InsertDialog):
    """A read-only dropdown of names; the help of the chosen one shows below it."""

    def __init__(self, parent: tk.Misc, *, title: str, items: list[PickItem],
                 insert: Callable[[str], None]) -> None:
        super().__init__(parent, title, insert)
        self.items = {item.name: item for item in items}
        self.name_var = tk.StringVar(master=self)
        self.chooser = ttk.Combobox(self, textvariable=self.name_var, state="readonly",
                                    values=list(self.items), width=60)
        self.chooser.pack(side="top", fill="x", padx=6, pady=6)
        self.chooser.bind("<<ComboboxSelected>>", lambda _e: self._show())
        self.bind("<Return>", lambda _e: self.insert_and_close())
        self.help = help_box(self, height=14)
        self.help.configure(width=80)
        self.help.pack(side="top", fill="both", expand=True, padx=6)
        if items:
            self.select(items[0].name)

    def select(self, name: str) -> None:
        if name not in self.items:
            raise KeyError(name)
        self.name_var.set(name)
        self._show()

    def help_text(self) -> str:
        return self.help.get("1.0", "end-1c")

    def _show(self) -> None:
        set_help(self.help, self.items[self.name_var.get()].help)

    def result_text(self) -> str:
        return self.items[self.name_var.get()].text


def open_picker(parent: tk.Misc, kind: str, insert: Callable[[str], None]) -> PickerDialog:
    """Open the ``argument``, ``directive`` or ``function`` picker."""
    title, items = PICKERS[kind]
    return PickerDialog(parent, title=title, items=items(), insert=insert)
