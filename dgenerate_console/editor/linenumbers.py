"""The line-number gutter beside the editor's text (shown in multiline mode only)."""

from __future__ import annotations

import tkinter as tk

__all__ = ["LineNumbers"]


class LineNumbers(tk.Canvas):
    """Draws the numbers of the text's visible lines; call :meth:`schedule` after changes."""

    def __init__(self, master: tk.Misc, text: tk.Text, **kwargs) -> None:
        super().__init__(master, highlightthickness=0, borderwidth=0, width=30, **kwargs)
        self.text = text
        self.foreground = "#808080"
        self._job: str | None = None
        self.drawn: list[int] = []  # the line numbers drawn last (tests)

    def set_colours(self, background: str, foreground: str) -> None:
        """Gutter colours (from the theme)."""
        self.configure(background=background)
        self.foreground = foreground
        self.schedule()

    def schedule(self) -> None:
        """Redraw when idle (edits, scrolling and resizing call this)."""
        if self._job is None:
            self._job = self.after_idle(self.redraw)

    def redraw(self) -> None:
        """Draw the numbers of the lines now visible."""
        self._job = None
        if not self.winfo_ismapped():
            return
        self.delete("all")
        font = self.text.cget("font")  # any font spec: a name, a tuple or "Family size"
        last = int(self.text.index("end-1c").split(".")[0])
        width = int(self.tk.call("font", "measure", font, "9" * max(2, len(str(last))))) + 10
        if int(self.cget("width")) != width:
            self.configure(width=width)
        drawn = []
        index = self.text.index("@0,0")
        while True:
            info = self.text.dlineinfo(index)
            if info is None:
                break
            line = int(index.split(".")[0])
            self.create_text(width - 4, info[1], anchor="ne", text=str(line), font=font,
                             fill=self.foreground)
            drawn.append(line)
            nxt = self.text.index(f"{index} +1line linestart")
            if nxt == index or int(nxt.split(".")[0]) > last:
                break
            index = nxt
        self.drawn = drawn

    def destroy(self) -> None:
        if self._job is not None:
            try:
                self.after_cancel(self._job)
            except tk.TclError:
                pass
        super().destroy()
