"""The output pane: a read-only scrolled text fed in batches, with progress lines updated in place."""

from __future__ import annotations

import collections
import os
import re
import sys
import time
import tkinter as tk
from typing import Callable

DEFAULT_SCROLLBACK = 10000
SKIP_PER_TICK = 20_000  # queued chunks dropped per tick at most, when a burst overflows the scrollback
BATCH_CHARS = 100_000  # text inserted per tick at most: a burst drains over many short ticks
TICK_MS = 100 if os.name == "nt" else 5
ANSI_RE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
UP_CR = "\x1b[A\r"
_PARTIAL_ESCAPE = re.compile(r"\x1b(?:\[[0-9;?]*[ -/]*)?$")
_CRLF = re.compile(r"(?<!\x1b\[A)\r\n")
_PIECES = re.compile(r"(\x1b\[A\r|\r|\n)")
_LINES = re.compile(r"[^\r\n]*(?:\r\n|\r|\n|$)")
_PROGRESS_RE = re.compile(r"\d+%\||\|\s*\d+/\d+ \[")
_WARNING_RE = re.compile(r"^\s*WARNING\b|^\s*Warning:|\b[A-Z]\w*Warning:")


def max_scrollback(warn: Callable[[str], None] | None = None) -> int:
    """``DGENERATE_CONSOLE_MAX_SCROLLBACK``: default 10000; below 30 or not an int → warning + default."""
    from dgenerate_console.history import env_int

    return env_int("DGENERATE_CONSOLE_MAX_SCROLLBACK", DEFAULT_SCROLLBACK, 30,
                   "an integer of at least 30", warn)


class OutputPane(tk.Frame):
    """Read-only scrolled text; ``append`` is cheap and thread-free, drawing happens on ticks."""

    def __init__(self, master: tk.Misc, *, theme=None, word_wrap: bool = True,
                 echo: bool = True) -> None:
        super().__init__(master)
        self.max_lines = max_scrollback()
        self.auto_scroll = False
        self.echo = echo
        self.on_preview_image: Callable[[str], None] | None = None
        self.resolve_path: Callable[[str], str | None] = lambda text: None
        self.text = tk.Text(self, wrap="word" if word_wrap else "none", undo=False,
                            borderwidth=0, highlightthickness=0)
        self._vbar = tk.Scrollbar(self, orient="vertical", command=self.text.yview)
        self._hbar = tk.Scrollbar(self, orient="horizontal", command=self.text.xview)
        self.text.configure(yscrollcommand=self._vbar.set, xscrollcommand=self._hbar.set)
        self._vbar.pack(side="right", fill="y")
        self.text.pack(side="top", fill="both", expand=True)
        self.set_word_wrap(word_wrap)
        self._pending: collections.deque[tuple[str, bool, int]] = collections.deque()
        self._pending_lines = 0  # newlines queued: a backlog beyond the scrollback is skipped
        self._carry: dict[str, str] = {}  # per kind: the start of an escape cut by a read
        self._in_warning = False  # the last stderr line was (part of) a warning
        self._replace_open_line = False  # a "\r" ended the last write: the next text replaces the line
        self._skip_blank = False  # ... and a "\x1b[A\r" also skips blank lines until then
        self._tick_id: str | None = None
        self._bind_keys()
        self._menu = self._build_menu()
        if theme is not None:
            self.set_theme(theme)

    # -- feeding ----------------------------------------------------------------------------

    def append(self, text: str, stderr: bool = False, echo: bool = True) -> None:
        """Queue ``text`` for display (echoed at once to this process's stdout/stderr)."""
        self._queue(text, "error" if stderr else "output", echo)

    def append_notice(self, text: str, echo: bool = True) -> None:
        """A message of the console itself (kill, restart): always on a line of its own."""
        self._queue(text if text.endswith("\n") else text + "\n", "notice", echo)

    def append_command(self, command: str) -> None:
        """Echo a submitted command (``> `` before each of its lines) on lines of its own."""
        lines = command.rstrip("\n").split("\n")
        self._queue("".join(f"> {line}\n" for line in lines), "echo", True)

    def _queue(self, text: str, kind: str, echo: bool) -> None:
        if not text:
            return
        if self.echo and echo:
            stream = sys.stderr if kind == "error" else sys.stdout
            try:
                stream.write(text)
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        carry = self._carry.pop(kind, "")
        if carry:
            text = carry + text
        partial = _PARTIAL_ESCAPE.search(text)
        if partial:  # an escape split between two reads: keep its head for the next write
            self._carry[kind] = partial.group()
            text = text[:partial.start()]
            if not text:
                return
        lines = text.count("\n")
        self._pending.append((text, kind, lines))
        self._pending_lines += lines
        if self._tick_id is None:
            self._tick_id = self.after(TICK_MS, self._tick)

    @property
    def backlog(self) -> int:
        """Chunks queued but not drawn yet."""
        return len(self._pending)

    def flush(self) -> None:
        """Draw everything queued now (tests and close)."""
        while self._pending:
            self._drain()

    def destroy(self) -> None:
        """Cancel the pending draw tick, then destroy the widgets."""
        if self._tick_id is not None:
            self.after_cancel(self._tick_id)
            self._tick_id = None
        super().destroy()

    def _tick(self) -> None:
        """Draw one batch; the next one waits at least as long as this one took, so a flood
        of output takes at most half of the GUI's time and ``update()`` always returns."""
        self._tick_id = None
        start = time.perf_counter()
        try:
            self._drain()
        except tk.TclError:
            return
        if self._pending:
            took = int((time.perf_counter() - start) * 1000)
            self._tick_id = self.after(max(TICK_MS, took + 1), self._tick)

    def _drain(self) -> None:
        """Insert up to BATCH_CHARS of queued text, coalescing runs of the same stream."""
        budget = BATCH_CHARS
        runs: list[list] = []
        if self._skip_scrolled_out():
            return
        while self._pending and budget > 0:
            text, kind = self._take(budget)
            text = _clean(text)
            budget -= len(text)
            if runs and runs[-1][1] == kind:
                runs[-1][0].append(text)
            else:
                runs.append([[text], kind])
        following = self.text.yview()[1] >= 0.999  # the view shows the end: keep it there
        self.text.configure(state="normal")
        for parts, kind in runs:
            text = "".join(parts)
            if kind == "error":
                self._write_stderr(text)
                continue
            if kind in ("notice", "echo"):
                self._fresh_line()
            self._write(text, kind)
        self._trim()
        self.text.configure(state="disabled")
        if self.auto_scroll or following:
            self.text.see("end")

    def _skip_scrolled_out(self, limit: int = SKIP_PER_TICK) -> bool:
        """Drop queued lines that would be trimmed anyway (they were echoed already).

        Looks at no more than ``limit`` chunks; returns True when there is more to skip.
        """
        pending = self._pending
        excess = self._pending_lines - self.max_lines
        while pending and excess > 0:
            if limit <= 0:
                return True
            limit -= 1
            text, kind, lines = pending[0]
            if lines <= excess:
                pending.popleft()
                cut = lines
            else:
                at = -1
                for _ in range(excess):
                    at = text.index("\n", at + 1)
                pending[0] = (text[at + 1:], kind, lines - excess)
                cut = excess
            self._pending_lines -= cut
            excess -= cut
            self._replace_open_line = self._skip_blank = False
        return False

    def _take(self, budget: int) -> tuple[str, str]:
        """Pop the next queued chunk, splitting one longer than ``budget`` at a line end."""
        text, kind, lines = self._pending.popleft()
        if len(text) > budget:
            cut = text.rfind("\n", 0, budget) + 1 or budget
            rest = text[cut:]
            rest_lines = rest.count("\n")
            self._pending.appendleft((rest, kind, rest_lines))
            text, lines = text[:cut], lines - rest_lines
        self._pending_lines -= lines
        return text, kind

    def _fresh_line(self) -> None:
        """End an open line (a progress bar) so that what follows starts a line of its own."""
        self._replace_open_line = self._skip_blank = False
        if self._open_line():
            self._insert_tail("\n", "output")

    def _write_stderr(self, text: str) -> None:
        """stderr: warnings (``WARNING:``, ``SomethingWarning:`` and their indented
        continuation lines) in the warning colour, progress bars (tqdm writes them to stderr)
        in the output colour, the rest in the error colour."""
        if "arning" not in text and "|" not in text and not self._in_warning:
            self._write(text, "error")
            return
        for line in _LINES.findall(text):
            if not line:
                continue
            if _WARNING_RE.search(line):
                self._in_warning = True
            elif not (self._in_warning and line[:1] in (" ", "\t")):
                self._in_warning = False
            if self._in_warning:
                tag = "warning"
            else:
                tag = "output" if _PROGRESS_RE.search(line) else "error"
            self._write(line, tag)

    def _write(self, text: str, tag: str) -> None:
        """Write text with ``\\r`` / ``\\x1b[A\\r`` semantics; plain text goes in one insert."""
        if "\r" not in text and not self._replace_open_line:
            self._insert_tail(text, tag)
            return
        for piece in _PIECES.split(_CRLF.sub("\n", text)):
            if not piece:
                continue
            if piece in ("\r", UP_CR):
                self._replace_open_line = True
                self._skip_blank = self._skip_blank or piece == UP_CR
                continue
            if self._replace_open_line:
                if self._skip_blank and not piece.strip():
                    continue
                if piece == "\n":  # "\r\n" across two writes: the line stays, a new one starts
                    self._replace_open_line = False
                else:
                    self.text.delete("end-1c linestart", "end-1c")
                    self._replace_open_line = self._skip_blank = False
            self._insert_tail(piece, tag)

    def _insert_tail(self, text: str, tag: str) -> None:
        self.text.insert("end-1c", text, (tag,))

    def _open_line(self) -> str:
        return self.text.get("end-1c linestart", "end-1c")

    def _trim(self) -> None:
        lines = self.line_count()
        if lines > self.max_lines:
            self.text.delete("1.0", f"{lines - self.max_lines + 1}.0")

    # -- commands ---------------------------------------------------------------------------

    def clear(self) -> None:
        """Remove all output (queued output included)."""
        self._pending.clear()
        self._pending_lines = 0
        self.text.configure(state="normal")
        self.text.delete("1.0", "end")
        self.text.configure(state="disabled")
        self._replace_open_line = self._skip_blank = False

    def line_count(self) -> int:
        """Lines shown (the open last line counts when it has text)."""
        last = int(self.text.index("end-1c").split(".")[0])
        return last if self.text.get("end-1c linestart", "end-1c") else last - 1

    def scroll_to_top(self) -> str:
        self.text.see("1.0")
        return "break"

    def scroll_to_end(self) -> str:
        self.text.see("end")
        return "break"

    def select_all(self) -> str:
        self.text.tag_add("sel", "1.0", "end-1c")
        return "break"

    def copy(self) -> str:
        try:
            selected = self.text.get("sel.first", "sel.last")
        except tk.TclError:
            return "break"
        self.clipboard_clear()
        self.clipboard_append(selected)
        return "break"

    def open_find(self):
        """Ctrl+F: the shared find dialog on the output text (no replace); returns the dialog."""
        from dgenerate_console.editor.find import open_find

        return open_find(self.text, replace=False)

    def selected_image(self) -> str | None:
        """The selection as the path of an existing image (unquoted, resolved), else None."""
        try:
            selected = self.text.get("sel.first", "sel.last")
        except tk.TclError:
            return None
        return self.resolve_path(selected)

    def preview_selected_image(self) -> None:
        path = self.selected_image()
        if path and self.on_preview_image is not None:
            self.on_preview_image(path)

    def set_word_wrap(self, wrap: bool) -> None:
        self.text.configure(wrap="word" if wrap else "none")
        if wrap:
            self._hbar.pack_forget()
        else:
            self._hbar.pack(side="bottom", fill="x", before=self.text)

    def set_theme(self, theme) -> None:
        """Colour the pane from a themes.Theme."""
        self.text.configure(background=theme.background, foreground=theme.foreground,
                            insertbackground=theme.insert,
                            selectbackground=theme.selection_background,
                            selectforeground=theme.selection_foreground)
        self.text.tag_configure("error", foreground=theme.error)
        self.text.tag_configure("warning", foreground=theme.warning)
        self.text.tag_configure("output", foreground=theme.foreground)
        self.text.tag_configure("notice", foreground=theme.info)
        self.text.tag_configure("echo", foreground=theme.echo)
        self.text.tag_raise("sel")

    # -- bindings ---------------------------------------------------------------------------

    def _bind_keys(self) -> None:
        t = self.text
        t.configure(state="disabled")
        t.bind("<Control-Up>", lambda e: self.scroll_to_top())
        t.bind("<Control-Down>", lambda e: self.scroll_to_end())
        t.bind("<Control-f>", lambda e: (self.open_find(), "break")[1])
        t.bind("<Control-a>", lambda e: self.select_all())
        t.bind("<Control-c>", lambda e: self.copy())
        t.bind("<Button-1>", lambda e: t.focus_set(), add=True)
        t.bind("<Button-3>", self._popup)

    def _build_menu(self) -> tk.Menu:
        menu = tk.Menu(self, tearoff=0)
        menu.add_command(label="Clear", command=self.clear)
        menu.add_separator()
        menu.add_command(label="Find", accelerator="Ctrl+F", command=self.open_find)
        menu.add_separator()
        menu.add_command(label="Copy", accelerator="Ctrl+C", command=self.copy)
        menu.add_command(label="Select All", accelerator="Ctrl+A", command=self.select_all)
        menu.add_separator()
        menu.add_command(label="To Top", accelerator="Ctrl+Up", command=self.scroll_to_top)
        menu.add_command(label="To Bottom", accelerator="Ctrl+Down", command=self.scroll_to_end)
        menu.add_separator()
        menu.add_command(label="Preview Selected Image", command=self.preview_selected_image)
        return menu

    @property
    def menu(self) -> tk.Menu:
        """The right-click menu (built once)."""
        return self._menu

    def _popup(self, event) -> str:
        state = "normal" if self.selected_image() else "disabled"
        self._menu.entryconfigure("Preview Selected Image", state=state)
        self._menu.tk_popup(event.x_root, event.y_root)
        return "break"


def _clean(text: str) -> str:
    """Strip ANSI escapes but keep the cursor-up marker the ``\\r`` rule needs."""
    if "\x1b" not in text:
        return text
    text = text.replace(UP_CR, "\x00UPCR\x00")
    return ANSI_RE.sub("", text).replace("\x00UPCR\x00", UP_CR)
