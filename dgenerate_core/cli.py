"""The ``dgenerate`` entry point: fast paths first, then script modes, then one generation.

Nothing at module level imports torch or diffusers; ``--version`` and ``--help`` must stay instant.
"""

from __future__ import annotations

import sys
from typing import Sequence

from dgenerate_core import __version__, distributed
from dgenerate_core.errors import DgenerateError, ScriptExit


def _print_error(err: BaseException, verbose: bool) -> None:
    if verbose:
        import traceback

        traceback.print_exception(err, file=sys.stderr)
    print(f"dgenerate: error: {err}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    """Run dgenerate with ``argv`` (default ``sys.argv[1:]``); return the exit status."""
    status = _main(list(sys.argv[1:] if argv is None else argv))
    distributed.grace_before_exit(status)
    return status


def _main(args: list[str]) -> int:
    verbose = "-v" in args or "--verbose" in args
    try:
        return _dispatch(args)
    except ScriptExit as ex:
        return ex.code
    except DgenerateError as ex:
        if not distributed.quiet_error(ex, verbose):
            _print_error(ex, verbose)
        return 1
    except KeyboardInterrupt:
        print("Exiting dgenerate due to keyboard interrupt!", file=sys.stderr)
        return 1
    except BrokenPipeError:
        # the reader of our output went away (``dgenerate --help | head``): stop quietly
        _silence_stdout()
        return 0


def _silence_stdout() -> None:
    """Point stdout at devnull so the interpreter's final flush cannot raise again."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def _dispatch(args: list[str]) -> int:
    if "--version" in args:
        print(f"dgenerate v{__version__}")
        return 0
    if "--console" in args:
        args.remove("--console")
        from dgenerate_console.app import main as console_main  # start-up: Tk only for --console

        return console_main(args)
    if "-h" in args or "--help" in args:
        if "--sub-command" not in args:
            from dgenerate_core.options import format_help  # start-up: --version loads no table

            print(format_help())
            return 0
    from dgenerate_core import modes  # start-up: --version and --help load no mode machinery

    return modes.run(args)
