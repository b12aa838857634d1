"""HiDiffusion (https://github.com/megvii-research/HiDiffusion) for UNet2DConditionModel, built on
diffusers hooks: RAU-Net and MSW-MSA.

RAU-Net (resolution-aware U-Net): during the first part of the denoising (40% of the steps for
SD, 8/50 for SDXL and Kolors, as HiDiffusion's defaults at up to twice the native size) the
downsampler of the UNet's first level convolves with stride 4 and dilation 2 instead of stride 2,
so every deeper level runs at half its usual resolution (a quarter of the work) and sees the
whole image at the scale it was trained on; the UNet is made to pass each up-sampler the size of
its skip connection, so the up path returns to full resolution at the same level.

MSW-MSA (multi-scale window attention): the self-attention of the transformer blocks at the
highest-resolution level that has attention attends within 2x2 windows whose offset moves from
call to call (HiDiffusion draws it at random; here it cycles, so runs stay reproducible).

Differences from HiDiffusion (docs/decisions.md): one scheme for every UNet (HiDiffusion pools
inside SDXL's second block instead), no bicubic resize of odd-sized features (windowing is left
out for them).
"""

from __future__ import annotations

import contextlib
from typing import Any, Iterator

from dgenerate_core.accelerators.base import Stats, hooked, record
from dgenerate_core.errors import UsageError

#: fraction of the denoising steps RAU-Net is active, by model type
RAUNET_FRACTION = {"sd": 0.4, "pix2pix": 0.4, "sdxl": 8 / 50, "sdxl-pix2pix": 8 / 50,
                   "kolors": 8 / 50}
_SHIFTS = (0, 1, 2, 3)  # window offset in quarters of a window, cycled per attention call


class _State:
    def __init__(self, pipe: Any, fraction: float, stats: Stats) -> None:
        self.pipe = pipe
        self.fraction = fraction
        self.stats = stats
        self.size: tuple[int, int] = (0, 0)   # latent size of the current UNet call
        self.raunet = False
        self.windows = 0

    def begin(self, sample: Any) -> None:
        timesteps = getattr(self.pipe.scheduler, "timesteps", None)
        total = len(timesteps) if timesteps is not None else 1
        self.raunet = self.fraction > 0 and self.stats.calls < int(total * self.fraction)
        self.size = (int(sample.shape[-2]), int(sample.shape[-1]))
        self.stats.calls += 1
        self.stats.computed += 1
        if self.raunet:  # deeper levels at half resolution
            self.stats.extra["raunet_calls"] = self.stats.extra.get("raunet_calls", 0) + 1


def _window(hidden: Any, size: tuple[int, int], shift: int) -> tuple[Any, Any] | None:
    """(windows, undo) for ``(B, H*W, C)`` tokens of a ``size`` latent, or None if not even."""
    import torch

    batch, tokens, channels = hidden.shape
    ratio = round(((size[0] * size[1]) / tokens) ** 0.5) or 1
    height, width = -(-size[0] // ratio), -(-size[1] // ratio)
    if height * width != tokens or height % 2 or width % 2:
        return None
    wh, ww = height // 2, width // 2
    dy, dx = wh * shift // 4, ww * shift // 4
    x = hidden.view(batch, height, width, channels)
    if dy or dx:
        x = torch.roll(x, shifts=(-dy, -dx), dims=(1, 2))
    x = x.view(batch, 2, wh, 2, ww, channels).permute(0, 1, 3, 2, 4, 5)
    windows = x.reshape(batch * 4, wh * ww, channels)

    def undo(out: Any) -> Any:
        y = out.view(batch, 2, 2, wh, ww, -1).permute(0, 1, 3, 2, 4, 5)
        y = y.reshape(batch, height, width, -1)
        if dy or dx:
            y = torch.roll(y, shifts=(dy, dx), dims=(1, 2))
        return y.reshape(batch, tokens, -1)

    return windows, undo


def _hooks(state: _State) -> tuple[type, type, type]:
    from diffusers.hooks import ModelHook

    class UNetCall(ModelHook):
        def pre_forward(self, module, *args, **kwargs):
            state.begin(args[0] if args else kwargs["sample"])
            return args, kwargs

    class Downsampler(ModelHook):
        def new_forward(self, module, *args, **kwargs):
            import torch.nn.functional as F

            if not state.raunet:
                return self.fn_ref.original_forward(*args, **kwargs)
            return F.conv2d(args[0], module.weight, module.bias, stride=4, padding=2,
                            dilation=2, groups=module.groups)

    class WindowAttention(ModelHook):
        def new_forward(self, module, *args, **kwargs):
            hidden = args[0] if args else kwargs.pop("hidden_states")
            args = args[1:]
            if kwargs.get("encoder_hidden_states") is not None or hidden.dim() != 3:
                return self.fn_ref.original_forward(hidden, *args, **kwargs)
            shift = _SHIFTS[state.windows % len(_SHIFTS)]
            parts = _window(hidden, state.size, shift)
            if parts is None or kwargs.get("attention_mask") is not None:
                return self.fn_ref.original_forward(hidden, *args, **kwargs)
            state.windows += 1
            state.stats.extra["window_attention_calls"] = state.windows
            windows, undo = parts
            return undo(self.fn_ref.original_forward(windows, *args, **kwargs))

    return UNetCall, Downsampler, WindowAttention


def _attention_level(unet: Any) -> int | None:
    for index, block in enumerate(unet.down_blocks):
        if getattr(block, "attentions", None):
            return index
    return None


def _self_attentions(unet: Any) -> list[Any]:
    level = _attention_level(unet)
    if level is None:
        return []
    blocks = [unet.down_blocks[level], unet.up_blocks[len(unet.up_blocks) - 1 - level]]
    return [tb.attn1 for block in blocks for t in getattr(block, "attentions", None) or []
            for tb in getattr(t, "transformer_blocks", [])]


@contextlib.contextmanager
def hi_diffusion(pipe: Any, model_type: str, raunet: bool = True,
                 window_attention: bool = True) -> Iterator[Stats]:
    """Run the block with HiDiffusion on ``pipe.unet``; yields its statistics."""
    unet = getattr(pipe, "unet", None)
    if unet is None or not hasattr(unet, "down_blocks") or unet.mid_block is None:
        raise UsageError(f"--hi-diffusion cannot be used with {type(pipe).__name__} "
                         f"(it needs a UNet)")
    if raunet and (getattr(pipe, "controlnet", None) is not None
                   or getattr(pipe, "adapter", None) is not None):
        raise UsageError("--hi-diffusion's RAU-Net cannot be used with --control-nets or "
                         "--t2i-adapters (their residuals are at full resolution), add "
                         "--hi-diffusion-no-raunet")
    stats = record(Stats("HiDiffusion"))
    fraction = RAUNET_FRACTION.get(model_type, 0.4) if raunet else 0.0
    state = _State(pipe, fraction, stats)
    call, down, window = _hooks(state)
    pairs: list[tuple[Any, Any]] = [(unet, call())]
    first = unet.down_blocks[0].downsamplers
    if raunet and first:
        pairs.append((first[0].conv, down()))
    if window_attention:
        pairs += [(attn, window()) for attn in _self_attentions(unet)]
    saved = unet.num_upsamplers
    unet.num_upsamplers = saved + 12   # the UNet passes every up-sampler its skip's size
    try:
        with hooked(pairs, "hi_diffusion"):
            yield stats
    finally:
        unet.num_upsamplers = saved
