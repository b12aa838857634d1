"""The interposer latents processor: city96's SD-Latent-Interposer network (v4.0), converting
fully denoised latents from one model family's latent space into another's.

Weights: ``city96/SD-Latent-Interposer``, ``v4.0/{source}-to-{target}_interposer-v4.0.safetensors``.
The network works on unscaled VAE latents; the pipeline latents dgenerate reads and writes are
scaled (``(z - shift) * scaling_factor``), so the factors of both spaces are applied around it.
"""

from __future__ import annotations

from typing import Any

from dgenerate_core.processors.base import LatentsProcessor
from dgenerate_core.processors.image import weights
from dgenerate_core.pipelines.source import load_errors

REPO = "city96/SD-Latent-Interposer"
VERSION = "4.0"
#: latent space -> (channels, pixels per latent, VAE scaling factor, VAE shift factor)
SPACES = {
    "v1": (4, 8, 0.18215, 0.0),
    "xl": (4, 8, 0.13025, 0.0),
    "v3": (16, 8, 1.5305, 0.0609),
    "fx": (16, 8, 0.3611, 0.1159),
    "ca": (4, 4, 1.0, 0.0),
}
TARGETS = ("v1", "xl", "v3")


def build_network(source: str, target: str) -> Any:
    """The interposer network for one conversion (random weights until loaded)."""
    from torch import nn

    class ResBlock(nn.Module):
        def __init__(self, ch: int) -> None:
            super().__init__()
            self.join = nn.ReLU()
            self.norm = nn.BatchNorm2d(ch)
            self.long = nn.Sequential(
                nn.Conv2d(ch, ch, 3, 1, 1), nn.SiLU(), nn.Conv2d(ch, ch, 3, 1, 1), nn.SiLU(),
                nn.Conv2d(ch, ch, 3, 1, 1), nn.Dropout(0.1))

        def forward(self, x: Any) -> Any:
            x = self.norm(x)
            return self.join(self.long(x) + x)

    class ExtractBlock(nn.Module):
        def __init__(self, ch_in: int, ch_out: int) -> None:
            super().__init__()
            self.join = nn.ReLU()
            self.short = nn.Conv2d(ch_in, ch_out, 3, 1, 1)
            self.long = nn.Sequential(
                nn.Conv2d(ch_in, ch_out, 3, 1, 1), nn.SiLU(), nn.Conv2d(ch_out, ch_out, 3, 1, 1),
                nn.SiLU(), nn.Conv2d(ch_out, ch_out, 3, 1, 1), nn.Dropout(0.1))

        def forward(self, x: Any) -> Any:
            return self.join(self.long(x) + self.short(x))

    class Interposer(nn.Module):
        def __init__(self, ch_in: int, ch_out: int, scale: float, ch_mid: int = 64,
                     blocks: int = 12) -> None:
            super().__init__()
            self.head = ExtractBlock(ch_in, ch_mid)
            self.core = nn.Sequential(nn.Upsample(scale_factor=scale, mode="nearest"),
                                      *[ResBlock(ch_mid) for _ in range(blocks)],
                                      nn.BatchNorm2d(ch_mid), nn.SiLU())
            self.tail = nn.Conv2d(ch_mid, ch_out, 3, 1, 1)

        def forward(self, x: Any) -> Any:
            return self.tail(self.core(self.head(x)))

    src, dst = SPACES[source], SPACES[target]
    return Interposer(src[0], dst[0], src[1] / dst[1])


def weight_name(source: str, target: str) -> str:
    return f"{source}-to-{target}_interposer-v{VERSION}.safetensors"


class InterposerProcessor(LatentsProcessor):
    """Converts latents between different diffusion model latent spaces.

    This processor uses pre-trained models to convert latents from one diffusion model's latent
    space to another (e.g., SD1.x to SDXL, SDXL to SD3). The required conversion models are
    downloaded from the Hugging Face Hub (city96/SD-Latent-Interposer, v4.0) or loaded from the
    local cache when available.

    This only works on fully denoised latents.

    Supported conversions:
    - v1 (SD 1.x) ↔ xl (SDXL) ↔ v3 (SD3)
    - fx (Flux) → v1/xl/v3
    - ca (Stable Cascade) → v1/xl/v3

    VAE scaling factors are applied automatically based on the source and target latent spaces.

    The "source" argument is the input latents format: v1 (sd1.5/sd2), xl (sdxl), v3 (sd3),
    fx (flux) or ca (stable cascade).

    The "target" argument is the output latents format: v1, xl, or v3.

    The "device" argument sets the device the processor runs on, for example: cpu, cuda, cuda:1.

    The "model-offload" argument moves the network back to the CPU after each use, which saves
    VRAM but slows down rendering with multiple inputs / outputs.
    """

    NAMES = ("interposer",)
    USES_DEVICE = True

    def __init__(self, source: str, target: str, device: str = "cpu", model_offload: bool = False,
                 **kwargs: Any) -> None:
        super().__init__(device=device, model_offload=model_offload, **kwargs)
        self.source, self.target = source.strip().lower(), target.strip().lower()
        if self.source not in SPACES:
            raise self.argument_error(f'argument "source": unknown latent space "{source}", '
                                      "expected one of: " + ", ".join(SPACES))
        if self.target not in TARGETS:
            raise self.argument_error(f'argument "target": unknown latent space "{target}", '
                                      "expected one of: " + ", ".join(TARGETS))

    def network(self) -> Any:
        def load() -> Any:
            path = weights.hub_file(REPO, weight_name(self.source, self.target), self.label,
                                    self.local_files_only, f"v{VERSION}")
            net = build_network(self.source, self.target)

            with load_errors(self.label, path):
                net.load_state_dict(weights.load_torch_file(path))
            return net.eval()

        return weights.cached(("interposer", self.source, self.target), load,
                              f"interposer {self.source}-to-{self.target}")

    def impl_process(self, pipeline: Any, latents: Any) -> Any:
        if self.source == self.target:
            return latents
        if self.source == "fx" and latents.dim() == 3:
            latents = self.unpack_flux(latents)
        if latents.dim() != 4 or latents.shape[1] != SPACES[self.source][0]:
            raise self.error(f"expected {self.source} latents with {SPACES[self.source][0]} "
                             f"channels (B, C, H, W), got shape {tuple(latents.shape)}")
        net = self.network()
        _, _, scale_in, shift_in = SPACES[self.source]
        _, _, scale_out, shift_out = SPACES[self.target]
        device = weights.torch_device(self.device)
        with weights.on_device([net], device, self.model_offload, self.label):
            raw = latents.to(device=device, dtype=next(net.parameters()).dtype)
            out = net(raw / scale_in + shift_in)
            out = ((out - shift_out) * scale_out).to(device=latents.device, dtype=latents.dtype)
        return out.clone()

    def unpack_flux(self, packed: Any) -> Any:
        """Packed Flux latents ``(B, tokens, 4C)``, as dgenerate writes Flux latents files, to
        ``(B, C, H, W)`` with diffusers' own unpacking (the one the render uses); the tokens
        must make a square (the size is not in the file)."""
        import math

        from diffusers import FluxPipeline

        tokens, channels = int(packed.shape[1]), int(packed.shape[2])
        side = math.isqrt(tokens)
        if side * side != tokens or channels % 4:
            raise self.error(f"packed fx latents of shape {tuple(packed.shape)} are not a "
                             "square image; give unpacked (B, C, H, W) latents")
        pixels = side * 2 * 8  # two latent rows per token row, eight pixels per latent row
        return FluxPipeline._unpack_latents(packed, pixels, pixels, 8)


CLASSES = (InterposerProcessor,)
