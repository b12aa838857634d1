"""Data-parallel generation on torch.distributed (docs/distributed.md): the ranks, the split of
an invocation's steps over them, and the ``--ranks`` launcher. Nothing here imports torch at
module level."""

from dgenerate_core.distributed.group import (  # noqa: F401
    CPU_ENV, LAUNCHER_ENV, grace_before_exit, TIMEOUT_ENV, Group, PeerLost, RankFailed, current, is_main, launched,
    quiet_error, rank, silence_other_ranks, world_size,
)
from dgenerate_core.distributed.split import render_split, rounds  # noqa: F401
