"""Show a file in the platform's file manager (Explorer, Finder, or the folder through xdg-open)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def show_in_directory_command(path: str, platform: str = sys.platform) -> list[str] | None:
    """The command that reveals ``path`` in the file manager, or None where none is available."""
    if platform.startswith("win"):
        return ["explorer", f"/select,{os.path.normpath(path)}"]
    if platform == "darwin":
        return ["open", "-R", path]
    opener = shutil.which("xdg-open")
    if opener is None:
        return None
    return [opener, os.path.dirname(os.path.abspath(path)) or "."]


def can_show_in_directory() -> bool:
    """True when this platform has a way to reveal a file."""
    return show_in_directory_command("x") is not None


def show_in_directory(path: str) -> None:
    """Reveal ``path`` in the file manager without waiting for it."""
    command = show_in_directory_command(path)
    if command is None:
        return
    subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=not sys.platform.startswith("win"))
