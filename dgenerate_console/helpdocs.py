"""Help → manual and examples: the web pages when a browser and the network are there, else
the local copies shipped with the package (README.md, docs/, examples/), shown in a browser or,
without one, in a window of the console; the console says which, or that nothing could open."""

from __future__ import annotations

import os
import socket
import sys
import threading
import tkinter as tk
import webbrowser
from pathlib import Path
from typing import Callable
from urllib.parse import urlparse

__all__ = ["local_copy", "browser_available", "network_reachable", "HelpOpener", "TextWindow"]

# Help menu label → the local file or folder standing in for its web page
LOCAL = {"Config Examples": "examples", "Config Documentation": "README.md",
         "Project Documentation": "docs", }
_TEXT_SUFFIXES = {".dgen", ".py", ".md", ".txt", ".recipe", ".json", ".toml"}
_ROOTS = (Path(__file__).resolve().parents[1], Path(sys.prefix) / "share" / "dgenerate")


def local_copy(label: str) -> Path | None:
    """The local copy for a Help entry (the checkout's, else the installed data files)."""
    name = LOCAL.get(label, "README.md")
    for root in _ROOTS:
        candidate = root / name
        if candidate.exists():
            return candidate
    return None


def browser_available() -> bool:
    """True when Python's ``webbrowser`` knows a browser to start."""
    try:
        webbrowser.get()
        return True
    except webbrowser.Error:
        return False


def network_reachable(url: str, timeout: float = 1.5) -> bool:
    """True when the URL's host answers a TCP connection within ``timeout`` seconds."""
    parsed = urlparse(url)
    host, port = parsed.hostname, parsed.port or (443 if parsed.scheme == "https" else 80)
    if not host:
        return False
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


class HelpOpener:
    """Opens Help entries without blocking the window (the network check runs on a thread)."""

    def __init__(self, root: tk.Misc, info: Callable[[str], None], theme: Callable[[], object],
                 browser: Callable[[], bool] = browser_available,
                 reachable: Callable[[str], bool] = network_reachable) -> None:
        self.root = root
        self.info = info
        self.theme = theme
        self.browser = browser
        self.reachable = reachable
        self.windows: list[TextWindow] = []

    def open(self, label: str, url: str) -> None:
        """Open the page ``url`` (Help entry ``label``), or its local copy."""
        if not self.browser():
            self._open_local(label, url, "No web browser is available")
            return
        result: list[bool] = []
        threading.Thread(target=lambda: result.append(self.reachable(url)), daemon=True).start()
        self._wait(result, label, url, 0)

    def _wait(self, result: list[bool], label: str, url: str, waited: int) -> None:
        if not result and waited < 3000:
            self.root.after(50, lambda: self._wait(result, label, url, waited + 50))
            return
        if result and result[0] and webbrowser.open(url):
            self.info(f"Opened {url}")
            return
        self._open_local(label, url, "The network is not reachable")

    def _open_local(self, label: str, url: str, why: str) -> None:
        path = local_copy(label)
        if path is None:
            self.info(f"{why} and there is no local copy of {label}: cannot open {url}")
            return
        if self.browser() and path.is_file() and webbrowser.open(path.as_uri()):
            self.info(f"{why}: opened the local copy {path}")
            return
        self.windows.append(TextWindow(self.root, f"{label} (local copy)", _text_of(path),
                                       self.theme()))
        self.info(f"{why}: showing the local copy {path}")


def _text_of(path: Path) -> str:
    """A file's text; a folder: its files, each with its first comment or line."""
    if path.is_file():
        return path.read_text(encoding="utf-8", errors="replace")
    lines = [f"Local copy: {path}", ""]
    for item in sorted(p for p in path.rglob("*") if p.is_file())[:500]:
        first = ""
        if item.suffix.lower() not in _TEXT_SUFFIXES:  # images: a name only, never their bytes
            lines.append(str(item.relative_to(path)))
            continue
        try:
            with open(item, encoding="utf-8", errors="replace") as stream:
                # the first line that says something (not a "#!" line, not blank)
                first = next((line.strip() for line in stream
                              if line.strip() and not line.startswith("#!")), "")
        except OSError:
            pass
        lines.append(f"{item.relative_to(path)}    {first[:80]}")
    lines.append("")
    lines.append("Open a script with File -> Open... (Ctrl+O).")
    return "\n".join(lines)


class TextWindow(tk.Toplevel):
    """A read-only, themed, scrollable text window (a local help page)."""

    def __init__(self, parent: tk.Misc, title: str, text: str, theme) -> None:
        super().__init__(parent)
        self.title(title)
        self.text = tk.Text(self, wrap="word", width=100, height=36, borderwidth=0, padx=8,
                            pady=8, background=theme.background, foreground=theme.foreground,
                            selectbackground=theme.selection_background,
                            selectforeground=theme.selection_foreground)
        bar = tk.Scrollbar(self, orient="vertical", command=self.text.yview)
        self.text.configure(yscrollcommand=bar.set)
        bar.pack(side="right", fill="y")
        self.text.pack(side="left", fill="both", expand=True)
        self.text.insert("1.0", text)
        self.text.configure(state="disabled")
        self.bind("<Escape>", lambda _e: self.destroy())
        if os.name != "nt":
            self.transient(parent.winfo_toplevel())
