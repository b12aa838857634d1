"""Incremental syntax highlighting of a ``tk.Text`` with the dgenerate lexer.

One lexer state is cached per line (the state at the line's end).  An edit marks the changed
lines dirty; an idle job re-lexes from the first dirty line, starting from the cached state
of the line before it (every line is a safe restart point because its start state is known),
and stops as soon as it is past the edited lines and a line ends in the same state as before
(its tokens then depend on nothing that changed).  Work is done in time-boxed chunks so a
5,000-line script stays responsive; :attr:`Highlighter.relexed` counts re-lexed lines.
"""

from __future__ import annotations

import time
import tkinter as tk

from pygments.token import Text

from dgenerate_console.themes import Theme
from dgenerate_core.script.lexer import ROOT_STATE, lex_line

__all__ = ["Highlighter", "TAG_PREFIX", "tag_for"]

TAG_PREFIX = "dg:"
_BUDGET_S = 0.02
_NAMES: dict = {}


def _merge(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted, merged inclusive line ranges."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(ranges):
        if out and a <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def _has_wide(text: str) -> bool:
    return not text.isascii() and any(ord(ch) > 0xFFFF for ch in text)


def tk_width(text: str) -> int:
    """The length of ``text`` in Tk text columns (Tk 8.6 counts non-BMP characters as two)."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def tag_for(token) -> str | None:
    """The text tag of a pygments token type (None for plain text and whitespace)."""
    name = _NAMES.get(token)
    if name is None and token not in _NAMES:
        name = None if token in Text else TAG_PREFIX + str(token)[len("Token."):]
        _NAMES[token] = name
    return name


class Highlighter:
    """Keeps the token tags of one Text widget up to date."""

    def __init__(self, text: tk.Text, theme: Theme, command: str | None = None) -> None:
        self.text = text
        self._cmd = command or text._w  # the widget command to call (unwrapped when proxied)
        self.theme = theme
        self.ends: list[tuple | None] = [None]          # state at the end of each line
        self.line_tags: list[frozenset] = [frozenset()]  # tags applied on each line
        self.relexed = 0                                  # lines lexed so far (a statistic)
        self._dirty: list[tuple[int, int]] = []           # sorted line ranges to re-lex
        self._job: str | None = None
        self._configured: set[str] = set()
        self.enabled = True

    # --- change tracking -------------------------------------------------------------------
    def on_change(self, first: int, removed: int, inserted: int) -> None:
        """Update the caches: lines ``first..first+removed`` became ``first..first+inserted``."""
        i = first - 1
        # the last edited line keeps the old end state of the block it replaces: the line after
        # it started from that state, so re-lexing stops there if nothing changed for it
        follow = self.ends[i + removed] if i + removed < len(self.ends) else None
        self.ends[i:i + removed + 1] = [None] * inserted + [follow]
        self.line_tags[i:i + removed + 1] = [frozenset()] * (inserted + 1)
        # inserted text inherits the tags around it: clear the edited lines now, in one go
        for tag in self._configured:
            self._call("tag", "remove", tag, f"{first}.0", f"{first + inserted}.end")
        delta = inserted - removed

        def moved(line: int, end: bool) -> int:
            if line < first:
                return line
            if line > first + removed:
                return line + delta
            return first + inserted if end else first

        ranges = [(moved(a, False), moved(b, True)) for a, b in self._dirty]
        ranges.append((first, first + inserted))
        self._dirty = _merge(ranges)
        self._schedule()

    def rehighlight(self, fresh: bool = True) -> None:
        """Re-lex every line (``fresh``: the text was just replaced and carries no tags)."""
        count = self._line_count()
        self.ends = [None] * count
        self.line_tags = [frozenset() if fresh else frozenset(self._configured)] * count
        self._dirty = [(1, count)]
        self._schedule()

    @property
    def pending(self) -> bool:
        """True while lines are waiting to be highlighted."""
        return bool(self._dirty)

    def flush(self) -> None:
        """Highlight everything still pending now (tests, saving screenshots)."""
        self._run(budget=None)

    # --- the idle job ------------------------------------------------------------------------
    def _schedule(self) -> None:
        if self._job is None and self.enabled:
            self._job = self.text.after_idle(self._idle)

    def _idle(self) -> None:
        self._job = None
        self._run(_BUDGET_S)
        if self._dirty and self._job is None:
            self._job = self.text.after(1, self._idle)

    def cancel(self) -> None:
        """Stop the idle job (the widget is being destroyed)."""
        if self._job is not None:
            try:
                self.text.after_cancel(self._job)
            except tk.TclError:
                pass
            self._job = None

    def _line_count(self) -> int:
        return int(str(self._call("index", "end-1c")).split(".")[0])

    def _run(self, budget: float | None) -> None:
        deadline = None if budget is None else time.perf_counter() + budget
        count = self._line_count()
        if len(self.ends) != count:  # never expected; recover by starting over
            self.ends = [None] * count
            self.line_tags = [frozenset(self._configured)] * count
            self._dirty = [(1, count)]
        dirty = self._dirty
        while dirty:
            line = dirty[0][0]
            if line > count:
                dirty.clear()
                break
            state = ROOT_STATE if line == 1 else self.ends[line - 2] or ROOT_STATE
            source = self._call("get", f"{line}.0", f"{line}.end")
            tokens, end = lex_line(source, state)
            old = self.ends[line - 1]
            self.ends[line - 1] = end
            self._apply(line, tokens, tk_width if _has_wide(source) else len)
            self.relexed += 1
            while dirty and dirty[0][1] <= line:
                dirty.pop(0)
            if dirty and dirty[0][0] <= line:
                dirty[0] = (line + 1, dirty[0][1])
            if old != end and line < count and not (dirty and dirty[0][0] == line + 1):
                dirty.insert(0, (line + 1, line + 1))  # the next line starts differently now
            if deadline is not None and time.perf_counter() > deadline:
                return

    def _call(self, *args: str) -> str:
        return self.text.tk.call(self._cmd, *args)

    def _apply(self, line: int, tokens, width=len) -> None:
        call = self._call
        for tag in self.line_tags[line - 1]:
            call("tag", "remove", tag, f"{line}.0", f"{line}.end")
        ranges: dict[str, list[str]] = {}
        col = 0
        for token, value in tokens:
            tag = tag_for(token)
            if tag is not None and value:
                size = width(value)
                ranges.setdefault(tag, []).extend((f"{line}.{col}", f"{line}.{col + size}"))
                col += size
            else:
                col += width(value)
        for tag, spans in ranges.items():
            if tag not in self._configured:
                self._configure(tag)
            call("tag", "add", tag, *spans)
        self.line_tags[line - 1] = frozenset(ranges)

    # --- colours -------------------------------------------------------------------------------
    def _configure(self, tag: str) -> None:
        colour = self.theme.token_colour(tag[len(TAG_PREFIX):]) or ""
        self.text.tag_configure(tag, foreground=colour)
        self.text.tag_lower(tag)
        self._configured.add(tag)

    def set_theme(self, theme: Theme) -> None:
        """Re-colour every token tag for ``theme``."""
        self.theme = theme
        for tag in self._configured:
            self.text.tag_configure(tag, foreground=theme.token_colour(tag[len(TAG_PREFIX):]) or "")

    def tokens_at(self, index: str) -> list[str]:
        """Token names (``Name.Variable`` ...) tagged at a text index (tests, tooltips)."""
        return [t[len(TAG_PREFIX):] for t in self.text.tag_names(index) if t.startswith(TAG_PREFIX)]

