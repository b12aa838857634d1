"""SADA, stability-guided adaptive diffusion acceleration
(https://github.com/Ting-Justin-Jiang/sada-icml), step-wise: denoiser calls whose result is
predictable are skipped and extrapolated.

Within ``--sada-acc-ranges start,end`` (denoiser call indices) a call is skipped when the last
three computed outputs are stable, i.e. their second difference is smaller than their first
difference (the trajectory's third-order dynamics are smooth); at most ``max_interval - 1``
calls in a row are skipped. From ``--sada-lagrange-steps`` on, only every
``--sada-lagrange-ints``-th call is computed. A skipped call's output is the Lagrange polynomial
through the last ``--sada-lagrange-terms`` computed outputs (0 terms: the last output reused).
The first and last calls are always computed.

Not built (docs/decisions.md): SADA's token-wise pruning, so ``--sada-max-downsamples``,
``--sada-sxs``, ``--sada-sys`` and ``--sada-max-fixes`` are accepted and validated but change
nothing.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

from dgenerate_core.accelerators.base import (
    Stats, denoiser, first_tensor, hooked, record, same_form,
)
from dgenerate_core.errors import UsageError


@dataclass(frozen=True)
class SadaParams:
    acc_start: int = 10
    acc_end: int = 47
    lagrange_terms: int = 4
    lagrange_int: int = 4
    lagrange_step: int = 24
    max_interval: int = 4


#: model-type defaults of the step-wise parameters (the manual's --sada list)
DEFAULTS = {"sd": SadaParams(), "sdxl": SadaParams(), "kolors": SadaParams(),
            "flux": SadaParams(lagrange_terms=3, lagrange_step=20)}


def params_for(step: Any, model_type: str) -> SadaParams:
    """The step's SADA parameters, model-type defaults for those not given."""
    base = DEFAULTS.get(model_type.split("-")[0], SadaParams())
    acc = step["sada_acc_ranges"] or (base.acc_start, base.acc_end)

    def pick(dest: str, default: int) -> int:
        return default if step[dest] is None else int(step[dest])

    params = SadaParams(int(acc[0]), int(acc[1]), pick("sada_lagrange_terms", base.lagrange_terms),
                        pick("sada_lagrange_ints", base.lagrange_int),
                        pick("sada_lagrange_steps", base.lagrange_step),
                        pick("sada_max_intervals", base.max_interval))
    if params.lagrange_step % params.lagrange_int:
        raise UsageError(f"--sada-lagrange-steps {params.lagrange_step} must be a multiple of "
                         f"--sada-lagrange-ints {params.lagrange_int}")
    return params


def lagrange(points: list[tuple[int, Any]], x: int) -> Any:
    """The Lagrange polynomial through ``points`` ((index, tensor) pairs) at ``x``."""
    total = None
    for j, (xj, yj) in enumerate(points):
        weight = 1.0
        for m, (xm, _) in enumerate(points):
            if m != j:
                weight *= (x - xm) / (xj - xm)
        term = yj * weight
        total = term if total is None else total + term
    return total


class _State:
    def __init__(self, params: SadaParams, pipe: Any, stats: Stats) -> None:
        self.params = params
        self.pipe = pipe
        self.stats = stats
        self.history: list[tuple[int, Any]] = []   # (call index, output) of computed calls
        self.run = 0                                # skipped calls in a row

    def _total(self) -> int:
        timesteps = getattr(self.pipe.scheduler, "timesteps", None)
        return len(timesteps) if timesteps is not None else 1 << 30

    def _stable(self) -> bool:
        if len(self.history) < 3:
            return False
        (_, a), (_, b), (_, c) = self.history[-3:]
        first = (c - b).float().norm()
        second = (c - 2 * b + a).float().norm()
        return bool(second <= first)

    def skip(self, index: int) -> bool:
        p = self.params
        if index == 0 or index >= self._total() - 1 or len(self.history) < 2:
            return False
        if index >= p.lagrange_step:
            return (index - p.lagrange_step) % p.lagrange_int != 0
        if not p.acc_start <= index < p.acc_end or self.run >= p.max_interval - 1:
            return False
        return self._stable()

    def predict(self, index: int) -> Any:
        terms = min(self.params.lagrange_terms, len(self.history))
        if terms <= 1:
            return self.history[-1][1]
        return lagrange(self.history[-terms:], index).to(self.history[-1][1].dtype)


def _hook(state: _State) -> type:
    from diffusers.hooks import ModelHook

    class Sada(ModelHook):
        template: Any = None

        def new_forward(self, module, *args, **kwargs):
            index = state.stats.calls
            state.stats.calls += 1
            if self.template is not None and state.skip(index):
                state.run += 1
                state.stats.cached += 1
                return same_form(self.template, state.predict(index))
            output = self.fn_ref.original_forward(*args, **kwargs)
            state.run = 0
            state.stats.computed += 1
            state.history.append((index, first_tensor(output)))
            del state.history[:-8]
            self.template = output
            return output

    return Sada


@contextlib.contextmanager
def sada(pipe: Any, params: SadaParams) -> Iterator[Stats]:
    """Run the block with step-wise SADA on the pipeline's denoiser; yields its statistics."""
    model = denoiser(pipe)
    if model is None:
        raise UsageError(f"--sada cannot be used with {type(pipe).__name__}")
    stats = record(Stats("SADA"))
    state = _State(params, pipe, stats)
    with hooked([(model, _hook(state)())], "sada"):
        yield stats
