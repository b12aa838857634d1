"""Find and Find/Replace for any ``tk.Text`` (the editor and the read-only output pane).

``open_find(text, replace=False)`` shows one small dialog per text widget: next / previous,
match case, Python regex, every match highlighted (tag ``find_match``).  In the replacement
of a regex search ``\\n`` and ``\\{n}`` insert group n and ``\\0`` / ``\\{0}`` the whole match
(:func:`expand_replacement`).
"""

from __future__ import annotations

import bisect
import re
import tkinter as tk
from typing import Iterator

__all__ = ["expand_replacement", "find_spans", "open_find", "FindDialog", "MATCH_TAG"]

MATCH_TAG = "find_match"
_MAX_HIGHLIGHTS = 10000
_GROUP = re.compile(r"\\(?:\{(\d+)\}|(\d+)|(.))", re.S)
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\"}


def expand_replacement(template: str, match: re.Match) -> str:
    """``template`` with ``\\n`` / ``\\{n}`` replaced by group n of ``match`` (``\\0``: all of it).

    ``\\\\`` is a backslash, ``\\n`` (the letter) a newline and ``\\t`` a tab; an unmatched group
    gives ''; a group number the pattern does not have raises ``IndexError``.
    """
    def sub(m: re.Match) -> str:
        number = m.group(1) or m.group(2)
        if number is not None:
            return match.group(int(number)) or ""
        char = m.group(3)
        return _ESCAPES.get(char, "\\" + char)

    return _GROUP.sub(sub, template)


def compile_pattern(pattern: str, *, regex: bool, case: bool) -> re.Pattern:
    """The search pattern (``re.error`` for a bad regex)."""
    return re.compile(pattern if regex else re.escape(pattern), 0 if case else re.IGNORECASE)


def find_spans(content: str, compiled: re.Pattern) -> Iterator[tuple[int, int, re.Match]]:
    """Non-empty matches of ``compiled`` in ``content`` as ``(start, end, match)``."""
    for m in compiled.finditer(content):
        if m.end() > m.start():
            yield m.start(), m.end(), m


class _Offsets:
    """Character offsets of a text's content to Tk ``line.col`` indices and back (Tk 8.6
    counts a character outside the BMP as two columns)."""

    def __init__(self, content: str) -> None:
        self.content = content
        self.starts = [0] + [i + 1 for i, ch in enumerate(content) if ch == "\n"]
        self.wide = not content.isascii() and any(ord(ch) > 0xFFFF for ch in content)

    def index(self, offset: int) -> str:
        line = bisect.bisect_right(self.starts, offset)
        start = self.starts[line - 1]
        col = offset - start
        if self.wide:
            col += sum(1 for ch in self.content[start:offset] if ord(ch) > 0xFFFF)
        return f"{line}.{col}"

    def offset(self, index: str) -> int:
        line, col = (int(x) for x in index.split("."))
        start = self.starts[min(line, len(self.starts)) - 1]
        if not self.wide:
            return start + col
        pos = start
        while col > 0 and pos < len(self.content) and self.content[pos] != "\n":
            col -= 2 if ord(self.content[pos]) > 0xFFFF else 1
            pos += 1
        return pos


class FindDialog(tk.Toplevel):
    """The find (and replace) window of one text widget."""

    def __init__(self, text: tk.Text, *, replace: bool = False) -> None:
        super().__init__(text)
        self.text = text
        self.title("Find")
        self.transient(text.winfo_toplevel())
        self.find_var = tk.StringVar(self)
        self.replace_var = tk.StringVar(self)
        self.case_var = tk.BooleanVar(self, False)
        self.regex_var = tk.BooleanVar(self, False)
        self.status = tk.StringVar(self, "")
        self._build()
        self.set_replace_mode(replace)
        self.find_var.trace_add("write", lambda *_: self.highlight_all())
        self.case_var.trace_add("write", lambda *_: self.highlight_all())
        self.regex_var.trace_add("write", lambda *_: self.highlight_all())
        self.protocol("WM_DELETE_WINDOW", self.close)
        self.bind("<Escape>", lambda e: self.close())
        if MATCH_TAG not in text.tag_names() or not text.tag_cget(MATCH_TAG, "background"):
            text.tag_configure(MATCH_TAG, background="#ffe08a", foreground="#000000")

    def _build(self) -> None:
        self.find_entry = tk.Entry(self, textvariable=self.find_var, width=40)
        self.replace_entry = tk.Entry(self, textvariable=self.replace_var, width=40)
        self.replace_label = tk.Label(self, text="Replace:")
        tk.Label(self, text="Find:").grid(row=0, column=0, sticky="w", padx=4, pady=2)
        self.find_entry.grid(row=0, column=1, columnspan=3, sticky="ew", padx=4, pady=2)
        self.replace_label.grid(row=1, column=0, sticky="w", padx=4)
        self.replace_entry.grid(row=1, column=1, columnspan=3, sticky="ew", padx=4, pady=2)
        tk.Checkbutton(self, text="Match case", variable=self.case_var).grid(row=2, column=0,
                                                                            columnspan=2,
                                                                            sticky="w")
        tk.Checkbutton(self, text="Regex", variable=self.regex_var).grid(row=2, column=2,
                                                                        sticky="w")
        buttons = tk.Frame(self)
        buttons.grid(row=3, column=0, columnspan=4, sticky="ew", padx=4, pady=4)
        tk.Button(buttons, text="Previous", command=self.find_previous).pack(side="left")
        tk.Button(buttons, text="Next", command=self.find_next).pack(side="left")
        self.replace_button = tk.Button(buttons, text="Replace", command=self.replace_one)
        self.replace_all_button = tk.Button(buttons, text="Replace All", command=self.replace_all)
        tk.Label(self, textvariable=self.status, anchor="w").grid(row=4, column=0, columnspan=4,
                                                                  sticky="ew", padx=4)
        self.columnconfigure(1, weight=1)
        self.find_entry.bind("<Return>", lambda e: (self.find_next(), "break")[1])
        self.find_entry.bind("<Shift-Return>", lambda e: (self.find_previous(), "break")[1])
        self.replace_entry.bind("<Return>", lambda e: (self.replace_one(), "break")[1])

    def set_replace_mode(self, replace: bool) -> None:
        """Show or hide the replace row and buttons."""
        self.replace_mode = replace and str(self.text.cget("state")) != "disabled"
        self.title("Find / Replace" if self.replace_mode else "Find")
        for widget in (self.replace_label, self.replace_entry):
            widget.grid() if self.replace_mode else widget.grid_remove()
        for button in (self.replace_button, self.replace_all_button):
            button.pack(side="left") if self.replace_mode else button.pack_forget()

    # --- searching -------------------------------------------------------------------------
    def _content(self) -> str:
        return self.text.get("1.0", "end-1c")

    def _spans(self) -> tuple[str, list[tuple[int, int, re.Match]], str | None]:
        """(content, matches, regex error or None)."""
        content = self._content()
        pattern = self.find_var.get()
        if not pattern:
            return content, [], None
        try:
            compiled = compile_pattern(pattern, regex=self.regex_var.get(),
                                       case=self.case_var.get())
        except re.error as ex:
            return content, [], str(ex)
        return content, list(find_spans(content, compiled)), None

    def highlight_all(self, found=None) -> int:
        """Tag every match (``found``: a ``_spans()`` result to reuse); the number of matches."""
        content, spans, error = found if found is not None else self._spans()
        self.text.tag_remove(MATCH_TAG, "1.0", "end")
        offsets = _Offsets(content)
        ranges: list[str] = []
        for start, end, _ in spans[:_MAX_HIGHLIGHTS]:
            ranges.extend((offsets.index(start), offsets.index(end)))
        if ranges:
            self.text.tag_add(MATCH_TAG, *ranges)
        if error is not None:
            self.status.set(f"bad regex: {error}")
        elif self.find_var.get():
            self.status.set(f"{len(spans)} match" + ("" if len(spans) == 1 else "es"))
        else:
            self.status.set("")
        return len(spans)

    def _select(self, offsets: _Offsets, start: int, end: int) -> None:
        first, last = offsets.index(start), offsets.index(end)
        self.text.tag_remove("sel", "1.0", "end")
        self.text.tag_add("sel", first, last)
        self.text.mark_set("insert", last)
        self.text.see(first)

    def find_next(self) -> bool:
        """Select the next match after the cursor (wrapping); False when there is none."""
        return self._find(forward=True)

    def find_previous(self) -> bool:
        """Select the match before the selection or cursor (wrapping)."""
        return self._find(forward=False)

    def _find(self, forward: bool) -> bool:
        found = self._spans()
        content, spans, _ = found
        self.highlight_all(found)
        if not spans:
            return False
        offsets = _Offsets(content)
        if forward:
            cursor = offsets.offset(self.text.index("insert"))
            chosen = next((s for s in spans if s[0] >= cursor), spans[0])
        else:
            ranges = self.text.tag_ranges("sel")
            cursor = offsets.offset(self.text.index(ranges[0] if ranges else "insert"))
            chosen = next((s for s in reversed(spans) if s[1] <= cursor), spans[-1])
        self._select(offsets, chosen[0], chosen[1])
        return True

    # --- replacing -------------------------------------------------------------------------
    def _replacement(self, match: re.Match) -> str:
        if self.regex_var.get():
            return expand_replacement(self.replace_var.get(), match)
        return self.replace_var.get()

    def replace_one(self) -> bool:
        """Replace the selected match (if the selection is one) and select the next."""
        if not self.replace_mode:
            return False
        content, spans, _ = self._spans()
        offsets = _Offsets(content)
        ranges = self.text.tag_ranges("sel")
        if ranges:
            first = offsets.offset(self.text.index(ranges[0]))
            last = offsets.offset(self.text.index(ranges[1]))
            hit = next((s for s in spans if s[0] == first and s[1] == last), None)
            if hit is not None:
                try:
                    new = self._replacement(hit[2])
                except IndexError as ex:
                    self.status.set(f"bad replacement: {ex}")
                    return False
                self.text.delete(offsets.index(first), offsets.index(last))
                self.text.insert(offsets.index(first), new)
                self.text.mark_set("insert", f"{offsets.index(first)} + {len(new)} chars")
        return self.find_next()

    def replace_all(self) -> int:
        """Replace every match as one undo step; the number replaced."""
        if not self.replace_mode:
            return 0
        content, spans, _ = self._spans()
        try:
            news = [self._replacement(m) for _, _, m in spans]
        except IndexError as ex:
            self.status.set(f"bad replacement: {ex}")
            return 0
        offsets = _Offsets(content)
        auto = self.text.cget("autoseparators")
        self.text.configure(autoseparators=False)
        try:
            self.text.edit_separator()
            for (start, end, _), new in zip(reversed(spans), reversed(news)):
                first = offsets.index(start)
                self.text.delete(first, offsets.index(end))
                if new:
                    self.text.insert(first, new)
            self.text.edit_separator()
        finally:
            self.text.configure(autoseparators=auto)
        self.highlight_all()
        self.status.set(f"replaced {len(spans)}")
        return len(spans)

    def close(self) -> None:
        """Remove the highlights and hide the dialog."""
        self.text.tag_remove(MATCH_TAG, "1.0", "end")
        self.withdraw()
        self.text.focus_set()


def open_find(text_widget: tk.Text, *, replace: bool = False) -> FindDialog:
    """Show the find (or find/replace) dialog of ``text_widget``, seeded with its selection."""
    dialog = getattr(text_widget, "_dgenerate_find_dialog", None)
    if dialog is None or not dialog.winfo_exists():
        dialog = FindDialog(text_widget, replace=replace)
        text_widget._dgenerate_find_dialog = dialog
    else:
        dialog.set_replace_mode(replace)
        dialog.deiconify()
    ranges = text_widget.tag_ranges("sel")
    if ranges:
        selected = text_widget.get(ranges[0], ranges[1])
        if selected and "\n" not in selected:
            dialog.find_var.set(selected)
    dialog.highlight_all()
    dialog.lift()
    dialog.find_entry.focus_set()
    dialog.find_entry.select_range(0, "end")
    return dialog
