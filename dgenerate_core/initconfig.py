"""``~/.dgenerate/init.dgen``: created with commented examples on first run, executed at start-up.

Errors while running it are printed as warnings and never stop dgenerate.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any
from dgenerate_core.errors import ScriptExit

DEFAULT_INIT = """\
#! dgenerate 5.0.0
#
# dgenerate start-up configuration.
#
# This file runs every time dgenerate starts (command line, --file, --shell and
# the console), before anything else. Use it to set environment variables with
# \\env, load plugins with \\import_plugins, or set template variables.
# Errors here are printed as warnings and never stop dgenerate.
#
# Remove the leading '#' of a line to use it.

# Cache directories
# \\env DGENERATE_CACHE=/path/to/my/cache
# \\env HF_HOME=/path/to/hf/cache

# Authentication tokens
# \\env HF_TOKEN=your_huggingface_token_here
# \\env CIVIT_AI_TOKEN=your_civitai_token_here

# Performance and behaviour
# \\env DGENERATE_TORCH_COMPILE=0
# \\env DGENERATE_OFFLINE_MODE=1

# Web cache expiry (timedelta arguments separated by ';', or forever)
# \\env DGENERATE_WEB_CACHE_EXPIRY_DELTA=days=7

# Plugins to load every time
# \\import_plugins /path/to/my_plugin.py
"""


def config_dir() -> Path:
    """``~/.dgenerate`` (``%USERPROFILE%\\.dgenerate`` on Windows)."""
    return Path(os.path.expanduser("~")) / ".dgenerate"


def init_path() -> Path:
    """The path of the start-up script."""
    return config_dir() / "init.dgen"


def ensure_init_file() -> Path | None:
    """Create ``~/.dgenerate/init.dgen`` with the default comments if missing; None if impossible."""
    path = init_path()
    if path.exists():
        return path
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as out:
            out.write(DEFAULT_INIT)
    except FileExistsError:
        pass
    except OSError as ex:
        print(f"WARNING: cannot create init config {path}: {ex}", file=sys.stderr)
        return None
    return path


def has_statements() -> bool:
    """True when the init config (created if missing) holds more than comments and blank lines."""
    path = ensure_init_file()
    if path is None:
        return False
    try:
        with open(path, encoding="utf-8", errors="replace") as text:
            return any(line.strip() and not line.lstrip().startswith("#") for line in text)
    except OSError:
        return True  # let the runner report it


def warn(path: Path, message: str) -> None:
    """Print the warning for an error inside the init config."""
    print(f"WARNING: Error executing init config {path}: {message}", file=sys.stderr)


def run_init(runner: Any, verbose: bool = False) -> bool:
    """Create (if needed) and run the init config in ``runner``; False when it raised an error."""
    path = ensure_init_file()
    if path is None:
        return True

    try:
        runner.run_file(str(path))
    except ScriptExit as ex:
        warn(path, f"\\exit {ex.code} is ignored in the init config")
        return False
    except KeyboardInterrupt:
        raise
    except Exception as ex:  # an init error must never stop start-up
        if verbose:
            import traceback

            traceback.print_exception(ex, file=sys.stderr)
        warn(path, str(ex) or type(ex).__name__)
        return False
    return True
