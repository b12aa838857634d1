"""``--ranks N``: start N ranks of this very command on this machine (torchrun's launcher,
``--standalone`` rendezvous on a free local port) and report a dead rank in one line."""

from __future__ import annotations

import logging
import os
import sys

from dgenerate_core.distributed.group import LAUNCHER_ENV
from dgenerate_core.errors import UsageError

OPTION = "--ranks"


def take_option(args: list[str]) -> tuple[str | None, list[str]]:
    """Split ``--ranks N`` (or ``--ranks=N``) off ``args``: (N or None, the other args)."""
    out: list[str] = []
    value: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == OPTION:
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                raise UsageError(f"argument {OPTION}: expected one argument")
            value, i = args[i + 1], i + 2
            continue
        if arg.startswith(OPTION + "="):
            value = arg.split("=", 1)[1]
        else:
            out.append(arg)
        i += 1
    return value, out


def rank_count(value: str) -> int:
    """``auto`` = one rank per CUDA device (at least 1), else a positive integer."""
    if value.strip().lower() == "auto":
        import torch

        return max(1, torch.cuda.device_count())
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise UsageError(f'argument {OPTION}: "{value}" is not a positive integer or "auto"')
    return count


def _report(ex) -> None:
    """One line for a failed run, about the rank that failed first; nothing when that is rank 0
    (it printed its error itself). Ranks stopped by the launcher after it are not reported."""
    rank, failure = ex.get_first_failure()
    if failure.exitcode is not None and failure.exitcode < 0:
        print(f"dgenerate: error: {OPTION}: rank {rank} was killed by {failure.signal_name()}; "
              f"the run was stopped on every rank", file=sys.stderr, flush=True)
    elif rank != 0:
        print(f"dgenerate: error: {OPTION}: rank {rank} exited with status {failure.exitcode}; "
              f"the run was stopped on every rank (-v shows its error)", file=sys.stderr,
              flush=True)


def launch(count: int, args: list[str], verbose: bool) -> int:
    """Run ``python -m dgenerate_core ARGS`` as ``count`` ranks; return the exit status."""
    from torch.distributed.elastic.multiprocessing.errors import ChildFailedError
    from torch.distributed.run import get_args_parser, run

    os.environ[LAUNCHER_ENV] = "1"
    if not verbose:
        logging.getLogger("torch.distributed").setLevel(logging.CRITICAL)
    parsed = get_args_parser().parse_args(
        ["--standalone", f"--nproc-per-node={count}", "--monitor-interval=0.2",
         "--module", "dgenerate_core", *args])
    try:
        run(parsed)
    except ChildFailedError as ex:
        _report(ex)
        return 1
    return 0
