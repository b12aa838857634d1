"""One look for every window of the console: the theme's colours on all Tk and ttk widgets
(menu bar, menus, dialogs, Tk's own file dialogs and message boxes), and sizes that follow the
screen's DPI.

Colours go two ways: into the Tk option database, so that every widget made later (a dialog
opened next week) starts in the theme, and onto every existing widget, walking the widget tree,
so that switching the theme restyles the open windows too.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk
from typing import Any

__all__ = ["apply_look", "restyle", "dpi_scale", "scale_fonts", "scaled"]

BASE_DPI = 96.0
SKIP = "_dgenerate_own_colours"  # widgets that colour themselves (editor, output, viewer)

_CLASS_OPTIONS = {
    "Frame": ("background",), "Toplevel": ("background",), "Tk": ("background",),
    "Labelframe": ("background", "foreground"), "Panedwindow": ("background",),
    "Label": ("background", "foreground"), "Message": ("background", "foreground"),
    "Button": ("background", "foreground", "activebackground", "activeforeground",
               "highlightbackground"),
    "Checkbutton": ("background", "foreground", "activebackground", "activeforeground",
                    "selectcolor", "highlightbackground"),
    "Radiobutton": ("background", "foreground", "activebackground", "activeforeground",
                    "selectcolor", "highlightbackground"),
    "Entry": ("background", "foreground", "insertbackground", "selectbackground",
              "selectforeground", "highlightbackground", "readonlybackground"),
    "Spinbox": ("background", "foreground", "insertbackground", "selectbackground",
                "selectforeground", "highlightbackground", "buttonbackground"),
    "Listbox": ("background", "foreground", "selectbackground", "selectforeground",
                "highlightbackground"),
    "Text": ("background", "foreground", "insertbackground", "selectbackground",
             "selectforeground", "highlightbackground"),
    "Canvas": ("background", "highlightbackground"),
    "Scrollbar": ("background", "troughcolor", "activebackground", "highlightbackground"),
    "Scale": ("background", "foreground", "troughcolor", "activebackground"),
    "Menu": ("background", "foreground", "activebackground", "activeforeground",
             "selectcolor"),
    "Menubutton": ("background", "foreground", "activebackground", "activeforeground"),
}


def palette(theme: Any) -> dict[str, str]:
    """The widget colours of a theme."""
    return {
        "background": theme.panel, "foreground": theme.foreground,
        "activebackground": theme.selection_background,
        "activeforeground": theme.selection_foreground,
        "selectbackground": theme.selection_background,
        "selectforeground": theme.selection_foreground,
        "insertbackground": theme.insert, "highlightbackground": theme.panel,
        "troughcolor": theme.background, "selectcolor": theme.background,
        "readonlybackground": theme.background, "buttonbackground": theme.panel,
        "field": theme.background,
    }


def _value(cls: str, option: str, colours: dict[str, str]) -> str:
    if option == "background" and cls in ("Entry", "Spinbox", "Listbox", "Text", "Canvas"):
        return colours["field"]
    return colours[option]


def _option_database(root: tk.Misc, colours: dict[str, str]) -> None:
    for cls, options in _CLASS_OPTIONS.items():
        for option in options:
            root.option_add(f"*{cls}.{option}", _value(cls, option, colours))
    # Tk's own dialogs (file dialog, message box) are made of these classes too
    root.option_add("*TkFDialog*background", colours["background"])
    root.option_add("*TkFDialog*foreground", colours["foreground"])
    # ... except its file list: Tk draws it on a fixed white canvas, its text colour comes from here
    root.option_add("*TkFDialog*Canvas.foreground", "#000000")


def _ttk_style(root: tk.Misc, theme: Any, colours: dict[str, str], scale: float) -> None:
    style = ttk.Style(root)
    if style.theme_use() not in ("clam", "alt", "default"):
        return
    if style.theme_use() != "clam":
        style.theme_use("clam")  # the one built-in ttk theme whose colours can all be set
    style.configure(".", background=colours["background"], foreground=colours["foreground"],
                    fieldbackground=colours["field"], troughcolor=theme.background,
                    selectbackground=colours["selectbackground"],
                    selectforeground=colours["selectforeground"],
                    bordercolor=theme.line_number_foreground, lightcolor=colours["background"],
                    darkcolor=colours["background"], insertcolor=theme.insert)
    style.map(".", background=[("active", colours["activebackground"])],
              foreground=[("disabled", theme.line_number_foreground)])
    style.configure("TProgressbar", background=theme.info, troughcolor=theme.background,
                    thickness=scaled(12, scale))
    style.configure("TCombobox", arrowcolor=theme.foreground)
    for name in ("TCombobox", "TEntry", "TSpinbox"):
        style.map(name, fieldbackground=[("readonly", colours["field"]),
                                         ("disabled", colours["background"])],
                  foreground=[("disabled", theme.line_number_foreground),
                              ("readonly", colours["foreground"])],
                  selectbackground=[("readonly", colours["selectbackground"])],
                  selectforeground=[("readonly", colours["selectforeground"])])
    for name in ("TCheckbutton", "TRadiobutton"):
        style.configure(name, indicatorbackground=colours["field"],
                        indicatorforeground=colours["foreground"])
        style.map(name, indicatorbackground=[("disabled", colours["background"]),
                                             ("pressed", colours["activebackground"])],
                  background=[("active", colours["background"])])
    root.option_add("*TCombobox*Listbox.background", colours["field"])
    root.option_add("*TCombobox*Listbox.foreground", colours["foreground"])
    root.option_add("*TCombobox*Listbox.selectBackground", colours["selectbackground"])
    root.option_add("*TCombobox*Listbox.selectForeground", colours["selectforeground"])
    style.configure("TScrollbar", arrowcolor=theme.foreground, troughcolor=theme.background,
                    arrowsize=scaled(12, scale))


def restyle(widget: tk.Misc, colours: dict[str, str]) -> None:
    """Colour ``widget`` and everything below it (menus included), except the widgets that
    colour themselves (marked with the ``SKIP`` attribute)."""
    stack = [widget]
    while stack:
        current = stack.pop()
        if not getattr(current, SKIP, False):
            _restyle_one(current, colours)
            stack.extend(current.winfo_children())


def _restyle_one(widget: tk.Misc, colours: dict[str, str]) -> None:
    try:
        cls = widget.winfo_class()
    except tk.TclError:
        return
    options = _CLASS_OPTIONS.get(cls)
    if not options:
        return
    values = {}
    for option in options:
        values[option] = _value(cls, option, colours)
    try:
        widget.configure(**values)
    except tk.TclError:  # an option that this widget lacks: set the others one by one
        for option, value in values.items():
            try:
                widget.configure(**{option: value})
            except tk.TclError:
                pass
    if cls == "Scrollbar" and "scrollwidth" in colours:
        widget.configure(width=colours["scrollwidth"])
    if cls == "Menu":  # the clone Tk made for the menu bar is not a Python widget
        _restyle_menu_clones(widget, values)


def _restyle_menu_clones(menu: tk.Misc, values: dict[str, str]) -> None:
    tk_call = menu.tk.call
    for child in str(menu.tk.eval(f"winfo children {menu.winfo_toplevel()}")).split():
        if "#" in child and tk_call("winfo", "class", child) == "Menu":
            try:
                tk_call(child, "configure", *[x for kv in values.items()
                                                for x in (f"-{kv[0]}", kv[1])])
            except tk.TclError:
                pass


def dpi_scale(root: tk.Misc) -> float:
    """Screen pixels per inch / 96, in steps of 1/4 (1.0 at 96 or 100 dpi, 1.25 at 120,
    2.0 at 192), as desktops scale."""
    try:
        ratio = float(root.winfo_fpixels("1i")) / BASE_DPI
    except tk.TclError:
        return 1.0
    return max(1.0, round(ratio * 4) / 4)


def scaled(pixels: float, scale: float) -> int:
    """A size given at 96 dpi, in this screen's pixels."""
    return max(1, int(round(pixels * scale)))


def scale_fonts(root: tk.Misc, scale: float) -> None:
    """Tk's named fonts given in pixels (negative sizes) follow the DPI like those in points."""
    if abs(scale - 1.0) < 0.05:
        return
    for name in tkfont.names(root):
        named = tkfont.nametofont(name, root=root)
        size = int(named.cget("size"))
        if size < 0:
            named.configure(size=-scaled(-size, scale))


def apply_look(root: tk.Tk, theme: Any, scale: float = 1.0) -> None:
    """Make ``theme`` the look of every existing and future widget of ``root``."""
    colours = palette(theme)
    _option_database(root, colours)
    _ttk_style(root, theme, colours, scale)
    colours["scrollwidth"] = str(scaled(12, scale))
    root.option_add("*Scrollbar.width", colours["scrollwidth"])
    restyle(root, colours)
