"""The menu bar of §9.5 (File, Edit, Run, Options, View, Help) and the input pane's right-click menu."""

from __future__ import annotations

import tkinter as tk
from typing import Any, Protocol

from dgenerate_console.insert import build_insert_menus
from dgenerate_console.themes import THEMES

VERSION_TAG = "v5.0.0"
HELP_LINKS = (
    (f"Homepage ({VERSION_TAG})", f"https://github.com/Teriks/dgenerate/tree/{VERSION_TAG}"),
    None,
    ("Config Examples", f"https://github.com/Teriks/dgenerate/tree/{VERSION_TAG}/examples"),
    ("Config Documentation",
     f"https://dgenerate.readthedocs.io/en/{VERSION_TAG}/manual.html#writing-and-running-configs"),
    ("Project Documentation", f"https://dgenerate.readthedocs.io/en/{VERSION_TAG}/"),
)


class ConsoleActions(Protocol):
    """What the menus call: the console application passes itself (menus never import it)."""

    root: tk.Tk
    editor: Any
    client: Any
    vars: "MenuVars"
    edit_menu: tk.Menu

    def new_window(self) -> Any: ...
    def open_dialog(self) -> None: ...
    def save(self) -> None: ...
    def save_as_dialog(self) -> None: ...
    def request_close(self) -> None: ...
    def run_input(self) -> Any: ...
    def kill(self) -> None: ...
    def clear_queue(self) -> None: ...
    def apply_flags(self) -> None: ...
    def set_theme(self, name: str) -> None: ...
    def set_multiline(self, multiline: bool) -> None: ...
    def apply_options(self, save: bool = True) -> None: ...
    def set_image_mode(self, mode: str, save: bool = True) -> None: ...
    def selected_input_image(self) -> str | None: ...
    def preview_selected_input_image(self) -> None: ...
    def open_help(self, label: str, url: str) -> None: ...


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


def build_menubar(app: ConsoleActions) -> tk.Menu:
    """Create the window's menu bar; returns it (also kept as ``app.menubar``)."""
    bar = tk.Menu(app.root, tearoff=0)
    bar.add_cascade(label="File", menu=_file_menu(bar, app))
    app.edit_menu = build_edit_menu(bar, app)
    bar.add_cascade(label="Edit", menu=app.edit_menu)
    bar.add_cascade(label="Run", menu=_run_menu(bar, app))
    bar.add_cascade(label="Options", menu=_options_menu(bar, app))
    bar.add_cascade(label="View", menu=_view_menu(bar, app))
    bar.add_cascade(label="Help", menu=_help_menu(bar, app))
    return bar


def _file_menu(bar: tk.Menu, app: ConsoleActions) -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    menu.add_command(label="New Window", command=app.new_window)
    menu.add_command(label="Open...", accelerator="Ctrl+O", command=app.open_dialog)
    menu.add_command(label="Save", accelerator="Ctrl+S", command=app.save)
    menu.add_command(label="Save As...", accelerator="Ctrl+Shift+S", command=app.save_as_dialog)
    menu.add_separator()
    menu.add_command(label="Exit", command=app.request_close)
    return menu


def build_edit_menu(parent: tk.Misc, app: ConsoleActions) -> tk.Menu:
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
    build_insert_menus(menu, app.root, ed.insert_text, lambda: app.client.cwd)
    menu.add_separator()
    menu.add_command(label="Preview Selected Image", command=app.preview_selected_input_image)
    menu.configure(postcommand=lambda: _refresh_preview_entry(menu, app))
    return menu


def _refresh_preview_entry(menu: tk.Menu, app: ConsoleActions) -> None:
    state = "normal" if app.selected_input_image() else "disabled"
    menu.entryconfigure("Preview Selected Image", state=state)


def _delete_selection(text: tk.Text) -> None:
    try:
        text.delete("sel.first", "sel.last")
    except tk.TclError:
        pass


def _run_menu(bar: tk.Menu, app: ConsoleActions) -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    v = app.vars
    menu.add_command(label="Run", accelerator="Ctrl+Space", command=app.run_input)
    menu.add_command(label="Kill", accelerator="Ctrl+Q", command=app.kill)
    menu.add_command(label="Clear Queue", command=app.clear_queue)
    menu.add_separator()
    menu.add_checkbutton(label="Offline Mode", variable=v.offline, command=app.apply_flags)
    menu.add_checkbutton(label="Debug Mode", variable=v.debug, command=app.apply_flags)
    return menu


def _options_menu(bar: tk.Menu, app: ConsoleActions) -> tk.Menu:
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


def _view_menu(bar: tk.Menu, app: ConsoleActions) -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    v = app.vars
    menu.add_checkbutton(label="Image Pane", variable=v.image_pane,
                         command=lambda: app.set_image_mode("pane" if v.image_pane.get() else "none"))
    menu.add_checkbutton(label="Image Window", variable=v.image_window,
                         command=lambda: app.set_image_mode("window" if v.image_window.get()
                                                            else "none"))
    return menu


def _help_menu(bar: tk.Menu, app: ConsoleActions) -> tk.Menu:
    menu = tk.Menu(bar, tearoff=0)
    for link in HELP_LINKS:
        if link is None:
            menu.add_separator()
            continue
        label, url = link
        menu.add_command(label=label, command=lambda n=label, u=url: app.open_help(n, u))
    return menu
