"""The status bar: interpreter state (with a ticking elapsed time), working directory, last exit status, progress."""

from __future__ import annotations

import time
import tkinter as tk
from tkinter import ttk

TICK_MS = 500


def format_elapsed(seconds: float) -> str:
    """``12.3s`` under a minute, ``4m05s`` under an hour, else ``1h02m03s``."""
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m{secs:02d}s"


class StatusBar(tk.Frame):
    """``state`` is ``idle``, ``running`` or ``restarting``; labels are plain ``tk.Label`` widgets."""

    def __init__(self, master: tk.Misc, *, theme=None, scale: float = 1.0) -> None:
        super().__init__(master, borderwidth=1, relief="sunken")
        self.state = "idle"
        self.last_progress: tuple[int, int] | None = None  # the latest progress event, kept after done
        self._started = 0.0
        self._tick_id: str | None = None
        self.state_label = tk.Label(self, text="Idle", anchor="w", width=16)
        self.exit_label = tk.Label(self, text="", anchor="w")
        self.cwd_label = tk.Label(self, text="", anchor="w")
        self.progress = ttk.Progressbar(self, orient="horizontal", length=max(1, round(180 * scale)),
                                        mode="determinate",
                                        maximum=1, value=0)
        self.progress_label = tk.Label(self, text="", anchor="e", width=10)
        self.queue_label = tk.Label(self, text="", anchor="w")
        self.activity_label = tk.Label(self, text="", anchor="e")
        self.activity = ""  # what is loading / warming up ("" when nothing)
        self.queued = 0
        self.state_label.pack(side="left")
        self.exit_label.pack(side="left", padx=(0, 12))
        self.queue_label.pack(side="left", padx=(0, 12))
        self.progress.pack(side="right", padx=4)
        self.progress_label.pack(side="right")
        self.activity_label.pack(side="right", padx=(12, 4))
        self.cwd_label.pack(side="left", fill="x", expand=True)
        if theme is not None:
            self.set_theme(theme)

    def set_idle(self) -> None:
        self._set_state("idle", "Idle")

    def set_running(self) -> None:
        """Running: the elapsed time ticks from now."""
        if self.state != "running":
            self._started = time.monotonic()
        self._set_state("running", "Running 0.0s")
        self._schedule()

    def set_restarting(self) -> None:
        self._set_state("restarting", "Restarting...")
        self.reset_progress()

    def set_state(self, state: str) -> None:
        """Dispatch on the client's state name."""
        {"idle": self.set_idle, "running": self.set_running,
         "restarting": self.set_restarting}.get(state, self.set_idle)()

    def set_cwd(self, cwd: str) -> None:
        self.cwd_label.configure(text=f"Directory: {cwd}")

    def set_exit_status(self, status: int, seconds: float | None = None,
                        killed: bool = False) -> None:
        """Show the last finished command's exit status (and its duration, or that it was killed)."""
        if killed:
            took = " (killed)"
        else:
            took = f" ({format_elapsed(seconds)})" if seconds is not None else ""
        self.exit_label.configure(text=f"Exit Status: {status}{took}")
        self.reset_progress()

    def set_queue(self, waiting: int) -> None:
        """Commands waiting behind the running one (Run → Clear Queue drops them)."""
        self.queued = max(0, int(waiting))
        self.queue_label.configure(text=f"{self.queued} queued" if self.queued else "")

    def set_activity(self, text: str | None) -> None:
        """What the interpreter is doing without a step count (``Loading ...``, warm-up): the
        text beside an indeterminate (bouncing) bar; None or "" ends it."""
        text = (text or "").strip()
        if len(text) > 60:
            text = text[:57] + "..."
        self.activity = text
        self.activity_label.configure(text=text)
        if text:
            self.progress_label.configure(text="")
            self.progress.configure(mode="indeterminate", maximum=100)
            self.progress.start(40)
        else:
            self.progress.stop()
            self.progress.configure(mode="determinate", maximum=1, value=0)

    def set_progress(self, step: int, total: int) -> None:
        """A ``progress`` event: step of total (ends a loading activity)."""
        if self.activity:
            self.set_activity(None)
        total = max(int(total), 1)
        step = max(0, min(int(step), total))
        self.last_progress = (step, total)
        self.progress.configure(maximum=total, value=step)
        self.progress_label.configure(text=f"{step}/{total}")

    def reset_progress(self) -> None:
        if self.activity:
            self.set_activity(None)
        self.progress.configure(maximum=1, value=0)
        self.progress_label.configure(text="")

    def set_theme(self, theme) -> None:
        labels = (self.state_label, self.exit_label, self.cwd_label, self.progress_label,
                  self.queue_label, self.activity_label)
        for widget in (self, *labels):
            widget.configure(background=theme.panel)
        for widget in labels:
            widget.configure(foreground=theme.info)

    def _set_state(self, state: str, text: str) -> None:
        self.state = state
        self.state_label.configure(text=text)

    def destroy(self) -> None:
        """Cancel the elapsed-time tick, then destroy the widgets."""
        if self._tick_id is not None:
            self.after_cancel(self._tick_id)
            self._tick_id = None
        self.progress.stop()
        super().destroy()

    def _schedule(self) -> None:
        if self._tick_id is None:
            self._tick_id = self.after(TICK_MS, self._tick)

    def _tick(self) -> None:
        self._tick_id = None
        if self.state != "running":
            return
        elapsed = time.monotonic() - self._started
        self.state_label.configure(text=f"Running {format_elapsed(elapsed)}")
        self._schedule()
