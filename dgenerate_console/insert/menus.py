"""``build_insert_menus``: the Insert Code / Insert URI / Insert Path cascades of the Edit menu."""

from __future__ import annotations

import tkinter as tk
from tkinter import messagebox
from typing import Callable

from dgenerate_core.errors import DgenerateError

Insert = Callable[[str], None]

CODE_ENTRIES: tuple[tuple[str, str], ...] = (
    ("Recipe", "recipe"), ("Argument", "argument"), ("Directive", "directive"),
    ("Function", "function"),
)
URI_ENTRIES: tuple[tuple[str, str], ...] = (
    ("Image Seed URI", "image-seed"), ("Karras Scheduler URI", "scheduler"),
    ("Image Processor URI", "image-processor"), ("Latents Processor URI", "latents-processor"),
    ("Prompt Upscaler URI", "prompt-upscaler"), ("Prompt Weighter URI", "prompt-weighter"),
    ("Sub Model URI", "submodel"), ("Quantizer URI", "quantizer"),
)
PATH_ENTRIES: tuple[tuple[str, str], ...] = (
    ("File Path (Open)", "open"), ("File Path (Save)", "save"), ("Directory Path", "dir"),
)


def _guarded(parent: tk.Misc, action: Callable[[], object]) -> Callable[[], None]:
    """Run a menu action; a user-facing error becomes a message box instead of a traceback."""

    def run() -> None:
        try:
            action()
        except DgenerateError as ex:
            messagebox.showerror("dgenerate console", str(ex), parent=parent)

    return run


def open_code_dialog(parent: tk.Misc, kind: str, insert: Insert,
                     cwd: Callable[[], str]) -> tk.Toplevel:
    """Open the ``recipe`` dialog or the ``argument`` / ``directive`` / ``function`` picker."""
    if kind == "recipe":
        from dgenerate_console.insert.recipe_dialog import open_recipe_dialog

        return open_recipe_dialog(parent, insert, cwd)
    from dgenerate_console.insert.pickers import open_picker

    return open_picker(parent, kind, insert)


def open_uri_entry(parent: tk.Misc, kind: str, insert: Insert,
                   cwd: Callable[[], str]) -> tk.Toplevel:
    """Open the Insert URI dialog ``kind`` (``image-seed`` or a kind of ``uris.URI_KINDS``)."""
    if kind == "image-seed":
        from dgenerate_console.insert.imageseed import ImageSeedDialog

        return ImageSeedDialog(parent, insert, cwd=cwd)
    from dgenerate_console.insert.uris import open_uri_dialog

    return open_uri_dialog(parent, kind, insert, cwd=cwd)


def build_insert_menus(edit_menu: tk.Menu, parent: tk.Misc, insert: Insert,
                       cwd: Callable[[], str]) -> None:
    """Add the "Insert Code", "Insert URI" and "Insert Path" cascades to ``edit_menu``."""
    from dgenerate_console.insert.paths import insert_path

    code = tk.Menu(edit_menu, tearoff=False)
    for label, kind in CODE_ENTRIES:
        code.add_command(label=label, command=_guarded(
            parent, lambda k=kind: open_code_dialog(parent, k, insert, cwd)))
    uri = tk.Menu(edit_menu, tearoff=False)
    for label, kind in URI_ENTRIES:
        uri.add_command(label=label, command=_guarded(
            parent, lambda k=kind: open_uri_entry(parent, k, insert, cwd)))
    path = tk.Menu(edit_menu, tearoff=False)
    for label, kind in PATH_ENTRIES:
        path.add_command(label=label, command=_guarded(
            parent, lambda k=kind: insert_path(parent, k, insert, cwd)))
    edit_menu.add_cascade(label="Insert Code", menu=code)
    edit_menu.add_cascade(label="Insert URI", menu=uri)
    edit_menu.add_cascade(label="Insert Path", menu=path)
