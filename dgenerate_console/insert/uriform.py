"""The URI builder form: pick a name from a schema, fill its arguments, get ``name;key=value``.

A schema maps names to ``{"help": str, "args": [{"name", "type", "default", "optional",
"options", "help"?}], "concept"?: {"label", "options", "path"}}``; the same shape serves
schedulers, processors, prompt weighters / upscalers, quantizers and sub-models.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import filedialog, ttk
from typing import Any, Callable, Mapping

from dgenerate_console.insert.quoting import build_uri
from dgenerate_console.insert.widgets import InsertDialog, ScrollForm, help_box, set_help

Schema = Mapping[str, Mapping[str, Any]]


def default_text(default: Any) -> str:
    """How an argument's default shows in its entry (and what counts as 'left at default')."""
    if default is None:
        return ""
    if isinstance(default, bool):
        return "true" if default else "false"
    if isinstance(default, list):
        return ",".join(str(v) for v in default)
    return str(default)


def value_type(arg: Mapping[str, Any]) -> str:
    """The checkable type of an argument: ``int``, ``float``, ``bool`` or ``""`` (free text);
    ``"int | None"`` counts as ``int``, ``"int | str"`` as free text."""
    members = {t.strip() for t in str(arg.get("type", "")).split("|")} - {"None"}
    if members in ({"int"}, {"float"}, {"bool"}):
        return members.pop()
    return "float" if members == {"float", "int"} else ""


def check_arg(arg: Mapping[str, Any], text: str) -> str | None:
    """Why ``text`` is no value for ``arg`` (None when it is)."""
    kind = value_type(arg)
    if text.lower() == "none" and arg.get("optional") and arg.get("default") is None:
        return None
    try:
        if kind == "int":
            int(text)
        elif kind == "float":
            float(text)
        elif kind == "bool" and text.lower() not in ("true", "false"):
            raise ValueError
    except ValueError:
        return f'argument "{arg["name"]}": expected {arg.get("type")}, got {text!r}'
    return None


def build_schema_uri(entry: Mapping[str, Any], path: str, values: Mapping[str, str]) -> str:
    """``path;key=value`` with the arguments that differ from their defaults, in schema order."""
    args = {}
    for arg in entry.get("args", []):
        text = values.get(arg["name"], "").strip()
        if text and text != default_text(arg.get("default")):
            args[arg["name"]] = text
    return build_uri(path, args)


def schema_problems(entry: Mapping[str, Any], path: str, values: Mapping[str, str]) -> list[str]:
    """Missing required arguments and badly typed values."""
    problems = []
    if "concept" in entry and not path.strip():
        problems.append(f'{entry["concept"]["label"]}: a value is required')
    for arg in entry.get("args", []):
        text = values.get(arg["name"], "").strip()
        if not text:
            if not arg.get("optional", True) and arg.get("default") is None:
                problems.append(f'argument "{arg["name"]}" is required')
            continue
        problem = check_arg(arg, text)
        if problem:
            problems.append(problem)
    return problems


class UriBuilderDialog(InsertDialog):
    """A dropdown of schema names, the chosen one's help, and one field per argument."""

    def __init__(self, parent: tk.Misc, *, title: str, schemas: Schema,
                 insert: Callable[[str], None], quote: Callable[[str], str] = str,
                 initial: str | None = None, cwd: Callable[[], str] | None = None) -> None:
        super().__init__(parent, title, insert)
        self.schemas = schemas
        self._quote = quote
        self._cwd = cwd
        self._vars: dict[str, tk.StringVar] = {}
        self.concept_var = tk.StringVar(master=self)
        self.name_var = tk.StringVar(master=self)
        top = ttk.Frame(self)
        top.pack(side="top", fill="x", padx=6, pady=6)
        self.chooser = ttk.Combobox(top, textvariable=self.name_var, state="readonly",
                                    values=list(schemas), width=50)
        self.chooser.pack(side="top", fill="x")
        self.chooser.bind("<<ComboboxSelected>>", lambda _e: self._rebuild())
        self.help = help_box(self, height=4)
        self.help.pack(side="top", fill="x", padx=6)
        self.form = ScrollForm(self, height=360)
        self.form.pack(side="top", fill="both", expand=True, padx=6)
        names = list(schemas)
        if names:
            self.select(initial if initial in schemas else names[0])

    @property
    def name(self) -> str:
        return self.name_var.get()

    @property
    def entry(self) -> Mapping[str, Any]:
        return self.schemas[self.name]

    def select(self, name: str) -> None:
        """Choose the schema entry ``name`` and rebuild the argument fields."""
        if name not in self.schemas:
            raise KeyError(name)
        self.name_var.set(name)
        self._rebuild()

    def arg_names(self) -> list[str]:
        return [arg["name"] for arg in self.entry.get("args", [])]

    def set_arg(self, name: str, value: str) -> None:
        self._vars[name].set(value)

    def get_arg(self, name: str) -> str:
        return self._vars[name].get()

    def set_concept(self, value: str) -> None:
        """Set the class / model path of a sub-model URI."""
        self.concept_var.set(value)

    def values(self) -> dict[str, str]:
        return {name: var.get() for name, var in self._vars.items()}

    def path(self) -> str:
        return self.concept_var.get().strip() if "concept" in self.entry else self.name

    def uri_text(self) -> str:
        """The URI as the form stands (unquoted for the script language)."""
        return build_schema_uri(self.entry, self.path(), self.values())

    def problems(self) -> list[str]:
        return schema_problems(self.entry, self.path(), self.values())

    def result_text(self) -> str:
        return self._quote(self.uri_text())

    def _rebuild(self) -> None:
        entry = self.entry
        set_help(self.help, entry.get("help", ""))
        self.form.clear()
        self._vars = {}
        self.error_var.set("")
        row = 0
        if "concept" in entry:
            self._concept_row(entry["concept"])
            row = 1
        for arg in entry.get("args", []):
            self._arg_row(row, arg)
            row += 1
        self.form.inner.columnconfigure(1, weight=1)

    def _concept_row(self, concept: Mapping[str, Any]) -> None:
        inner = self.form.inner
        ttk.Label(inner, text=concept["label"]).grid(row=0, column=0, sticky="e", padx=4, pady=2)
        options = concept.get("options")
        if options:
            self.concept_var.set(options[0])
            widget = ttk.Combobox(inner, textvariable=self.concept_var, values=options,
                                  state="readonly")
        else:
            self.concept_var.set("")
            widget = ttk.Entry(inner, textvariable=self.concept_var)
        widget.grid(row=0, column=1, sticky="ew", pady=2)
        if concept.get("path"):
            buttons = ttk.Frame(inner)
            buttons.grid(row=0, column=2, sticky="w")
            ttk.Button(buttons, text="File", command=lambda: self._browse(False)).pack(side="left")
            ttk.Button(buttons, text="Directory",
                       command=lambda: self._browse(True)).pack(side="left")

    def _browse(self, directory: bool) -> None:
        start = self._cwd() if self._cwd else None
        if directory:
            chosen = filedialog.askdirectory(parent=self, initialdir=start)
        else:
            chosen = filedialog.askopenfilename(parent=self, initialdir=start)
        if chosen:
            self.concept_var.set(chosen)

    def _arg_row(self, row: int, arg: Mapping[str, Any]) -> None:
        inner = self.form.inner
        optional = arg.get("optional", True) or arg.get("default") is not None
        label = f"{'(Optional) ' if optional else ''}{arg['name']} ({arg.get('type', 'str')})"
        ttk.Label(inner, text=label).grid(row=row, column=0, sticky="e", padx=4, pady=2)
        var = tk.StringVar(master=self, value=default_text(arg.get("default")))
        self._vars[arg["name"]] = var
        options = arg.get("options")
        if value_type(arg) == "bool" and not options:
            options = ["true", "false"]
        if options:
            values = [str(v) for v in options]
            if arg.get("default") is None:
                values = [""] + values
            widget: tk.Widget = ttk.Combobox(inner, textvariable=var, values=values,
                                             state="readonly")
        else:
            widget = ttk.Entry(inner, textvariable=var)
        widget.grid(row=row, column=1, sticky="ew", pady=2)
        if arg.get("help"):
            ttk.Label(inner, text=arg["help"], wraplength=260, foreground="gray30").grid(
                row=row, column=2, sticky="w", padx=4)
