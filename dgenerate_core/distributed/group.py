"""The ranks of a torch.distributed run (``torchrun``, ``accelerate launch``, ``--ranks``).

A process is one rank when the launcher set ``WORLD_SIZE`` > 1. The process group is started
lazily (through ``accelerate.PartialState``, one device per local rank) the first time ranks
must meet. Every collective here has a timeout and turns a lost peer into one clear
:class:`PeerLost` line instead of a hang or a traceback. torch is imported lazily.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

from dgenerate_core.errors import DgenerateError

#: seconds a rank waits for the others at a meeting point (a model load, one round of steps)
TIMEOUT_ENV = "DGENERATE_DISTRIBUTED_TIMEOUT"
DEFAULT_TIMEOUT = 1800
#: "1": gloo on the CPU even where an accelerator exists (tests, CPU farms)
CPU_ENV = "DGENERATE_DISTRIBUTED_CPU"
#: set by ``--ranks``: the launcher reports a dead rank, the survivors exit quietly
LAUNCHER_ENV = "DGENERATE_DISTRIBUTED_LAUNCHER"


class PeerLost(DgenerateError):
    """Another rank stopped (crashed, killed, or stuck past the timeout)."""


class RankFailed(DgenerateError):
    """A rank raised an error that every rank now reports (printed by rank 0 only)."""


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


def world_size() -> int:
    """The number of ranks the launcher started (1 outside a distributed run)."""
    return max(1, _env_int("WORLD_SIZE", 1))


def rank() -> int:
    """This process's global rank (0 outside a distributed run)."""
    return _env_int("RANK", 0) if world_size() > 1 else 0


def launched() -> bool:
    """True in a process started as one of several ranks."""
    return world_size() > 1


def is_main() -> bool:
    """True on rank 0 (and in every ordinary, one-process run)."""
    return rank() == 0


def timeout_seconds() -> float:
    """The collective timeout (``DGENERATE_DISTRIBUTED_TIMEOUT``, default 30 minutes)."""
    try:
        return max(1.0, float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT)))
    except ValueError:
        return float(DEFAULT_TIMEOUT)


def _first_line(ex: BaseException) -> str:
    text = str(ex).strip().splitlines()
    return text[0][:200] if text else type(ex).__name__


class Group:
    """This rank's view of the run: rank, size, and the collectives dgenerate needs."""

    def __init__(self, rank_: int, size: int, local_rank: int, device: str) -> None:
        self.rank, self.size, self.local_rank, self.device = rank_, size, local_rank, device

    @property
    def main(self) -> bool:
        return self.rank == 0

    def _collective(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except KeyboardInterrupt:
            raise
        except Exception as ex:  # gloo / nccl report a dead peer or a timeout as RuntimeError
            raise PeerLost(f"rank {self.rank}: another rank stopped, ending the run "
                           f"({_first_line(ex)})") from None

    def all_gather(self, obj: Any) -> list[Any]:
        """Every rank's ``obj``, in rank order."""
        import torch.distributed as dist

        out: list[Any] = [None] * self.size
        self._collective(lambda: dist.all_gather_object(out, obj))
        return out

    def broadcast(self, obj: Any) -> Any:
        """Rank 0's ``obj`` on every rank."""
        import torch.distributed as dist

        box = [obj if self.main else None]
        self._collective(lambda: dist.broadcast_object_list(box, src=0))
        return box[0]

    def agree(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on every rank; when any rank fails, every rank raises its error."""
        result, error = None, None
        try:
            result = fn()
        except DgenerateError as ex:
            error = str(ex)
        except Exception as ex:  # noqa: BLE001 - e.g. out of memory on one GPU: every rank stops
            error = f"{type(ex).__name__}: {_first_line(ex)}"
        check_errors(self.all_gather(error))
        return result

    def once(self, fn: Callable[[], Any]) -> Any:
        """Run ``fn`` on rank 0 only; every rank gets its result (or raises its error)."""
        result, error = None, None
        if self.main:
            try:
                result = fn()
            except DgenerateError as ex:
                error = str(ex)
            except Exception as ex:  # noqa: BLE001 - the other ranks are waiting for it
                error = f"{type(ex).__name__}: {_first_line(ex)}"
        result, error = self.broadcast((result, error))
        if error is not None:
            raise RankFailed(error)
        return result


def check_errors(errors: list[str | None]) -> None:
    """Raise the first rank's error (the same one on every rank)."""
    for index, error in enumerate(errors):
        if error is not None:
            raise RankFailed(error if index == 0 else f"rank {index}: {error}")


_GROUP: list[Group | None] = []


def _start() -> Group:
    from datetime import timedelta

    import torch
    from accelerate import PartialState

    cpu = os.environ.get(CPU_ENV) == "1" or not torch.cuda.is_available()
    try:
        state = PartialState(cpu=cpu, timeout=timedelta(seconds=timeout_seconds()))
    except Exception as ex:  # noqa: BLE001 - rendezvous failures: one line
        raise PeerLost(f"rank {rank()}: cannot join the other ranks ({_first_line(ex)})") from None
    import atexit

    atexit.register(_finish)
    return Group(state.process_index, state.num_processes, state.local_process_index,
                 str(state.device))


def _finish() -> None:
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        try:
            dist.destroy_process_group()
        except Exception:  # noqa: BLE001 - leaving anyway
            pass


def current() -> Group | None:
    """The process group of this run (started on first use), or None in a one-process run."""
    if not launched():
        return None
    if not _GROUP:
        _GROUP.append(_start())
    return _GROUP[0]


def _chain(err: BaseException | None):
    while err is not None:
        yield err
        err = err.__cause__ or err.__context__


def quiet_error(err: BaseException, verbose: bool = False) -> bool:
    """True when this rank should not print ``err``: rank 0 prints the errors every rank has
    (``-v`` prints them everywhere); a lost peer is printed by every survivor, except under
    ``--ranks``, whose launcher names the rank that died."""
    if not launched() or verbose:
        return False
    if any(isinstance(e, PeerLost) for e in _chain(err)):
        return os.environ.get(LAUNCHER_ENV) == "1"
    return not is_main()


#: seconds a failing rank other than 0 waits before it exits, so that rank 0 reports first
GRACE_SECONDS = 3.0


def grace_before_exit(status: int) -> None:
    """A rank other than 0 that fails waits a moment: a rank 0 with the same error prints it
    and exits first, and the launcher then stops this rank (nothing is printed twice)."""
    if status and launched() and not is_main():
        import time

        time.sleep(GRACE_SECONDS)


def silence_other_ranks() -> None:
    """Ranks other than 0 print nothing on standard output (their step log reaches rank 0)
    and show no progress bars."""
    if launched() and not is_main():
        os.environ["TQDM_DISABLE"] = "1"
        sys.stdout = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 - for the process
