"""The ``dgenerate`` logger: debug detail (cache hits, model loads) shown on stderr with ``-v``."""

from __future__ import annotations

import logging
import sys

LOGGER_NAME = "dgenerate"
# libraries imported with diffusers / peft that log per layer and step, or about optional kernels
# they cannot fetch (bitsandbytes tries a hub kernel on import): shown only with -v
QUIET_LIBRARIES = ("bitsandbytes", "kernels", "sdnq")


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (tests and the shell swap it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self):  # type: ignore[override]
        return sys.stderr

    @stream.setter
    def stream(self, value) -> None:  # the base class assigns it; we always follow sys.stderr
        pass


def set_verbose(verbose: bool) -> None:
    """Show the ``dgenerate`` logger's DEBUG lines on stderr when ``verbose``, else only warnings."""
    logger = logging.getLogger(LOGGER_NAME)
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        handler = _StderrHandler()
        handler.setFormatter(logging.Formatter("%(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.ERROR)
