"""TeaCache (https://github.com/ali-vilab/TeaCache) for the Flux transformer, on diffusers hooks.

At every transformer call the first double block's modulated input (its ``norm1`` of the hidden
states with the timestep embedding) is compared with the one of the previous call; the relative
L1 change, rescaled by TeaCache's fitted polynomial for Flux, is accumulated. While the sum stays
under the threshold the call is skipped: every double and single block passes its input through
and the residual the blocks added at the last computed call is added before ``norm_out``. The
first and last calls of a pipeline call are always computed.
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from dgenerate_core.accelerators.base import Stats, hooked, record
from dgenerate_core.errors import UsageError

#: TeaCache's polynomial (highest power first) mapping the raw relative L1 change for Flux
FLUX_COEFFICIENTS = (4.98651651e+02, -2.83781631e+02, 5.58554382e+01, -3.82021401e+00,
                     2.64230861e-01)


class _State:
    def __init__(self, threshold: float, pipe: Any, stats: Stats) -> None:
        self.threshold = threshold
        self.pipe = pipe
        self.stats = stats
        self.skip = False
        self.accumulated = 0.0
        self.previous: Any = None   # modulated input of the last call
        self.residual: Any = None   # what the blocks added at the last computed call
        self.block_input: Any = None

    def decide(self, modulated: Any) -> bool:
        """True when this call is skipped."""
        index = self.stats.calls - 1
        timesteps = getattr(self.pipe.scheduler, "timesteps", None)
        steps = len(timesteps) if timesteps is not None else 1 << 30
        first_or_last = index == 0 or index >= steps - 1
        if first_or_last or self.previous is None or self.residual is None \
                or self.previous.shape != modulated.shape:
            self.accumulated = 0.0
            skip = False
        else:
            change = ((modulated - self.previous).abs().mean()
                      / self.previous.abs().mean().clamp_min(1e-12)).item()
            self.accumulated += _rescale(change)
            skip = self.accumulated < self.threshold
            if not skip:
                self.accumulated = 0.0
        self.previous = modulated
        return skip


def _rescale(change: float) -> float:
    value = 0.0
    for c in FLUX_COEFFICIENTS:
        value = value * change + c
    return abs(value)


def _hooks(state: _State) -> tuple[type, type, type, type]:
    from diffusers.hooks import ModelHook

    class Count(ModelHook):
        def pre_forward(self, module, *args, **kwargs):
            state.stats.calls += 1
            return args, kwargs

    class First(ModelHook):
        def new_forward(self, module, *args, **kwargs):
            hidden, temb = kwargs["hidden_states"], kwargs["temb"]
            modulated = module.norm1(hidden, emb=temb)[0]
            state.skip = state.decide(modulated)
            if state.skip:
                state.stats.cached += 1
                return kwargs["encoder_hidden_states"], hidden
            state.stats.computed += 1
            state.block_input = hidden
            return self.fn_ref.original_forward(*args, **kwargs)

    class Block(ModelHook):
        def new_forward(self, module, *args, **kwargs):
            if state.skip:
                return kwargs["encoder_hidden_states"], kwargs["hidden_states"]
            return self.fn_ref.original_forward(*args, **kwargs)

    class NormOut(ModelHook):
        def pre_forward(self, module, *args, **kwargs):
            hidden, rest = args[0], args[1:]
            if state.skip:
                hidden = hidden + state.residual
            else:
                state.residual = hidden - state.block_input
            return (hidden, *rest), kwargs

    return Count, First, Block, NormOut


@contextlib.contextmanager
def tea_cache(pipe: Any, threshold: float) -> Iterator[Stats]:
    """Run the block with TeaCache on ``pipe.transformer`` (Flux); yields its statistics."""
    transformer = getattr(pipe, "transformer", None)
    blocks = getattr(transformer, "transformer_blocks", None)
    if not blocks or not hasattr(transformer, "single_transformer_blocks") \
            or not hasattr(blocks[0], "norm1"):
        raise UsageError(f"--tea-cache cannot be used with {type(pipe).__name__} "
                         f"(it needs a Flux transformer)")
    stats = record(Stats("TeaCache"))
    state = _State(threshold, pipe, stats)
    count, first, block, norm_out = _hooks(state)
    pairs = [(transformer, count()), (blocks[0], first()), (transformer.norm_out, norm_out())]
    pairs += [(b, block()) for b in [*blocks[1:], *transformer.single_transformer_blocks]]
    with hooked(pairs, "tea_cache"):
        yield stats
