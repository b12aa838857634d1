"""An argparse parser for directive arguments that never exits the process."""

from __future__ import annotations

import argparse
import sys

from dgenerate_core.errors import ScriptError


class HelpShown(Exception):
    """``--help`` was printed; the directive returns 0."""


class DirectiveParser(argparse.ArgumentParser):
    """``--help`` prints the help and returns normally; a usage error raises ScriptError."""

    def __init__(self, name: str, **kw) -> None:
        super().__init__(prog=f"\\{name}", exit_on_error=False, **kw)

    def exit(self, status: int = 0, message: str | None = None):  # type: ignore[override]
        if status == 0:
            raise HelpShown()
        raise ScriptError(f"{self.prog}: {(message or 'bad arguments').strip()}")

    def error(self, message: str):  # type: ignore[override]
        raise ScriptError(f"{self.prog}: {message}")

    def parse(self, args: list[str]):
        """The parsed namespace, or None when ``--help`` was shown."""
        try:
            return self.parse_args(args)
        except HelpShown:
            sys.stdout.flush()
            return None
        except argparse.ArgumentError as ex:
            raise ScriptError(f"{self.prog}: {ex}") from None
