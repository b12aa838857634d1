"""The Image Seed URI builder: image / mask / control / adapter / floyd / latents paths plus
resize / align / aspect / frame-start / frame-end, written in the keyword grammar (usage.md §3.4)."""

from __future__ import annotations

import re
import tkinter as tk
from tkinter import filedialog, ttk
from typing import Callable, Mapping

from dgenerate_core.errors import DgenerateError
from dgenerate_core.uri import quote_value
from dgenerate_console.insert.quoting import quote_token
from dgenerate_console.insert.widgets import InsertDialog, ScrollForm

# (key, label, is a path list, help)
SEED_FIELDS: tuple[tuple[str, str, bool, str], ...] = (
    ("image", "Image(s)", True, "img2img / inpaint image, or comma separated control images "
                                "when there is nothing else; images: a, b batches them."),
    ("mask", "Mask", True, "Inpaint mask (one per image with images:)."),
    ("control", "Control", True, "ControlNet / T2I adapter guidance images, comma separated."),
    ("adapter", "Adapter", True, "IP adapter images: a + b for one adapter, commas between adapters."),
    ("floyd", "Floyd", True, "The previous Deep Floyd stage's output image."),
    ("latents", "Latents", True, "Raw latents tensor files (.pt, .pth, .safetensors)."),
    ("resize", "Resize", False, "WIDTHxHEIGHT or WIDTH, divisible by 8."),
    ("align", "Align", False, "Align every image to this many pixels (a multiple of 8)."),
    ("aspect", "Aspect", False, "Keep the aspect ratio when resizing (overrides --no-aspect)."),
    ("frame-start", "Frame Start", False, "First frame of an animated input (inclusive)."),
    ("frame-end", "Frame End", False, "Last frame of an animated input (inclusive)."),
)
_PREFIX = re.compile(r"^(images|adapter|latents)\s*:", re.IGNORECASE)


def _path_list(text: str) -> str:
    """Comma list of paths, each item quoted when it needs it (commas stay separators)."""
    prefix = _PREFIX.match(text.strip())
    head = ""
    if prefix:
        head, text = prefix.group(0) + " ", text.strip()[prefix.end():]
    return head + ", ".join(quote_value(p.strip()) for p in text.split(",") if p.strip())


def build_image_seed_uri(values: Mapping[str, str]) -> str:
    """The ``--image-seeds`` value for the form values (keys of ``SEED_FIELDS``); ``""`` if empty."""
    vals = {k: (values.get(k) or "").strip() for k, *_ in SEED_FIELDS}
    consumed = set()
    if vals["image"]:
        main, consumed = _path_list(vals["image"]), {"image"}
    elif vals["adapter"]:
        main, consumed = "adapter: " + vals["adapter"], {"adapter"}
    elif vals["latents"]:
        main, consumed = "latents: " + _path_list(vals["latents"]), {"latents"}
    elif vals["control"]:
        main, consumed = _path_list(vals["control"]), {"control"}
    else:
        return ""
    parts = [main]
    for key, _label, is_path, _help in SEED_FIELDS[1:]:
        if key in consumed or not vals[key]:
            continue
        value = vals[key] if key == "adapter" else (
            _path_list(vals[key]) if is_path else vals[key])
        parts.append(f"{key}={value}")
    return ";".join(parts)


def image_seed_problems(uri: str) -> list[str]:
    """What the image seed parser says about ``uri`` (paths are not checked on disk)."""
    if not uri:
        return ["give at least an image, control, adapter or latents path"]
    from dgenerate_core.seeds.parse import parse_image_seed

    try:
        parse_image_seed(uri, exists=lambda _p: True, control_models=1)
    except DgenerateError as ex:
        return [str(ex)]
    return []


class ImageSeedDialog(InsertDialog):
    """A form of the image seed keys; inserts the URI quoted for the script language."""

    def __init__(self, parent: tk.Misc, insert: Callable[[str], None], *,
                 quote: Callable[[str], str] = quote_token,
                 cwd: Callable[[], str] | None = None) -> None:
        super().__init__(parent, "Insert Image Seed URI", insert)
        self._quote = quote
        self._cwd = cwd
        self.vars: dict[str, tk.StringVar] = {}
        form = ScrollForm(self, height=330)
        form.pack(side="top", fill="both", expand=True, padx=6, pady=6)
        for row, (key, label, is_path, help_text) in enumerate(SEED_FIELDS):
            self._row(form.inner, row, key, label, is_path, help_text)
        form.inner.columnconfigure(1, weight=1)

    def _row(self, inner: ttk.Frame, row: int, key: str, label: str, is_path: bool,
             help_text: str) -> None:
        ttk.Label(inner, text=label).grid(row=row, column=0, sticky="e", padx=4, pady=2)
        var = tk.StringVar(master=self)
        self.vars[key] = var
        if key == "aspect":
            widget: tk.Widget = ttk.Combobox(inner, textvariable=var, state="readonly",
                                             values=["", "true", "false"])
        else:
            widget = ttk.Entry(inner, textvariable=var, width=44)
        widget.grid(row=row, column=1, sticky="ew", pady=2)
        if is_path:
            ttk.Button(inner, text="File", command=lambda: self._browse(key)).grid(
                row=row, column=2, padx=2)
        ttk.Label(inner, text=help_text, wraplength=260, foreground="gray30").grid(
            row=row, column=3, sticky="w", padx=4)

    def _browse(self, key: str) -> None:
        chosen = filedialog.askopenfilename(parent=self,
                                            initialdir=self._cwd() if self._cwd else None)
        if chosen:
            current = self.vars[key].get().strip()
            self.vars[key].set(f"{current}, {chosen}" if current else chosen)

    def set_field(self, key: str, value: str) -> None:
        self.vars[key].set(value)

    def uri_text(self) -> str:
        return build_image_seed_uri({k: v.get() for k, v in self.vars.items()})

    def problems(self) -> list[str]:
        return image_seed_problems(self.uri_text())

    def result_text(self) -> str:
        return self._quote(self.uri_text())
