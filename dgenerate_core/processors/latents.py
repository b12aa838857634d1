"""The built-in latents processors: scale, noise and interposer (its own module)."""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import LatentsProcessor
from dgenerate_core.registries.processors import register_builtin
from dgenerate_core.processors.interposer import InterposerProcessor


class ScaleProcessor(LatentsProcessor):
    """Scale, normalize and clamp latents tensors.

    The tensor is multiplied by "factor" (> 0), then with "normalize" rescaled to unit variance,
    then clamped to "clamp-min" / "clamp-max" (either may be left out; min must be below max).
    Useful to adjust the dynamic range of latents before or after other processing.
    """

    NAMES = ("scale",)

    def __init__(self, factor: float = 1.0, clamp_min: float | None = None,
                 clamp_max: float | None = None, normalize: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if factor <= 0:
            raise self.argument_error(f'argument "factor": must be greater than 0, got {factor}')
        if clamp_min is not None and clamp_max is not None and clamp_min >= clamp_max:
            raise self.argument_error(f'argument "clamp-min" ({clamp_min}) must be less than '
                                      f'"clamp-max" ({clamp_max})')
        self.factor, self.clamp_min, self.clamp_max = factor, clamp_min, clamp_max
        self.normalize = normalize

    def impl_process(self, pipeline: Any, latents: Any) -> Any:
        out = latents * self.factor
        if self.normalize:
            std = out.float().std()
            if float(std) > 0:
                out = (out / std).to(latents.dtype)
        if self.clamp_min is not None or self.clamp_max is not None:
            out = out.clamp(min=self.clamp_min, max=self.clamp_max)
        return out


class NoiseProcessor(LatentsProcessor):
    """Add noise to latents with the pipeline scheduler's noise schedule (add_noise).

    "timestep" (>= 0) sets the amount: higher timesteps add more noise, following the model's
    training schedule. "seed" makes the noise reproducible.
    """

    NAMES = ("noise",)

    def __init__(self, timestep: int = 100, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if timestep < 0:
            raise self.argument_error(f'argument "timestep": must be 0 or more, got {timestep}')
        self.timestep, self.seed = timestep, seed

    def impl_process(self, pipeline: Any, latents: Any) -> Any:
        import torch

        scheduler = getattr(pipeline, "scheduler", None)
        if scheduler is None:
            raise self.error("needs a diffusion pipeline with a scheduler")
        generator = torch.Generator("cpu")
        if self.seed is not None:
            generator.manual_seed(self.seed)
        else:
            generator.seed()
        noise = torch.randn(latents.shape, generator=generator, dtype=torch.float32)
        noise = noise.to(device=latents.device, dtype=latents.dtype)
        timesteps = torch.tensor([self.timestep] * latents.shape[0], device=latents.device)
        if hasattr(scheduler, "add_noise"):
            return scheduler.add_noise(latents, noise, timesteps.long())
        if hasattr(scheduler, "scale_noise"):  # flow matching (SD3, Flux)
            steps = getattr(scheduler.config, "num_train_timesteps", 1000)
            sigma = min(max(self.timestep / steps, 0.0), 1.0)
            return (1.0 - sigma) * latents + sigma * noise
        raise self.error(f"the scheduler {type(scheduler).__name__} cannot add noise")


CLASSES = (InterposerProcessor, NoiseProcessor, ScaleProcessor)
register_builtin("latents", CLASSES)
