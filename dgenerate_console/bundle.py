"""The frozen bundle (PyInstaller, ``installer/``): which command starts the interpreter child, and
how the bundle's executables read a module-style command line.

In a frozen bundle ``sys.executable`` is the bundle's own executable, not a Python, so
``sys.executable -m dgenerate_core`` means nothing to it. The console therefore starts the bundle's
``dgenerate`` executable beside itself; and every bundle executable also accepts
``-m dgenerate_core ...`` / ``-m dgenerate_console ...`` (see :func:`bundle_argv`), so the
module-style command line still works from a frozen ``sys.executable``. Never a ``dgenerate``
found on ``PATH``: the bundle runs its own engine.
"""

from __future__ import annotations

import os
import sys

CLI_NAME = "dgenerate"
MODULES = {"dgenerate_core": "cli", "dgenerate_console": "console",
           "dgenerate_console.desktop": "desktop"}


def is_frozen() -> bool:
    """True inside a PyInstaller bundle."""
    return bool(getattr(sys, "frozen", False))


def cli_executable(executable: str, os_name: str = os.name) -> str | None:
    """The bundle's ``dgenerate`` executable beside ``executable``, when it is there."""
    name = CLI_NAME + (".exe" if os_name == "nt" else "")
    candidate = os.path.join(os.path.dirname(os.path.abspath(executable)), name)
    return candidate if os.path.isfile(candidate) else None


def interpreter_command(frozen: bool | None = None, executable: str | None = None,
                        os_name: str = os.name) -> list[str]:
    """The argv prefix that starts the engine (the console appends ``--shell-protocol`` ...).

    Not frozen: ``python -m dgenerate_core``. Frozen: the bundle's ``dgenerate`` beside the
    running executable, else the running executable itself in module style (which
    :func:`bundle_argv` understands)."""
    frozen = is_frozen() if frozen is None else frozen
    executable = sys.executable if executable is None else executable
    if not frozen:
        return [executable, "-m", "dgenerate_core"]
    beside = cli_executable(executable, os_name)
    if beside is not None:
        return [beside]
    return [executable, "-m", "dgenerate_core"]


def bundle_argv(argv: list[str], default: str) -> tuple[str, list[str]]:
    """A bundle executable's arguments → ``("cli" | "console" | "desktop", remaining arguments)``.

    ``-m dgenerate_core ARGS`` runs the engine, ``-m dgenerate_console ARGS`` the console and
    ``-m dgenerate_console.desktop install`` the Linux desktop integration (installer/linux),
    whichever executable was started; anything else runs that executable's ``default``. An
    unknown ``-m`` module is left in the arguments (the engine then names it as a bad option)."""
    if len(argv) >= 2 and argv[0] == "-m" and argv[1] in MODULES:
        return MODULES[argv[1]], list(argv[2:])
    if argv and argv[0].startswith("-m") and argv[0][2:] in MODULES:
        return MODULES[argv[0][2:]], list(argv[1:])
    return default, list(argv)

