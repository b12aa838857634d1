"""The menu bar of §9.5 (File, Edit, Run, Options, View, Help) and the input pane's right-click menu."""

from __future__ import annotations

import tkinter as tk
import webbrowser
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from dgenerate_console.app import ConsoleApp

VERSION_TAG = "v5.0.0"
HELP_LINKS = (
    (f"Homepage ({VERSION_TAG})", f"https://github.com/Teriks/dgenerate/tree/{VERSION_TAG}"),
    None,
    ("Config Examples", f"https://github.com/Teriks/dgenerate/tree/{VERSION_TAG}/examples"),
    ("Config Documentation",
     f"https://dgenerate.readthedocs.io/en/{VERSION_TAG}/manual.html#writing-and-running-configs"),
    ("Project Documentation", f"https://dgenerate.readthedocs.io/en/{VERSION_TAG}/"),
)


class MenuVars:
    """The Tk variables behind the check and radio entries, shared by the menus and the app."""

    def __init__(self, root: tk.Misc, settings) -> None:
        self.theme = tk.StringVar(root, value=settings["theme"])
        self.multiline = tk.BooleanVar(root, value=False)
        self.word_wrap_input = tk.BooleanVar(root, value=settings["word_wrap_input"])
        self.word_wrap_output = tk.BooleanVar(root, value=settings["word_wrap_output"])
        self.scroll_on_run = tk.BooleanVar(root, value=settings["auto_scroll_on_run"])
        self.scroll_on_output = tk.BooleanVar(root, value=settings["auto_scroll_on_output"])
        self.offline = tk.BooleanVar(root, value=False)
        self.debug = tk.BooleanVar(root, value=False)
        self.image_pane = tk.BooleanVar(root, value=settings["image_mode"] == "pane")
        self.image_window = tk.BooleanVar(root, value=settings["image_mode"] == "window")


def build_menubar(app: "ConsoleApp") -> tk.Menu:
    """Create the window's menu bar; returns it (also kept as ``app.menubar``)."""
    bar = tk.Menu(app.root, tearoff=0)
    bar.add_cascade(label="File", menu=_file_menu(bar, app))
    app.edit_menu = build_edit_menu(bar, app)
    bar.add_cascade(label="Edit", menu=app.edit_menu)
    bar.add_cascade(label="Run", menu=_run_menu(bar, app))
    bar.add_cascade(label="Options", menu=_options_menu(bar, app))
    bar.add_cascade(label="View", menu=_view_menu(bar, app))
    bar.add_cascade(label="Help", menu=_help_menu(bar))
    return bar


def _file_menu(bar: tk.Menu, app: "ConsoleApp") -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    menu.add_command(label="New", command=app.new_window)
    menu.add_command(label="Load", command=app.load_dialog)
    menu.add_command(label="Save", command=app.save_dialog)
    return menu


def build_edit_menu(parent: tk.Misc, app: "ConsoleApp") -> tk.Menu:
    """The Edit menu; the input pane's right-click menu is a second copy of it."""
    menu = tk.Menu(parent, tearoff=0)
    ed = app.editor
    text = ed.text
    menu.add_command(label="Cut", accelerator="Ctrl+X", command=lambda: text.event_generate("<<Cut>>"))
    menu.add_command(label="Copy", accelerator="Ctrl+C",
                     command=lambda: text.event_generate("<<Copy>>"))
    menu.add_command(label="Paste", accelerator="Ctrl+V",
                     command=lambda: text.event_generate("<<Paste>>"))
    menu.add_command(label="Delete", accelerator="DEL", command=lambda: _delete_selection(text))
    menu.add_command(label="Select All", accelerator="Ctrl+A",
                     command=lambda: text.tag_add("sel", "1.0", "end-1c"))
    menu.add_separator()
    menu.add_command(label="Undo", accelerator="Ctrl+Z", command=ed.undo)
    menu.add_command(label="Redo", accelerator="Ctrl+Shift+Z", command=ed.redo)
    menu.add_separator()
    find = tk.Menu(menu, tearoff=0)
    find.add_command(label="Find", accelerator="Ctrl+F", command=ed.open_find)
    find.add_command(label="Replace", accelerator="Ctrl+R", command=ed.open_replace)
    menu.add_cascade(label="Find / Replace", menu=find)
    menu.add_command(label="Format Code", accelerator="Ctrl+Shift+F", command=ed.format_code)
    menu.add_separator()
    from dgenerate_console.insert import build_insert_menus

    build_insert_menus(menu, app.root, ed.insert_text, lambda: app.client.cwd)
    menu.add_separator()
    menu.add_command(label="Preview Selected Image", command=app.preview_selected_input_image)
    menu.configure(postcommand=lambda: _refresh_preview_entry(menu, app))
    return menu


def _refresh_preview_entry(menu: tk.Menu, app: "ConsoleApp") -> None:
    state = "normal" if app.selected_input_image() else "disabled"
    menu.entryconfigure("Preview Selected Image", state=state)


def _delete_selection(text: tk.Text) -> None:
    try:
        text.delete("sel.first", "sel.last")
    except tk.TclError:
        pass


def _run_menu(bar: tk.Menu, app: "ConsoleApp") -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    v = app.vars
    menu.add_command(label="Run", accelerator="Ctrl+Space", command=app.run_input)
    menu.add_command(label="Kill", accelerator="Ctrl+Q", command=app.kill)
    menu.add_separator()
    menu.add_checkbutton(label="Offline Mode", variable=v.offline, command=app.apply_flags)
    menu.add_checkbutton(label="Debug Mode", variable=v.debug, command=app.apply_flags)
    return menu


def _options_menu(bar: tk.Menu, app: "ConsoleApp") -> tk.Menu:
    from dgenerate_console.themes import THEMES

    menu = tk.Menu(bar, tearoff=0)
    v = app.vars
    themes = tk.Menu(menu, tearoff=0)
    for name in THEMES:
        themes.add_radiobutton(label=name, value=name, variable=v.theme,
                               command=lambda n=name: app.set_theme(n))
    menu.add_cascade(label="Theme", menu=themes)
    menu.add_checkbutton(label="Multiline input", accelerator="Insert Key", variable=v.multiline,
                         command=lambda: app.set_multiline(v.multiline.get()))
    menu.add_checkbutton(label="Word Wrap Input", variable=v.word_wrap_input,
                         command=app.apply_options)
    menu.add_checkbutton(label="Word Wrap Output", variable=v.word_wrap_output,
                         command=app.apply_options)
    menu.add_checkbutton(label="Scroll Output On Run", variable=v.scroll_on_run,
                         command=app.apply_options)
    menu.add_checkbutton(label="Scroll Output On New Output", variable=v.scroll_on_output,
                         command=app.apply_options)
    return menu


def _view_menu(bar: tk.Menu, app: "ConsoleApp") -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    v = app.vars
    menu.add_checkbutton(label="Image Pane", variable=v.image_pane,
                         command=lambda: app.set_image_mode("pane" if v.image_pane.get() else "none"))
    menu.add_checkbutton(label="Image Window", variable=v.image_window,
                         command=lambda: app.set_image_mode("window" if v.image_window.get()
                                                            else "none"))
    return menu


def _help_menu(bar: tk.Menu) -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    for link in HELP_LINKS:
        if link is None:
            menu.add_separator()
            continue
        label, url = link
        menu.add_command(label=label, command=lambda u=url: webbrowser.open(u))
    return menu
