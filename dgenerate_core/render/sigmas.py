"""``--sigmas`` / ``--sdxl-refiner-sigmas`` (usage.md §9.1): a custom noise schedule per step.

A value is comma separated floats, or ``expr: ...`` evaluated with asteval where ``sigmas`` is the
schedule the scheduler would use for the step count (a numpy array, without the trailing zero the
scheduler appends itself) and numpy is ``np``. The result is passed as the pipeline's ``sigmas=``,
so the number of steps is the number of sigmas. A scheduler or pipeline that cannot take custom
sigmas is a user error naming the option.
"""

from __future__ import annotations

import copy
import inspect
from typing import Any

from dgenerate_core.errors import UsageError


def takes_sigmas(scheduler: Any) -> bool:
    """True when the scheduler's ``set_timesteps`` accepts ``sigmas=``."""
    try:
        return "sigmas" in inspect.signature(scheduler.set_timesteps).parameters
    except (TypeError, ValueError):
        return False


def base_sigmas(scheduler: Any, steps: int) -> Any:
    """The sigmas a plain run of ``steps`` steps would use, as the expression's ``sigmas``.

    Flow-matching schedulers get the un-shifted ``linspace(1, 1/steps, steps)`` the Flux pipelines
    pass (the scheduler shifts what it is given, so the shifted values would be shifted twice)."""
    import numpy as np

    if "FlowMatch" in type(scheduler).__name__:
        return np.linspace(1.0, 1.0 / steps, steps)
    probe = copy.deepcopy(scheduler)
    probe.set_timesteps(steps)
    values = np.asarray(probe.sigmas.detach().cpu().float().numpy() if hasattr(
        probe.sigmas, "detach") else probe.sigmas, dtype=np.float64)
    if len(values) == steps + 1 and values[-1] == 0:
        values = values[:-1]
    return values


def _evaluate(expression: str, sigmas: Any, option: str, text: str) -> Any:
    import numpy as np
    from asteval import Interpreter

    interp = Interpreter(user_symbols={"sigmas": sigmas, "np": np}, minimal=False,
                         no_print=True)
    result = interp.eval(expression, show_errors=False, raise_errors=False)
    if interp.error:
        message = interp.error[0].get_error()
        detail = message[1].strip().splitlines()[-1] if message[1] else message[0]
        raise UsageError(f'{option} "{text}": {detail}')
    return result


def resolve(text: str, scheduler: Any, steps: int, option: str) -> list[float]:
    """The sigmas of one ``--sigmas`` value for a run of ``steps`` steps."""
    import numpy as np

    stripped = text.strip()
    if stripped.lower().startswith("expr:"):
        value = _evaluate(stripped[5:].strip(), base_sigmas(scheduler, steps), option, text)
    else:
        value = [float(part) for part in stripped.split(",")]
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1)
    except (TypeError, ValueError):
        raise UsageError(f'{option} "{text}": the result is not a list of numbers '
                         f'({type(value).__name__})') from None
    if array.size == 0:
        raise UsageError(f'{option} "{text}": no sigmas')
    if not np.all(np.isfinite(array)):
        raise UsageError(f'{option} "{text}": sigmas must be finite numbers')
    return [float(x) for x in array]


def add_sigmas(call: Any, text: str | None, option: str) -> None:
    """Pass the step's sigmas to ``call`` (replacing ``num_inference_steps``)."""
    if text is None:
        return
    scheduler = call.pipe.scheduler
    if not takes_sigmas(scheduler):
        raise UsageError(f"{option}: the scheduler {type(scheduler).__name__} does not support "
                         f"custom sigmas, choose one that does with --scheduler (for example "
                         f"EulerDiscreteScheduler)")
    sigmas = resolve(text, scheduler, int(call.kwargs["num_inference_steps"]), option)
    call.require("sigmas", sigmas, option)
    call.kwargs["num_inference_steps"] = len(sigmas)
