"""Animated media, streamed: frames are decoded lazily (PyAV for videos, Pillow for GIF / WebP /
APNG) and animations are encoded one frame at a time through an open PyAV container (mp4,
gif, webp, apng/png), so a video of any length is processed with flat memory."""

from __future__ import annotations

import os
from fractions import Fraction
from typing import Any, Iterator, Sequence

from dgenerate_core.errors import DgenerateError

VIDEO_EXTENSIONS = (".mp4", ".mkv", ".webm", ".mov", ".avi", ".m4v", ".wmv", ".flv", ".mpeg",
                    ".mpg", ".ts", ".ogv")
PILLOW_ANIMATED = (".gif", ".webp", ".apng", ".png")
ANIMATION_FORMATS = ("mp4", "gif", "png", "apng", "webp")
DEFAULT_FPS = 10.0


class AnimationReadError(DgenerateError):
    """An animated file that cannot be decoded."""


class AnimationWriteError(DgenerateError):
    """An animation that cannot be encoded."""


def is_video(path: str) -> bool:
    """True for a file extension PyAV decodes as a video."""
    return os.path.splitext(path)[1].lower() in VIDEO_EXTENSIONS


def _reason(ex: BaseException) -> str:
    return str(ex).splitlines()[0] if str(ex) else type(ex).__name__


class FrameSource:
    """One input file opened for lazy reading: ``count`` frames at ``fps`` (None when still).

    :meth:`frames` decodes only the frames of the requested slice, one at a time; nothing is
    kept between calls, so every call re-opens the file.
    """

    def __init__(self, path: str, mode: str = "RGB") -> None:
        self.path = path
        self.mode = mode
        self.video = is_video(path)
        self.count, self.fps = self._probe()

    @property
    def animated(self) -> bool:
        return self.count > 1

    def _probe(self) -> tuple[int, float | None]:
        if self.video:
            return self._probe_video()
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(self.path) as img:
                count = int(getattr(img, "n_frames", 1) or 1)
                if count > 1 and not img.info.get("duration"):
                    img.load()  # WebP gives the frame duration only once a frame is read
                duration = img.info.get("duration") or 0
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as ex:
            raise AnimationReadError(f'cannot read image "{self.path}": {_reason(ex)}') from ex
        if count <= 1:
            return 1, None
        return count, (1000.0 / float(duration) if duration else DEFAULT_FPS)

    def _probe_video(self) -> tuple[int, float]:
        import av

        try:
            with av.open(self.path) as container:
                stream = container.streams.video[0]
                rate = stream.average_rate or stream.guessed_rate or DEFAULT_FPS
                count = int(stream.frames or 0)
                if count <= 0:  # no frame count in the header: count packets, no decoding
                    count = sum(1 for p in container.demux(stream) if p.size)
        except (av.FFmpegError, IndexError, OSError) as ex:
            raise AnimationReadError(f'cannot read video "{self.path}": {_reason(ex)}') from ex
        if count <= 0:
            raise AnimationReadError(f'video "{self.path}" has no frames')
        return count, float(rate)

    def frames(self, start: int = 0, end: int | None = None) -> Iterator[Any]:
        """Frames ``start`` .. ``end`` (inclusive, 0-based), decoded one by one."""
        stop = self.count if end is None else min(self.count, end + 1)
        if self.video:
            yield from self._video_frames(start, stop)
            return
        from PIL import Image, ImageSequence

        with Image.open(self.path) as img:
            for index, frame in enumerate(ImageSequence.Iterator(img)):
                if index >= stop:
                    break
                if index >= start:
                    yield frame.convert(self.mode)

    def _video_frames(self, start: int, stop: int) -> Iterator[Any]:
        import av

        try:
            with av.open(self.path) as container:
                stream = container.streams.video[0]
                stream.thread_type = "AUTO"
                for index, frame in enumerate(container.decode(stream)):
                    if index >= stop:
                        break
                    if index >= start:
                        yield frame.to_image().convert(self.mode)
        except (av.FFmpegError, OSError) as ex:
            raise AnimationReadError(f'cannot read video "{self.path}": {_reason(ex)}') from ex

    def first(self) -> Any:
        """The first frame (the still image itself for a still file)."""
        return next(iter(self.frames(0, 0)))


def read_frames(path: str, mode: str = "RGB") -> tuple[list[Any], float | None]:
    """All frames of ``path`` in a list and its fps (None for a still image): for small files
    and tests; the render loop streams with :class:`FrameSource`."""
    source = FrameSource(path, mode)
    return list(source.frames()), source.fps


# ----------------------------------------------------------------------------- writing
_CODECS = {  # extension -> (PyAV codec, pixel format, container options, codec options)
    ".gif": ("gif", "pal8", {"loop": "0"}, {}),
    ".png": ("apng", "rgb24", {"plays": "0"}, {}),
    ".apng": ("apng", "rgb24", {"plays": "0"}, {}),
    ".webp": ("libwebp_anim", "bgra", {"loop": "0"}, {"lossless": "1"}),
}
_MUXERS = {".png": "apng", ".apng": "apng", ".gif": "gif", ".webp": "webp"}


def _pal8_frame(image: Any) -> Any:
    """A GIF frame: the image quantized to its own 256 colour palette."""
    import av
    import numpy as np

    quantized = image.convert("RGB").quantize(256)
    palette = (quantized.getpalette() or [])[:768]
    palette += [0] * (768 - len(palette))
    rgb = np.asarray(palette, dtype=np.uint8).reshape(256, 3)
    argb = np.concatenate([np.full((256, 1), 255, np.uint8), rgb], axis=1)
    return av.VideoFrame.from_ndarray((np.asarray(quantized), argb), format="pal8")


class AnimationWriter:
    """An animation file open for appending frames; the format follows the path's extension.

    Use as a context manager, or call :meth:`close`. Frames are encoded as they are added, so
    memory stays flat whatever the length. Frame sizes follow the first frame (odd sizes are
    cropped by one pixel for yuv420p video).
    """

    def __init__(self, path: str, fps: float) -> None:
        self.path = path
        self.fps = fps
        self.ext = os.path.splitext(path)[1].lower()
        self.count = 0
        self._container: Any = None
        self._stream: Any = None

    def _open(self, size: tuple[int, int]) -> None:
        import av

        rate = Fraction(self.fps).limit_denominator(1001)
        if self.ext in VIDEO_EXTENSIONS:
            codec, pix_fmt, options, codec_options = "libx264", "yuv420p", {}, {}
            width, height = size[0] - size[0] % 2, size[1] - size[1] % 2
        elif self.ext in _CODECS:
            codec, pix_fmt, options, codec_options = _CODECS[self.ext]
            width, height = size
        else:
            raise AnimationWriteError(f'cannot write an animation as "{self.ext}"')
        try:
            self._container = av.open(self.path, mode="w", format=_MUXERS.get(self.ext),
                                      options=options)
            self._stream = self._container.add_stream(codec, rate=rate, options=codec_options)
        except (av.FFmpegError, OSError, ValueError) as ex:
            raise AnimationWriteError(f'cannot write "{self.path}": {_reason(ex)}') from ex
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = pix_fmt

    def _frame(self, image: Any) -> Any:
        import av

        stream = self._stream
        if image.size != (stream.width, stream.height):
            image = image.crop((0, 0, stream.width, stream.height))
        if stream.pix_fmt == "pal8":
            return _pal8_frame(image)
        if stream.pix_fmt == "bgra":
            return av.VideoFrame.from_image(image.convert("RGBA")).reformat(format="bgra")
        return av.VideoFrame.from_image(image.convert("RGB"))

    def add(self, image: Any) -> None:
        """Encode one frame."""
        if self._container is None:
            self._open(image.size)
        for packet in self._stream.encode(self._frame(image)):
            self._container.mux(packet)
        self.count += 1

    def close(self) -> None:
        """Flush the encoder and close the file (nothing is written when no frame was added)."""
        if self._container is None:
            return
        try:
            for packet in self._stream.encode():
                self._container.mux(packet)
        finally:
            self._container.close()
            self._container = None

    def __enter__(self) -> "AnimationWriter":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def write_animation(frames: Sequence[Any] | Iterator[Any], path: str, fps: float) -> None:
    """Write ``frames`` (any iterable, consumed lazily) as an animation at ``path``."""
    with AnimationWriter(path, fps) as writer:
        for image in frames:
            writer.add(image)
