"""Column (block) selection: Alt+drag selects a rectangle of character columns, Alt+arrows
(or Alt+Shift+arrows) extend it.  While a block is active, Copy / Cut / Delete / BackSpace act
on the block and typed characters replace it on every line (a column cursor), like most code
editors."""

from __future__ import annotations

import tkinter as tk

__all__ = ["BlockSelection"]

_ALT = 0x8  # Mod1 on X11


class BlockSelection:
    """Block selection state and key handling for one ``tk.Text`` (with undo groups)."""

    def __init__(self, text: tk.Text) -> None:
        self.text = text
        self.anchor: tuple[int, int] | None = None   # (line, column) where the drag started
        self.corner: tuple[int, int] | None = None   # the moving corner
        text.bind("<Alt-Button-1>", self._on_press, add=True)
        text.bind("<Alt-B1-Motion>", self._on_drag, add=True)
        for key in ("Up", "Down", "Left", "Right"):
            for mods in ("Alt", "Alt-Shift"):
                text.bind(f"<{mods}-{key}>", lambda e, k=key: self._on_arrow(k), add=True)
        text.bind("<<Copy>>", self._on_copy, add=True)
        text.bind("<<Cut>>", self._on_cut, add=True)
        text.bind("<Button-1>", lambda e: self.clear() if not e.state & _ALT else None, add=True)
        text.bind("<Escape>", lambda e: self.clear(), add=True)

    @property
    def active(self) -> bool:
        """True while a block is selected."""
        return self.anchor is not None and self.corner is not None

    # --- geometry ------------------------------------------------------------------------
    def _at(self, x: int, y: int) -> tuple[int, int]:
        line, col = (int(v) for v in self.text.index(f"@{x},{y}").split("."))
        return line, col

    def _ranges(self) -> list[tuple[int, int, int]]:
        """``(line, first_col, last_col)`` for every line of the block, clipped to the line."""
        assert self.anchor is not None and self.corner is not None
        (l0, c0), (l1, c1) = self.anchor, self.corner
        lo, hi = min(c0, c1), max(c0, c1)
        out = []
        for line in range(min(l0, l1), max(l0, l1) + 1):
            length = len(self.text.get(f"{line}.0", f"{line}.end"))
            out.append((line, min(lo, length), min(hi, length)))
        return out

    def select(self, anchor: tuple[int, int], corner: tuple[int, int]) -> None:
        """Select the block between two (line, column) corners."""
        self.anchor, self.corner = anchor, corner
        self._show()

    def _show(self) -> None:
        self.text.tag_remove("sel", "1.0", "end")
        spans: list[str] = []
        for line, first, last in self._ranges():
            if last > first:
                spans.extend((f"{line}.{first}", f"{line}.{last}"))
        if spans:
            self.text.tag_add("sel", *spans)
        line, col = self.corner
        self.text.mark_set("insert", f"{line}.{col}")

    def clear(self) -> None:
        """Forget the block (the normal selection takes over again)."""
        self.anchor = self.corner = None

    def block_text(self) -> str:
        """The selected columns, one line per block row."""
        return "\n".join(self.text.get(f"{l}.{a}", f"{l}.{b}") for l, a, b in self._ranges())

    # --- edits ---------------------------------------------------------------------------
    def replace(self, chars: str) -> None:
        """Replace the block on every row with ``chars`` (one undo step); '' deletes it."""
        ranges = self._ranges()
        auto = self.text.cget("autoseparators")
        self.text.configure(autoseparators=False)
        try:
            self.text.edit_separator()
            for line, first, last in ranges:
                self.text.delete(f"{line}.{first}", f"{line}.{last}")
                if chars:
                    self.text.insert(f"{line}.{first}", chars)
            self.text.edit_separator()
        finally:
            self.text.configure(autoseparators=auto)
        column = min(a for _, a, _ in ranges) + len(chars)
        rows = [line for line, _, _ in ranges]
        self.select((rows[0], column), (rows[-1], column))

    def handle_key(self, event: tk.Event) -> str | None:
        """Typing, Delete and BackSpace on an active block; None lets the key through."""
        if not self.active:
            return None
        if event.keysym in ("BackSpace", "Delete"):
            ranges = self._ranges()
            if all(a == b for _, a, b in ranges) and event.keysym == "BackSpace":
                rows = [r[0] for r in ranges]
                col = max(0, ranges[0][1] - 1)
                self.anchor, self.corner = (rows[0], col), (rows[-1], ranges[0][1])
            elif all(a == b for _, a, b in ranges):
                rows = [r[0] for r in ranges]
                self.anchor, self.corner = (rows[0], ranges[0][1]), (rows[-1], ranges[0][1] + 1)
            self.replace("")
            return "break"
        if event.char and event.char.isprintable() and not event.state & 0x4:
            self.replace(event.char)
            return "break"
        if event.keysym not in ("Shift_L", "Shift_R", "Alt_L", "Alt_R", "Control_L",
                                "Control_R") and not event.state & _ALT:
            self.clear()
        return None

    # --- event handlers ------------------------------------------------------------------
    def _on_press(self, event: tk.Event) -> str:
        self.text.focus_set()
        point = self._at(event.x, event.y)
        self.select(point, point)
        return "break"

    def _on_drag(self, event: tk.Event) -> str:
        if self.anchor is None:
            return self._on_press(event)
        self.select(self.anchor, self._at(event.x, event.y))
        return "break"

    def _on_arrow(self, key: str) -> str:
        if not self.active:
            line, col = (int(v) for v in self.text.index("insert").split("."))
            self.anchor = self.corner = (line, col)
        line, col = self.corner
        last = int(self.text.index("end-1c").split(".")[0])
        line += {"Up": -1, "Down": 1}.get(key, 0)
        col += {"Left": -1, "Right": 1}.get(key, 0)
        self.select(self.anchor, (max(1, min(last, line)), max(0, col)))
        return "break"

    def _on_copy(self, event: tk.Event) -> str | None:
        if not self.active:
            return None
        self.text.clipboard_clear()
        self.text.clipboard_append(self.block_text())
        return "break"

    def _on_cut(self, event: tk.Event) -> str | None:
        if not self.active:
            return None
        self._on_copy(event)
        self.replace("")
        return "break"
