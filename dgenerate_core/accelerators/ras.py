"""RAS, region-adaptive sampling (https://github.com/microsoft/ras), for the SD3 transformer, built
on diffusers hooks.

On a RAS step only a subset of the image tokens goes through the transformer blocks: after the
patch embedding the chosen tokens are gathered, the attention keys and values of the tokens left
out come from a cache of their last computed values (so the chosen ones still attend to the whole
image), and after ``proj_out`` the outputs of the tokens left out are the ones they had at the
last step. Dense steps (before ``--ras-start-steps``, from ``--ras-end-steps``, and the
``--ras-error-reset-steps``) run every token and refresh the caches.

The tokens run are the ``sample ratio`` share with the highest score; a token's score is its
metric on the last output (``std`` or ``l2norm`` over its channels, scaled to [0, 1]) plus
``--ras-starvation-scales`` times how many steps in a row it was left out. ``--ras-high-ratios``
of them are picked by score, the rest by starvation alone. With ``--ras-skip-num-step-lengths``
N > 0 the number of tokens left out grows by ``--ras-skip-num-steps`` every N RAS steps
(shrinks when negative). The count left out is rounded down to a multiple of 64 when the image
has at least 1024 tokens (a 512x512 SD3 image). ``--ras-index-fusion`` is a fused kernel of the
reference and changes nothing here (docs/decisions.md).
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

from dgenerate_core.accelerators.base import Stats, hooked, record
from dgenerate_core.errors import UsageError


@dataclass(frozen=True)
class RasParams:
    sample_ratio: float = 0.5
    high_ratio: float = 1.0
    starvation_scale: float = 0.1
    error_reset_steps: tuple[int, ...] = (12, 22)
    metric: str = "std"
    start_step: int = 4
    end_step: int | None = None
    skip_num_step: int = 0
    skip_num_step_length: int = 0


def params_for(step: Any) -> RasParams:
    """The step's RAS parameters (defaults for those not given)."""
    d = RasParams()

    def pick(dest: str, default: Any) -> Any:
        return default if step[dest] is None else step[dest]

    reset = pick("ras_error_reset_steps", d.error_reset_steps)
    reset = tuple(reset) if isinstance(reset, (list, tuple)) else (int(reset),)
    return RasParams(float(pick("ras_sample_ratios", d.sample_ratio)),
                     float(pick("ras_high_ratios", d.high_ratio)),
                     float(pick("ras_starvation_scales", d.starvation_scale)),
                     tuple(int(x) for x in reset), str(pick("ras_metrics", d.metric)),
                     int(pick("ras_start_steps", d.start_step)),
                     None if step["ras_end_steps"] is None else int(step["ras_end_steps"]),
                     int(pick("ras_skip_num_steps", d.skip_num_step)),
                     int(pick("ras_skip_num_step_lengths", d.skip_num_step_length)))


class _State:
    def __init__(self, params: RasParams, stats: Stats) -> None:
        self.p = params
        self.stats = stats
        self.index: Any = None       # LongTensor of the tokens run this call, None when dense
        self.last_out: Any = None    # proj_out output of every token at the last call
        self.starved: Any = None     # steps in a row each token was left out
        self.ras_steps = 0

    def dense(self, step: int) -> bool:
        p = self.p
        end = p.end_step if p.end_step is not None else 1 << 30
        return (self.last_out is None or step < p.start_step or step >= end
                or step in p.error_reset_steps)

    def skipped_count(self, tokens: int) -> int:
        p = self.p
        skipped = int(tokens * (1.0 - p.sample_ratio))
        if p.skip_num_step_length > 0:
            skipped += p.skip_num_step * (self.ras_steps // p.skip_num_step_length)
        if tokens >= 1024:
            skipped -= skipped % 64
        return max(0, min(tokens - 1, skipped))

    def choose(self) -> Any:
        import torch

        out = self.last_out.float()
        metric = out.std(dim=-1) if self.p.metric == "std" else out.norm(dim=-1)
        metric = metric.mean(dim=0)
        metric = metric / metric.max().clamp_min(1e-12)
        tokens = metric.shape[0]
        keep = tokens - self.skipped_count(tokens)
        score = metric + self.p.starvation_scale * self.starved
        high = max(0, min(keep, round(keep * self.p.high_ratio)))
        chosen = torch.topk(score, high).indices if high else score.new_zeros(0).long()
        if keep > high:
            rest = self.starved.clone().float()
            rest[chosen] = -1.0
            chosen = torch.cat([chosen, torch.topk(rest, keep - high).indices])
        return chosen.sort().values


def _hooks(state: _State) -> tuple[type, type, type, type]:
    from diffusers.hooks import ModelHook

    class Call(ModelHook):
        def pre_forward(self, module, *args, **kwargs):
            step = state.stats.calls
            state.stats.calls += 1
            state.index = None if state.dense(step) else state.choose()
            if state.index is None:
                state.stats.computed += 1
            else:
                state.stats.cached += 1
                state.ras_steps += 1
                total = state.last_out.shape[1]
                state.stats.extra["tokens_skipped"] = state.stats.extra.get(
                    "tokens_skipped", 0) + total - int(state.index.numel())
            return args, kwargs

    class Gather(ModelHook):
        def post_forward(self, module, output):
            if state.index is None:
                return output
            return output[:, state.index]

    class KeyValue(ModelHook):
        cache: Any = None

        def post_forward(self, module, output):
            if state.index is None or self.cache is None \
                    or self.cache.shape[0] != output.shape[0]:
                self.cache = output.detach()
                return output
            full = self.cache.clone()
            full[:, state.index] = output
            self.cache = full
            return full

    class Scatter(ModelHook):
        def post_forward(self, module, output):
            import torch

            if state.index is not None:
                full = state.last_out.clone().to(output.dtype)
                full[:, state.index] = output
                output = full
            tokens = output.shape[1]
            if state.starved is None or state.starved.shape[0] != tokens:
                state.starved = torch.zeros(tokens, device=output.device)
            if state.index is None:
                state.starved.zero_()
            else:
                state.starved += 1
                state.starved[state.index] = 0
            state.last_out = output.detach()
            return output

    return Call, Gather, KeyValue, Scatter


def _attentions(transformer: Any) -> list[Any]:
    out = []
    for block in transformer.transformer_blocks:
        for name in ("attn", "attn2"):
            attn = getattr(block, name, None)
            if attn is not None:
                out += [attn.to_k, attn.to_v]
    return out


@contextlib.contextmanager
def ras(pipe: Any, params: RasParams) -> Iterator[Stats]:
    """Run the block with RAS on ``pipe.transformer`` (SD3); yields its statistics."""
    transformer = getattr(pipe, "transformer", None)
    if transformer is None or not hasattr(transformer, "pos_embed") \
            or not hasattr(transformer, "proj_out"):
        raise UsageError(f"--ras cannot be used with {type(pipe).__name__} "
                         f"(it needs a Stable Diffusion 3 transformer)")
    if getattr(pipe, "controlnet", None) is not None:
        raise UsageError("--ras cannot be used with --control-nets")
    stats = record(Stats("RAS"))
    state = _State(params, stats)
    call, gather, key_value, scatter = _hooks(state)
    pairs = [(transformer, call()), (transformer.pos_embed, gather()),
             (transformer.proj_out, scatter())]
    pairs += [(linear, key_value()) for linear in _attentions(transformer)]
    with hooked(pairs, "ras"):
        yield stats
