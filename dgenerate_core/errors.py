"""The exceptions that carry user mistakes: each prints as one clear line, never a traceback."""

from __future__ import annotations


class DgenerateError(Exception):
    """A user-facing error; ``str(err)`` is the single line printed to the user."""


class UsageError(DgenerateError):
    """A bad command line: unknown option, bad value, broken cross-option rule."""


class NotSupportedYet(DgenerateError):
    """A recognised option, directive or value whose feature is not built yet."""

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not supported yet")
        self.what = what


class ModelError(DgenerateError):
    """A model, component or file that cannot be found or loaded."""


class ScriptError(DgenerateError):
    """An error inside a .dgen script, located at a line of a source."""

    def __init__(self, message: str, lineno: int | None = None, source: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno
        self.source = source

    def __str__(self) -> str:
        where = ""
        if self.source and self.lineno is not None:
            where = f"{self.source}:{self.lineno}: "
        elif self.lineno is not None:
            where = f"line {self.lineno}: "
        return f"{where}{self.message}"


class ScriptExit(Exception):
    """Raised by ``\\exit``: stop the process with ``code``."""

    def __init__(self, code: int = 0) -> None:
        super().__init__(code)
        self.code = code
