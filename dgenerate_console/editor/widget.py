"""``CodeEditor``: the console's input pane (a ``tk.Frame`` holding a highlighted ``tk.Text``).

Single-line (terminal) mode: Enter submits, Up/Down page the history.  Multiline (editor)
mode: line numbers, Enter inserts a newline (keeping the indentation).  In both modes
Ctrl+Space submits and Shift+Enter inserts a newline without submitting; Alt+drag (and
Alt+arrows) select a column block (see ``blockselect``).  The editor never
runs anything: it generates ``<<Submit>>``, ``<<HistoryPrevious>>``, ``<<HistoryNext>>`` and
``<<ToggleMultiline>>`` on itself for the application to handle.
"""

from __future__ import annotations

import tkinter as tk
from typing import Callable

from dgenerate_console.editor import find as _find
from dgenerate_console.editor.blockselect import BlockSelection
from dgenerate_console.editor.formatting import format_code as _format_code
from dgenerate_console.editor.highlighter import Highlighter
from dgenerate_console.editor.lineops import (INDENT, indent_lines, toggle_comment_lines,
                                              unindent_lines)
from dgenerate_console.editor.linenumbers import LineNumbers
from dgenerate_console.editor.textproxy import TextChangeProxy
from dgenerate_console.themes import Theme

__all__ = ["CodeEditor", "ERROR_TAG"]

ERROR_TAG = "error_line"
_CONTROL = 0x4


class CodeEditor(tk.Frame):
    """A code editor for dgenerate scripts with incremental syntax highlighting."""

    def __init__(self, master: tk.Misc, *, theme: Theme, multiline: bool = False,
                 word_wrap: bool = True, **kwargs) -> None:
        super().__init__(master, **kwargs)
        self.theme = theme
        self._multiline = multiline
        self._word_wrap = word_wrap
        self._bulk = False
        self._error_line: int | None = None
        self.text = tk.Text(self, undo=True, maxundo=-1, autoseparators=True, font="TkFixedFont",
                            borderwidth=0, highlightthickness=0, height=10, width=80, padx=4,
                            wrap="word" if word_wrap else "none")
        self.yscroll = tk.Scrollbar(self, orient="vertical", command=self.text.yview)
        self.xscroll = tk.Scrollbar(self, orient="horizontal", command=self.text.xview)
        self.gutter = LineNumbers(self, self.text)
        self.text.configure(yscrollcommand=self._on_yscroll, xscrollcommand=self.xscroll.set)
        self.gutter.grid(row=0, column=0, sticky="ns")
        self.text.grid(row=0, column=1, sticky="nsew")
        self.yscroll.grid(row=0, column=2, sticky="ns")
        self.xscroll.grid(row=1, column=1, sticky="ew")
        self.rowconfigure(0, weight=1)
        self.columnconfigure(1, weight=1)
        self.proxy = TextChangeProxy(self.text)
        self.highlighter = Highlighter(self.text, theme, command=self.proxy.original)
        self.proxy.add_listener(self._on_change)
        self.text.tag_configure(ERROR_TAG)
        self.text.tag_configure(_find.MATCH_TAG)
        self.text.bind("<Configure>", lambda e: self.gutter.schedule(), add=True)
        self._bind_keys()
        self.block = BlockSelection(self.text)
        self.text.bind("<Key>", self.block.handle_key, add=True)
        self.set_theme(theme)
        self.set_multiline(multiline)
        self.set_word_wrap(word_wrap)

    # --- key bindings ----------------------------------------------------------------------
    def _bind_keys(self) -> None:
        keys: dict[str, Callable[[tk.Event], str | None]] = {
            "<Return>": self._on_return, "<KP_Enter>": self._on_return,
            "<Shift-Return>": self._on_shift_return,
            "<Control-space>": lambda e: self._emit("<<Submit>>"),
            "<Up>": lambda e: self._on_history(e, "<<HistoryPrevious>>"),
            "<Down>": lambda e: self._on_history(e, "<<HistoryNext>>"),
            "<Insert>": lambda e: self._emit("<<ToggleMultiline>>"),
            "<Control-f>": lambda e: self._do(self.open_find),
            "<Control-r>": lambda e: self._do(self.open_replace),
            "<Control-F>": lambda e: self._do(self.format_code),
            "<Control-z>": lambda e: self._do(self.undo),
            "<Control-Z>": lambda e: self._do(self.redo),
            "<Control-y>": lambda e: self._do(self.redo),
            "<Control-a>": lambda e: self._do(self.select_all),
            "<Tab>": self._on_tab,
            "<Shift-Tab>": lambda e: self._do(self.unindent_selection),
            "<KeyPress-numbersign>": self._on_hash,
        }
        if self.text.tk.call("tk", "windowingsystem") == "x11":
            keys["<ISO_Left_Tab>"] = lambda e: self._do(self.unindent_selection)
        if self.text.tk.call("tk", "windowingsystem") == "aqua":  # pragma: no cover
            keys["<Command-i>"] = lambda e: self._emit("<<ToggleMultiline>>")
            keys["<Command-r>"] = lambda e: self._emit("<<Submit>>")
        for sequence, handler in keys.items():
            self.text.bind(sequence, handler)

    def _emit(self, event: str) -> str:
        self.event_generate(event)
        return "break"

    @staticmethod
    def _do(action: Callable[[], object]) -> str:
        action()
        return "break"

    def _on_return(self, event: tk.Event) -> str:
        if not self._multiline:
            return self._emit("<<Submit>>")
        line = self.text.get("insert linestart", "insert")
        indent = line[:len(line) - len(line.lstrip(" \t"))]
        self.insert_text("\n" + indent)
        return "break"

    def _on_shift_return(self, event: tk.Event) -> str:
        self.insert_text("\n")
        return "break"

    def _on_history(self, event: tk.Event, virtual: str) -> str | None:
        if self._multiline or (event.state & _CONTROL):
            return None
        return self._emit(virtual)

    def _on_tab(self, event: tk.Event) -> str:
        if self.text.tag_ranges("sel"):
            self.indent_selection()
        else:
            self.text.insert("insert", INDENT)
        return "break"

    def _on_hash(self, event: tk.Event) -> str | None:
        if self.block.active:
            return self.block.handle_key(event)
        if not self.text.tag_ranges("sel"):
            return None
        self.comment_selection()
        return "break"

    # --- change tracking -------------------------------------------------------------------
    def _on_change(self, first: int, removed: int, inserted: int) -> None:
        if not self._bulk:
            self.highlighter.on_change(first, removed, inserted)
        if self._error_line is not None:
            self.mark_error_line(None)
        self.gutter.schedule()

    def _on_yscroll(self, first: str, last: str) -> None:
        self.yscroll.set(first, last)
        self.gutter.schedule()

    def _replace_all_text(self, text: str, *, undoable: bool) -> None:
        self._bulk = True
        try:
            if undoable:
                self._undo_group(lambda: (self.text.delete("1.0", "end"),
                                          self.text.insert("1.0", text)))
            else:
                self.text.delete("1.0", "end")
                self.text.insert("1.0", text)
        finally:
            self._bulk = False
        self.highlighter.rehighlight(fresh=True)

    def _undo_group(self, action: Callable[[], object]) -> None:
        auto = self.text.cget("autoseparators")
        self.text.configure(autoseparators=False)
        try:
            self.text.edit_separator()
            action()
            self.text.edit_separator()
        finally:
            self.text.configure(autoseparators=auto)

    # --- the contract ----------------------------------------------------------------------
    def get_text(self) -> str:
        """The whole input (no trailing newline)."""
        return self.text.get("1.0", "end-1c")

    def set_text(self, text: str) -> None:
        """Replace the input (not undoable); the cursor goes to the end (single-line) or start."""
        self._replace_all_text(text, undoable=False)
        self.text.edit_reset()
        self.text.edit_modified(False)
        self.text.mark_set("insert", "1.0" if self._multiline else "end-1c")
        self.text.see("insert")

    def clear(self) -> None:
        """Empty the input."""
        self.set_text("")

    def insert_text(self, text: str) -> None:
        """Insert at the cursor, replacing the selection (on every row of a column block)."""
        if self.block.active:
            self.block.replace(text)
            return
        ranges = self.text.tag_ranges("sel")
        if ranges:
            self.text.delete(ranges[0], ranges[1])
        self.text.insert("insert", text)
        self.text.see("insert")

    @property
    def multiline(self) -> bool:
        """True in multiline (editor) mode."""
        return self._multiline

    def set_multiline(self, multiline: bool) -> None:
        """Switch modes; line numbers are shown only in multiline mode."""
        self._multiline = bool(multiline)
        if self._multiline:
            self.gutter.grid()
            self.gutter.schedule()
        else:
            self.gutter.grid_remove()

    @property
    def word_wrap(self) -> bool:
        """True when long lines wrap at word boundaries."""
        return self._word_wrap

    def set_word_wrap(self, word_wrap: bool) -> None:
        """Wrap long lines (no horizontal scrollbar) or not."""
        self._word_wrap = bool(word_wrap)
        self.text.configure(wrap="word" if self._word_wrap else "none")
        if self._word_wrap:
            self.xscroll.grid_remove()
        else:
            self.xscroll.grid()
        self.gutter.schedule()

    def set_theme(self, theme: Theme) -> None:
        """Re-colour the text, the gutter and every token tag."""
        self.theme = theme
        self.text.configure(background=theme.background, foreground=theme.foreground,
                            insertbackground=theme.insert,
                            selectbackground=theme.selection_background,
                            selectforeground=theme.selection_foreground,
                            inactiveselectbackground=theme.selection_background)
        self.configure(background=theme.background)
        self.gutter.set_colours(theme.line_number_background, theme.line_number_foreground)
        self.text.tag_configure(ERROR_TAG, background=theme.error_line_background)
        self.text.tag_configure(_find.MATCH_TAG, background=theme.find_highlight_background)
        self.highlighter.set_theme(theme)
        self.text.tag_raise(ERROR_TAG)
        self.text.tag_raise(_find.MATCH_TAG)
        self.text.tag_raise("sel")

    def mark_error_line(self, line: int | None, end: int | None = None) -> None:
        """Highlight lines ``line`` to ``end`` (1-based, a statement's lines; ``end`` defaults
        to ``line``) and scroll to the first; None clears the mark."""
        self.text.tag_remove(ERROR_TAG, "1.0", "end")
        self._error_line = None
        if line is None:
            return
        last = int(self.text.index("end-1c").split(".")[0])
        line = max(1, min(int(line), last))
        end = max(line, min(int(end if end is not None else line), last))
        self.text.tag_add(ERROR_TAG, f"{line}.0", f"{end + 1}.0")
        self.text.see(f"{line}.0")
        self._error_line = line

    @property
    def error_line(self) -> int | None:
        """The line marked by :meth:`mark_error_line`, if still marked."""
        return self._error_line

    def open_find(self) -> _find.FindDialog:
        """Ctrl+F: the find dialog of the input pane."""
        return _find.open_find(self.text, replace=False)

    def open_replace(self) -> _find.FindDialog:
        """Ctrl+R: the find / replace dialog (Python regex, ``\\n`` / ``\\{n}`` groups)."""
        return _find.open_find(self.text, replace=True)

    def format_code(self) -> None:
        """Ctrl+Shift+F: normalise indentation and trailing whitespace (one undo step)."""
        old = self.get_text()
        new = _format_code(old)
        if new == old:
            return
        cursor = self.text.index("insert")
        self._replace_all_text(new, undoable=True)
        self.text.mark_set("insert", f"{cursor.split('.')[0]}.0 lineend")
        self.text.see("insert")

    def _selected_lines(self) -> tuple[int, int]:
        ranges = self.text.tag_ranges("sel")
        if not ranges:
            line = int(self.text.index("insert").split(".")[0])
            return line, line
        first = int(self.text.index(ranges[0]).split(".")[0])
        last_line, last_col = (int(x) for x in self.text.index(ranges[1]).split("."))
        if last_col == 0 and last_line > first:
            last_line -= 1
        return first, last_line

    def _transform_lines(self, transform: Callable[[list[str]], list[str]]) -> None:
        first, last = self._selected_lines()
        old = self.text.get(f"{first}.0", f"{last}.end")
        new = "\n".join(transform(old.split("\n")))
        if new == old:
            return
        had_selection = bool(self.text.tag_ranges("sel"))
        self._undo_group(lambda: (self.text.delete(f"{first}.0", f"{last}.end"),
                                  self.text.insert(f"{first}.0", new)))
        if had_selection:
            self.text.tag_add("sel", f"{first}.0", f"{last}.end")
        self.text.mark_set("insert", f"{last}.end")

    def indent_selection(self) -> None:
        """Tab: indent the selected lines (or the cursor's line) by four spaces."""
        self._transform_lines(indent_lines)

    def unindent_selection(self) -> None:
        """Shift+Tab: remove up to four spaces of indentation from the selected lines."""
        self._transform_lines(unindent_lines)

    def comment_selection(self) -> None:
        """``#`` on a selection: comment the selected lines, or uncomment them if all are."""
        self._transform_lines(toggle_comment_lines)

    def select_all(self) -> None:
        """Ctrl+A: select the whole input."""
        self.text.tag_add("sel", "1.0", "end-1c")
        self.text.mark_set("insert", "end-1c")

    def undo(self) -> bool:
        """Ctrl+Z; False when there is nothing to undo."""
        try:
            self.text.edit_undo()
            return True
        except tk.TclError:
            return False

    def redo(self) -> bool:
        """Ctrl+Shift+Z; False when there is nothing to redo."""
        try:
            self.text.edit_redo()
            return True
        except tk.TclError:
            return False

    def destroy(self) -> None:
        self.highlighter.cancel()
        super().destroy()
