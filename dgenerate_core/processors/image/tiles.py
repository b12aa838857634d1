"""Tiled inference for image-to-image models (upscalers): overlapping tiles blended linearly."""

from __future__ import annotations

from typing import Any, Callable


def starts(length: int, tile: int, overlap: int) -> list[int]:
    """Tile start offsets covering ``length`` with tiles of ``tile`` overlapping by ``overlap``
    (the last tile ends flush with the edge)."""
    if tile >= length:
        return [0]
    step = max(1, tile - overlap)
    out = list(range(0, length - tile, step))
    out.append(length - tile)
    return out


def _ramp(size: int, left: int, right: int) -> Any:
    """A 1-D weight: linear ramps of ``left`` / ``right`` pixels at the ends, 1 in between."""
    import torch

    w = torch.ones(size)
    if left > 0:
        w[:left] = torch.linspace(1.0 / (left + 1), left / (left + 1), left)
    if right > 0:
        w[size - right:] = torch.linspace(right / (right + 1), 1.0 / (right + 1), right)
    return w


def run_tiled(run: Callable[[Any], Any], image: Any, tile: int, overlap: int, scale: float,
              out_channels: int) -> Any:
    """``run`` (a 1xCxhxw tensor to a 1xC'x(h*s)x(w*s) tensor) over ``image`` (1xCxHxW, on the
    model's device) in tiles; returns 1xC'x(H*scale)xW*scale) on the CPU as float32."""
    import torch

    _, _, height, width = image.shape
    out_h, out_w = round(height * scale), round(width * scale)
    if tile >= max(height, width):  # one tile: no blending buffers
        out = run(image).float()
        if out.shape[-2:] != (out_h, out_w):
            out = torch.nn.functional.interpolate(
                out, size=(out_h, out_w), mode="bicubic", antialias=out_h < out.shape[-2],
                align_corners=False).clamp_(0, 1)
        return out.cpu()
    result = torch.zeros((out_channels, out_h, out_w), dtype=torch.float32)
    weight = torch.zeros((1, out_h, out_w), dtype=torch.float32)
    ys, xs = starts(height, tile, overlap), starts(width, tile, overlap)
    for y in ys:
        for x in xs:
            h, w = min(tile, height - y), min(tile, width - x)
            piece = run(image[:, :, y:y + h, x:x + w])[0].float().cpu()
            oy, ox = round(y * scale), round(x * scale)
            oh, ow = round((y + h) * scale) - oy, round((x + w) * scale) - ox
            if piece.shape[-2:] != (oh, ow):
                piece = torch.nn.functional.interpolate(
                    piece[None], size=(oh, ow), mode="bicubic", antialias=oh < piece.shape[-2],
                    align_corners=False)[0].clamp_(0, 1)
            blend = round(overlap * scale)
            wy = _ramp(oh, blend if y > 0 else 0, blend if y + h < height else 0)
            wx = _ramp(ow, blend if x > 0 else 0, blend if x + w < width else 0)
            mask = wy[:, None] * wx[None, :]
            result[:, oy:oy + oh, ox:ox + ow] += piece * mask
            weight[:, oy:oy + oh, ox:ox + ow] += mask
    return (result / weight.clamp_(min=1e-8))[None]
