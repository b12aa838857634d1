"""One form row per recipe field kind: a label, an entry / dropdown / checkbox, and buttons
(File, Directory, Build URI, Random) that fill the entry."""

from __future__ import annotations

import random
import tkinter as tk
from tkinter import filedialog, ttk
from typing import Callable

from dgenerate_console.insert.recipes import Field
from dgenerate_console.insert.resources import load_schema

DEVICES: tuple[str, ...] = ("cpu", "cuda", "cuda:0", "cuda:1", "mps", "xpu")
# field kind → URI dialog kind of the "Build URI" button
URI_BUTTONS: dict[str, str] = {
    "karrasscheduler": "scheduler", "imageprocessor": "image-processor",
    "latentsprocessor": "latents-processor", "promptupscaler": "prompt-upscaler",
    "promptweighter": "prompt-weighter", "quantizer": "quantizer", "submodel": "submodel",
}


class FieldRow:
    """The widgets of one field in row ``row`` of ``grid``; ``get``/``set`` the entry text."""

    def __init__(self, grid: ttk.Frame, row: int, fld: Field, *,
                 cwd: Callable[[], str], on_focus: Callable[["FieldRow"], None]) -> None:
        self.field = fld
        self._cwd = cwd
        self.var = tk.StringVar(master=grid, value=fld.default_text)
        self.label = ttk.Label(grid, text=fld.display_label.replace(" | ", " |\n"),
                               justify="right", wraplength=300)
        self.label.grid(row=row, column=0, sticky="e", padx=4, pady=2)
        self.widget = self._make_widget(grid)
        self.widget.grid(row=row, column=1, sticky="ew", pady=2)
        self.buttons = ttk.Frame(grid)
        self.buttons.grid(row=row, column=2, sticky="w")
        self._add_buttons()
        for widget in (self.label, self.widget):
            widget.bind("<FocusIn>", lambda _e: on_focus(self), add="+")
            widget.bind("<Enter>", lambda _e: on_focus(self), add="+")

    def get(self) -> str:
        return self.var.get()

    def set(self, value: str) -> None:
        self.var.set(value)

    def _make_widget(self, grid: ttk.Frame) -> tk.Widget:
        fld = self.field
        if fld.kind == "switch":
            self.var.set("true" if fld.default_text else "")
            return ttk.Checkbutton(grid, variable=self.var, onvalue="true", offvalue="")
        if fld.kind == "switchradio":
            return self._radio(grid)
        if fld.kind in ("dropdown", "imageformat"):
            values = ([""] if fld.optional else []) + list(fld.options or self._formats())
            return ttk.Combobox(grid, textvariable=self.var, values=values, state="readonly")
        if fld.kind == "device":
            return ttk.Combobox(grid, textvariable=self.var, values=("",) + DEVICES)
        if fld.kind == "karrasscheduler":
            names = list(load_schema("schedulers"))
            return ttk.Combobox(grid, textvariable=self.var, values=[""] + names)
        if fld.kind == "int":
            return ttk.Spinbox(grid, textvariable=self.var, from_=-(2 ** 31), to=2 ** 31,
                               increment=1)
        return ttk.Entry(grid, textvariable=self.var, width=34)

    def _radio(self, grid: ttk.Frame) -> ttk.Frame:
        frame = ttk.Frame(grid)
        for text, value in [("none", "")] + [(o, o) for o in self.field.options]:
            ttk.Radiobutton(frame, text=text, value=value, variable=self.var).pack(
                side="top", anchor="w")
        return frame

    def set_enabled(self, enabled: bool) -> None:
        """Grey the row out (a dependent field whose switch is off) or enable it again."""
        state = ["!disabled"] if enabled else ["disabled"]
        for widget in [self.widget, *self.widget.winfo_children(),
                       *self.buttons.winfo_children()]:
            if isinstance(widget, ttk.Widget):
                widget.state(state)

    def enabled(self) -> bool:
        return not self.widget.instate(["disabled"]) if isinstance(self.widget, ttk.Widget) \
            else True

    @staticmethod
    def _formats() -> tuple[str, ...]:
        from dgenerate_core.options.values import IMAGE_FORMATS

        return IMAGE_FORMATS

    def _button(self, text: str, command: Callable[[], None]) -> None:
        ttk.Button(self.buttons, text=text, command=command).pack(side="left", padx=1)

    def _add_buttons(self) -> None:
        kind = self.field.kind
        if kind in ("file", "uri", "submodel"):
            self._button("File", self.browse_file)
        if kind in ("dir", "uri", "submodel"):
            self._button("Directory", self.browse_dir)
        if kind in URI_BUTTONS:
            self._button("Build URI", self.build_uri)
        if kind == "imageseed":
            self._button("Build URI", self.build_image_seed)
        if kind == "seeds":
            self._button("Random", self.random_seed)

    def browse_file(self) -> None:
        ask = filedialog.asksaveasfilename if self.field.mode == "save" else \
            filedialog.askopenfilename
        options = {"filetypes": list(self.field.filetypes) + [("All files", "*")]} \
            if self.field.filetypes else {}
        chosen = ask(parent=self.widget, initialdir=self._cwd(), **options)
        if chosen:
            self.set(chosen)

    def browse_dir(self) -> None:
        chosen = filedialog.askdirectory(parent=self.widget, initialdir=self._cwd())
        if chosen:
            self.set(chosen)

    def random_seed(self) -> None:
        current = self.get().strip()
        seed = str(random.randint(0, 2 ** 32 - 1))
        self.set(f"{current} {seed}" if current else seed)

    def build_uri(self) -> tk.Toplevel:
        """Open the URI builder behind this field; its result replaces the entry text."""
        from dgenerate_console.insert.uris import open_uri_dialog, submodel_key

        kind = URI_BUTTONS[self.field.kind]
        initial = self.get().split(";", 1)[0].strip() or None
        if kind == "submodel" and self.field.option is not None:
            initial = submodel_key(self.field.option.long)
        return open_uri_dialog(self.widget, kind, self.set, quote=str, initial=initial,
                               cwd=self._cwd)

    def build_image_seed(self) -> tk.Toplevel:
        from dgenerate_console.insert.imageseed import ImageSeedDialog

        return ImageSeedDialog(self.widget, self.set, quote=str, cwd=self._cwd)
