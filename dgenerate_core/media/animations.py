"""Reading animated inputs (GIF, WebP, APNG with Pillow; videos with PyAV) and writing
animations (mp4 with PyAV; gif, webp, apng, png with Pillow)."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Sequence

from dgenerate_core.errors import DgenerateError

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".wmv", ".flv", ".mpeg",
                    ".mpg", ".ts", ".ogv")
PILLOW_ANIMATED = (".gif", ".webp", ".apng", ".png")
DEFAULT_FPS = 10.0


class AnimationReadError(DgenerateError):
    """An animated file that cannot be decoded."""


def is_video(path: str) -> bool:
    return os.path.splitext(path)[1].lower() in VIDEO_EXTENSIONS


def _pillow_frames(path: str, mode: str) -> tuple[list[Any], float | None]:
    from PIL import Image, ImageSequence

    with Image.open(path) as img:
        if getattr(img, "n_frames", 1) <= 1:
            img.load()
            return [img.convert(mode)], None
        img.load()
        duration = img.info.get("duration") or 0
        frames = [frame.convert(mode) for frame in ImageSequence.Iterator(img)]
    fps = 1000.0 / duration if duration else DEFAULT_FPS
    return frames, fps


def _video_frames(path: str, mode: str) -> tuple[list[Any], float]:
    import av

    try:
        with av.open(path) as container:
            stream = container.streams.video[0]
            rate = stream.average_rate or stream.guessed_rate or DEFAULT_FPS
            frames = [frame.to_image().convert(mode) for frame in container.decode(stream)]
    except (av.FFmpegError, IndexError, OSError) as ex:
        raise AnimationReadError(f'cannot read video "{path}": {ex}') from ex
    if not frames:
        raise AnimationReadError(f'video "{path}" has no frames')
    return frames, float(rate)


def read_frames(path: str, mode: str = "RGB") -> tuple[list[Any], float | None]:
    """All frames of ``path`` (one for a still image) and its fps (None for a still image)."""
    if is_video(path):
        return _video_frames(path, mode)
    from PIL import UnidentifiedImageError

    try:
        return _pillow_frames(path, mode)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as ex:
        reason = str(ex).splitlines()[0] if str(ex) else type(ex).__name__
        raise AnimationReadError(f'cannot read image "{path}": {reason}') from ex


def _write_video(frames: Sequence[Any], path: str, fps: float) -> None:
    import av

    rate = Fraction(fps).limit_denominator(1001)
    width, height = frames[0].size
    with av.open(path, mode="w") as container:
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = width - width % 2, height - height % 2
        stream.pix_fmt = "yuv420p"
        for image in frames:
            frame = av.VideoFrame.from_image(image.convert("RGB").crop(
                (0, 0, stream.width, stream.height)))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def write_animation(frames: Sequence[Any], path: str, fps: float) -> None:
    """Write ``frames`` as an animation; the format follows the extension of ``path``."""
    ext = os.path.splitext(path)[1].lower()
    if ext in VIDEO_EXTENSIONS:
        _write_video(frames, path, fps)
        return
    duration = max(1, int(round(1000.0 / fps)))
    first, rest = frames[0], list(frames[1:])
    fmt = {".gif": "GIF", ".webp": "WEBP", ".apng": "PNG", ".png": "PNG"}[ext]
    kwargs: dict[str, Any] = {"save_all": True, "append_images": rest, "duration": duration,
                              "loop": 0}
    if fmt == "WEBP":
        kwargs["lossless"] = True
    first.save(path, format=fmt, **kwargs)
