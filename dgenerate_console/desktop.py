"""Linux desktop integration: a "Dgenerate Console" menu entry, the ``text/x-dgenerate`` MIME type for
``*.dgen`` files and the icon, installed for the user.

``python -m dgenerate_console.desktop install|uninstall [--prefix DIR]`` writes into ``DIR``, or
``$XDG_DATA_HOME`` (default ``~/.local/share``), then runs ``update-mime-database``,
``update-desktop-database`` and ``xdg-mime default`` where they exist.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

APP_ID = "dgenerate-console"
DESKTOP_FILE = f"{APP_ID}.desktop"
MIME_TYPE = "text/x-dgenerate"
MIME_ICON = "text-x-dgenerate"
MIME_PACKAGE = "dgenerate-dgen.xml"
ICONS = {"48x48": "dgenerate-console-48.png", "128x128": "dgenerate-console-128.png",
         "256x256": "dgenerate-console.png"}
RESOURCES_ENV = "DGENERATE_CONSOLE_RESOURCES"
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


def resource_dir() -> Path:
    """The ``resources`` folder (override, checkout or wheel data files: see ``insert.resources``)."""
    from dgenerate_console.insert.resources import resource_dir as find

    return find()


def data_home(prefix: str | os.PathLike[str] | None = None) -> Path:
    """Where the files go: ``prefix``, else ``$XDG_DATA_HOME``, else ``~/.local/share``."""
    if prefix is not None:
        return Path(prefix)
    xdg = os.environ.get("XDG_DATA_HOME")
    return Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".local" / "share"


def launch_command() -> list[str]:
    """The console's command: the installed ``dgenerate-console`` script, else ``python -m``."""
    beside = Path(sys.executable).with_name(APP_ID)
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which(APP_ID)
    if found:
        return [found]
    return [sys.executable, "-m", "dgenerate_console"]


def quote_exec_argument(argument: str) -> str:
    """Quote one argument for a desktop entry's ``Exec`` key (the spec's quoting, then ``%`` doubling)."""
    if argument and not _RESERVED.intersection(argument):
        quoted = argument
    else:
        escaped = "".join("\\" + c if c in '"`$\\' else c for c in argument)
        quoted = f'"{escaped}"'
    return quoted.replace("%", "%%")


def desktop_entry_value(text: str) -> str:
    """Escape a string for a desktop entry value (backslash first)."""
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def render_desktop_entry(command: list[str] | None = None) -> str:
    """The ``.desktop`` file text for ``command`` (default :func:`launch_command`) opening ``%f``."""
    command = launch_command() if command is None else command
    exec_line = " ".join(quote_exec_argument(a) for a in command) + " %f"
    template = (resource_dir() / "desktop" / "dgenerate-console.desktop.in").read_text("utf-8")
    return (template.replace("@EXEC@", desktop_entry_value(exec_line))
            .replace("@TRYEXEC@", desktop_entry_value(command[0]))
            .replace("@ICON@", APP_ID))


def planned_files(home: Path, command: list[str] | None = None) -> dict[Path, bytes]:
    """Every file the install writes, by target path under ``home``."""
    resources = resource_dir()
    files = {home / "applications" / DESKTOP_FILE: render_desktop_entry(command).encode("utf-8"),
             home / "mime" / "packages" / MIME_PACKAGE:
                 (resources / "desktop" / "dgenerate-mime.xml").read_bytes()}
    for size, name in ICONS.items():
        data = (resources / "icons" / name).read_bytes()
        files[home / "icons" / "hicolor" / size / "apps" / f"{APP_ID}.png"] = data
        files[home / "icons" / "hicolor" / size / "mimetypes" / f"{MIME_ICON}.png"] = data
    return files


def _update_commands(home: Path, *, set_default: bool) -> list[list[str]]:
    """The database refresh commands that exist on this system."""
    commands = []
    if shutil.which("update-mime-database"):
        commands.append(["update-mime-database", str(home / "mime")])
    if shutil.which("update-desktop-database"):
        commands.append(["update-desktop-database", str(home / "applications")])
    cache = home / "icons" / "hicolor" / "icon-theme.cache"
    if cache.exists() and shutil.which("gtk-update-icon-cache"):
        commands.append(["gtk-update-icon-cache", "-f", "-t", str(cache.parent)])
    if set_default and shutil.which("xdg-mime"):
        commands.append(["xdg-mime", "default", DESKTOP_FILE, MIME_TYPE])
    return commands


def _run_all(commands: list[list[str]]) -> list[list[str]]:
    """Run each command; a failure is a warning on stderr, not an error."""
    for command in commands:
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired) as error:
            print(f"WARNING: {command[0]} failed: {error}", file=sys.stderr)
            continue
        if result.returncode != 0:
            print(f"WARNING: {' '.join(command)} exited {result.returncode}: "
                  f"{result.stderr.strip()}", file=sys.stderr)
    return commands


def install(prefix: str | os.PathLike[str] | None = None, *, run_tools: bool = True,
            command: list[str] | None = None) -> list[Path]:
    """Write the desktop entry, MIME package and icons; returns the paths written."""
    home = data_home(prefix)
    written = []
    for target, data in planned_files(home, command).items():
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)
        written.append(target)
    if run_tools:
        _run_all(_update_commands(home, set_default=prefix is None))
    return written


def uninstall(prefix: str | os.PathLike[str] | None = None, *, run_tools: bool = True) -> list[Path]:
    """Remove what :func:`install` wrote; returns the paths removed."""
    home = data_home(prefix)
    removed = []
    for target in planned_files(home, ["dgenerate-console"]):
        if target.exists():
            target.unlink()
            removed.append(target)
    if run_tools:
        _run_all(_update_commands(home, set_default=False))
    return removed


def main(argv: list[str] | None = None) -> int:
    """Command line: ``install`` or ``uninstall``, with an optional ``--prefix``."""
    parser = argparse.ArgumentParser(
        prog="python -m dgenerate_console.desktop",
        description="Install or remove the Dgenerate Console desktop entry, the .dgen MIME type "
                    "and the icon for the current user.")
    parser.add_argument("action", choices=("install", "uninstall"))
    parser.add_argument("--prefix", metavar="DIR",
                        help="data directory to use instead of $XDG_DATA_HOME (~/.local/share)")
    parser.add_argument("--no-update", action="store_true",
                        help="do not run update-mime-database / update-desktop-database / xdg-mime")
    args = parser.parse_args(argv)
    if args.action == "install":
        paths = install(args.prefix, run_tools=not args.no_update)
        verb = "Installed"
    else:
        paths = uninstall(args.prefix, run_tools=not args.no_update)
        verb = "Removed"
    for path in paths:
        print(f"{verb}: {path}")
    if not paths:
        print("Nothing to remove." if args.action == "uninstall" else "Nothing installed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
