"""Draw the dgenerate console icon (our own drawing) into this folder: ``python make_icon.py``.

A rounded tile with a violet-to-teal gradient, a white "d" and a trail of pixels that dissolve into noise,
the way a diffusion model starts from noise.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw

SIZES = (128, 48)
HERE = Path(__file__).resolve().parent


def draw_icon(size: int = 256) -> Image.Image:
    """The icon at ``size`` pixels (drawn at 4x and downsampled for smooth edges)."""
    s = size * 4
    gradient = Image.new("RGB", (s, s))
    top, bottom = (94, 53, 177), (0, 150, 136)
    for y in range(s):
        t = y / (s - 1)
        color = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom))
        gradient.paste(color, (0, y, s, y + 1))
    mask = Image.new("L", (s, s), 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, s - 1, s - 1), radius=s // 5, fill=255)
    icon = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    icon.paste(gradient, (0, 0), mask)
    draw = ImageDraw.Draw(icon)
    u = s / 16
    stroke = round(1.6 * u)
    draw.ellipse((3.2 * u, 6.0 * u, 10.0 * u, 12.8 * u), outline=(255, 255, 255, 255), width=stroke)
    draw.rounded_rectangle((8.4 * u, 2.6 * u, 10.0 * u + stroke * 0.0, 12.8 * u),
                           radius=stroke // 2, fill=(255, 255, 255, 255))
    rng = random.Random(7)
    for _ in range(46):
        spread = rng.random() ** 1.6
        x = 11.0 * u + spread * 4.2 * u
        y = 2.8 * u + rng.random() * 10.2 * u
        side = (1.0 - 0.65 * spread) * 0.75 * u
        alpha = round(255 * (1.0 - 0.75 * spread))
        draw.rectangle((x, y, x + side, y + side), fill=(255, 255, 255, alpha))
    return icon.resize((size, size), Image.Resampling.LANCZOS)


def main() -> None:
    for size in SIZES:
        draw_icon(size).save(HERE / f"dgenerate-console-{size}.png")
    draw_icon(256).save(HERE / "dgenerate-console.png")


if __name__ == "__main__":
    main()
