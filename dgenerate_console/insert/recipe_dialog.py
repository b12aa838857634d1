"""The "Insert Recipe" dialog: a dropdown of recipes and the chosen one's generated form."""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk
from typing import Callable

from dgenerate_console.insert.fieldwidgets import FieldRow
from dgenerate_console.insert.recipes import Recipe, load_recipes
from dgenerate_console.insert.widgets import InsertDialog, ScrollForm, help_box, set_help


HINT = ("Point at a field to see its help. Fields left empty add nothing to the command; "
        "(Optional) marks the fields that may stay empty.")


class RecipeDialog(InsertDialog):
    """Pick a recipe by title, fill its fields, insert the command it renders."""

    def __init__(self, parent: tk.Misc, insert: Callable[[str], None], cwd: Callable[[], str],
                 recipes: list[Recipe] | None = None) -> None:
        super().__init__(parent, "Insert Recipe", insert)
        self._cwd = cwd
        self.recipes = {r.title: r for r in (recipes if recipes is not None else load_recipes())}
        self.rows: list[FieldRow] = []
        self.title_var = tk.StringVar(master=self)
        self.chooser = ttk.Combobox(self, textvariable=self.title_var, state="readonly",
                                    values=list(self.recipes), width=60)
        self.chooser.pack(side="top", fill="x", padx=6, pady=6)
        self.chooser.bind("<<ComboboxSelected>>", lambda _e: self._build())
        self.form = ScrollForm(self, height=480, width=940)
        self.form.pack(side="top", fill="both", expand=True, padx=6)
        self.help = help_box(self, height=3)
        self.help.pack(side="top", fill="x", padx=6, pady=(4, 0))
        if self.recipes:
            self.select_recipe(next(iter(self.recipes)))

    @property
    def recipe(self) -> Recipe:
        return self.recipes[self.title_var.get()]

    def recipe_titles(self) -> list[str]:
        return list(self.recipes)

    def select_recipe(self, title: str) -> None:
        """Show the form of the recipe titled ``title``."""
        if title not in self.recipes:
            raise KeyError(title)
        self.title_var.set(title)
        self._build()

    def field_labels(self) -> list[str]:
        """The labels of the current form's fields (option names where a field has one)."""
        return [row.field.label for row in self.rows]

    def _row(self, label: str) -> FieldRow:
        for row in self.rows:
            if label in (row.field.label, row.field.display_label):
                return row
        raise KeyError(label)

    def set_field(self, label: str, value: str | bool) -> None:
        """Set the field labelled ``label`` (``--inference-steps`` or its shown label)."""
        if isinstance(value, bool):
            value = "true" if value else ""
        self._row(label).set(value)

    def get_field(self, label: str) -> str:
        return self._row(label).get()

    def field_row(self, label: str) -> FieldRow:
        return self._row(label)

    def values(self) -> dict[int, str]:
        return {i: row.get() for i, row in enumerate(self.rows)}

    def command_text(self) -> str:
        """The command the form renders now."""
        return self.recipe.render(self.values())

    def problems(self) -> list[str]:
        return self.recipe.validate(self.values())

    def result_text(self) -> str:
        return self.command_text()

    def _build(self) -> None:
        self.form.clear()
        self.error_var.set("")
        set_help(self.help, HINT)
        grid = self.form.inner
        self.rows = [FieldRow(grid, i, fld, cwd=self._cwd, on_focus=self._show_help)
                     for i, fld in enumerate(self.recipe.fields)]
        grid.columnconfigure(1, weight=1)
        controls = {fld.depends for fld in self.recipe.fields if fld.depends is not None}
        controls |= {fld.yields_to for fld in self.recipe.fields if fld.yields_to is not None}
        for index in controls:
            self.rows[index].var.trace_add("write", lambda *_a: self._refresh_states())
        self._refresh_states()

    def _refresh_states(self) -> None:
        """Enable the fields whose switch is on (or whose URI is given), grey out the rest."""
        values = self.values()
        for index, row in enumerate(self.rows):
            if row.field.depends is not None or row.field.yields_to is not None:
                row.set_enabled(self.recipe.active(index, values))

    def _show_help(self, row: FieldRow) -> None:
        set_help(self.help, row.field.help_text or HINT)


def open_recipe_dialog(parent: tk.Misc, insert: Callable[[str], None],
                       cwd: Callable[[], str]) -> RecipeDialog:
    """Open the Insert Recipe dialog (inserted text goes through ``insert``)."""
    return RecipeDialog(parent, insert, cwd)
