"""The work of ``image-process`` / ``\\image_process``: output names, still images, and animations
streamed frame by frame (decoded, processed and encoded one at a time)."""

from __future__ import annotations

import datetime
import glob
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

from dgenerate_core import events, webcache
from dgenerate_core.errors import UsageError
from dgenerate_core.media.atomic import Pending, write_new
from dgenerate_core.media.animations import ANIMATION_FORMATS, AnimationWriter, FrameSource, VIDEO_EXTENSIONS
from dgenerate_core.media.images import save_image
from dgenerate_core.processors.chains import build_chain, run_stage
from dgenerate_core.processors.image.geometry import resample
from dgenerate_core.seeds.resize import resize_image_calc

FRAME_FORMATS = (
    "png", "apng", "avif", "avifs", "blp", "bmp", "dib", "bufr", "pcx", "dds", "ps", "eps", "gif",
    "grib", "h5", "hdf", "jp2", "j2k", "jpc", "jpf", "jpx", "j2c", "icns", "ico", "im", "jfif",
    "jpe", "jpg", "jpeg", "tif", "tiff", "mpo", "msp", "palm", "pdf", "pbm", "pgm", "ppm", "pnm",
    "pfm", "qoi", "bw", "rgb", "rgba", "sgi", "tga", "icb", "vda", "vst", "webp", "wmf", "emf",
    "xbm")
_GLOB = ("*", "?", "[")


@dataclass
class Settings:
    """The parsed arguments of one image-process run."""

    inputs: list[str]
    processors: list[str] = field(default_factory=list)
    outputs: list[str] | None = None
    frame_format: str = "png"
    overwrite: bool = False
    resize: tuple[int, int] | None = None
    no_aspect: bool = False
    align: int = 1
    device: str | None = None
    frame_start: int = 0
    frame_end: int | None = None
    no_frames: bool = False
    no_animation_file: bool = False
    offline: bool = False
    prefix: str = "image-process"


@dataclass
class Written:
    images: list[str] = field(default_factory=list)
    animations: list[str] = field(default_factory=list)


def expand_inputs(inputs: list[str], prefix: str) -> list[str]:
    """Globs expanded (sorted); URLs and plain paths kept; a glob that matches nothing fails."""
    found: list[str] = []
    for text in inputs:
        path = os.path.expanduser(text)
        if not webcache.is_url(text) and any(c in path for c in _GLOB) and not os.path.exists(path):
            matches = sorted(m for m in glob.glob(path, recursive=True) if os.path.isfile(m))
            if not matches:
                raise UsageError(f'{prefix}: input "{text}" matched no files')
            found.extend(matches)
        else:
            found.append(text if webcache.is_url(text) else path)
    return found


def _is_dir_output(text: str) -> bool:
    return text.endswith(("/", "\\")) or os.path.isdir(text)


def _processed(folder: str, name: str, ext: str, number: int) -> str:
    return os.path.join(folder, f"{name}_processed_{number}{ext}")


def output_path(source: str, shown: str, number: int, output: str | None, settings: Settings
                ) -> str:
    """Where input number ``number`` (1-based) is written, before ``_duplicate_N``."""
    name, ext = os.path.splitext(os.path.basename(source))
    if output is None:
        if webcache.is_url(shown):
            raise UsageError(f'{settings.prefix}: the URL input "{shown}" needs an output '
                             "(-o/--output FILE or FOLDER/)")
        if settings.overwrite:
            return source
        return _processed(os.path.dirname(source), name, ext, number)
    output = os.path.expanduser(output)
    if _is_dir_output(output):
        return _processed(output.rstrip("/\\") or output, name, ext, number)
    same = not webcache.is_url(shown) and os.path.abspath(output) == os.path.abspath(source)
    if same and not settings.overwrite:
        return _processed(os.path.dirname(output), name, ext, number)
    return output


def pair_outputs(inputs: list[str], settings: Settings) -> list[str | None]:
    """One output (or None) per input, following the rules of ``-o``."""
    outputs = settings.outputs
    if not outputs:
        return [None] * len(inputs)
    if len(outputs) == 1 and (len(inputs) == 1 or _is_dir_output(os.path.expanduser(outputs[0]))):
        return list(outputs) * len(inputs)
    if len(outputs) != len(inputs):
        raise UsageError(f"{settings.prefix}: {len(inputs)} inputs need one output each (a file "
                         f"or a FOLDER/), or a single output folder; got {len(outputs)} outputs")
    return list(outputs)


def _split_target(path: str) -> tuple[str, str, str]:
    """``(folder, base, ext)`` of an output path; the folder is created."""
    folder = os.path.dirname(path) or "."
    os.makedirs(folder, exist_ok=True)
    base, ext = os.path.splitext(os.path.basename(path))
    return folder, base, ext


class Processor:
    """Processes images: pre-resize processors, the resize / align, then the other processors."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.chain = build_chain(settings.processors, f"{settings.prefix}: -p/--processors",
                                 {"device": settings.device,
                                  "local-files-only": settings.offline or None})

    def __call__(self, image: Any) -> Any:
        image = run_stage(self.chain, image, True)
        s = self.settings
        size = resize_image_calc(image.size, s.resize, not s.no_aspect, s.align)
        if tuple(size) != tuple(image.size):
            image = image.resize(size, resample("auto", image.size, size))
        return run_stage(self.chain, image, False)


def _say(settings: Settings, text: str) -> None:
    print(f"{settings.prefix}: {text}", file=sys.stdout, flush=True)


def _local(shown: str, settings: Settings) -> str:
    if webcache.is_url(shown):
        return webcache.fetch(shown, offline=settings.offline)
    if not os.path.exists(shown):
        raise UsageError(f'{settings.prefix}: input "{shown}" does not exist')
    if os.path.isdir(shown):
        raise UsageError(f'{settings.prefix}: input "{shown}" is a folder, not a file')
    return shown


def run(settings: Settings) -> Written:
    """Process every input; returns the absolute paths of the images and animations written."""
    _check(settings)
    inputs = expand_inputs(settings.inputs, settings.prefix)
    outputs = pair_outputs(inputs, settings)
    processor = Processor(settings)
    written = Written()
    for number, (shown, output) in enumerate(zip(inputs, outputs), start=1):
        source = _local(shown, settings)
        target = output_path(source, shown, number, output, settings)
        _say(settings, f'Processing "{shown}"')
        _process_file(source, target, processor, settings, written)
    return written


def _check(settings: Settings) -> None:
    p = settings.prefix
    if settings.frame_format.lower() not in FRAME_FORMATS:
        raise UsageError(f'{p}: unknown --frame-format "{settings.frame_format}", expected one '
                         "of: " + ", ".join(FRAME_FORMATS))
    if settings.align < 1:
        raise UsageError(f"{p}: --align must be at least 1, got {settings.align}")
    if settings.frame_start < 0 or (settings.frame_end is not None and settings.frame_end < 0):
        raise UsageError(f"{p}: --frame-start and --frame-end cannot be negative")
    if settings.frame_end is not None and settings.frame_start > settings.frame_end:
        raise UsageError(f"{p}: --frame-start ({settings.frame_start}) must not be greater "
                         f"than --frame-end ({settings.frame_end})")


def _process_file(source: str, target: str, processor: Processor, settings: Settings,
                  written: Written) -> None:
    frames = FrameSource(source)
    if not frames.animated:
        _write_still(processor(frames.first()), target, settings, written)
        return
    _write_animated(frames, target, processor, settings, written)


def _write_still(image: Any, target: str, settings: Settings, written: Written,
                 what: str = "Image") -> str:
    folder, base, ext = _split_target(target)
    path = write_new(folder, base, ext, lambda temp: save_image(image, temp), settings.overwrite)
    path = os.path.abspath(path)
    _say(settings, f'Wrote {what} "{path}"')
    events.emit("image", path=path)
    written.images.append(path)
    return path


def _eta(started: float, done: int, total: int) -> str:
    if done == 0:
        return "unknown"
    left = (time.monotonic() - started) / done * (total - done)
    return str(datetime.timedelta(seconds=round(left)))


def _write_animated(frames: Any, target: str, processor: Processor, settings: Settings,
                    written: Written) -> None:
    if settings.frame_start >= frames.count:
        raise UsageError(f"{settings.prefix}: Frame slice start value {settings.frame_start} is "
                         f"out of bounds, the input has {frames.count} frames")
    stop = frames.count if settings.frame_end is None else min(frames.count,
                                                               settings.frame_end + 1)
    total = stop - settings.frame_start
    animation = None if settings.no_animation_file else _animation_path(target, settings)
    frame_base = os.path.splitext(animation or target)[0]
    # encoded to a hidden name beside the target and moved into place when complete (with -ox
    # this also replaces the input only after it has been read)
    pending = Pending.create(*_split_target(animation)[:2], [os.path.splitext(animation)[1]]) \
        if animation else None
    writer = AnimationWriter(pending.temps[0], frames.fps or 10.0) if pending else None
    started = time.monotonic()
    try:
        for index, frame in enumerate(frames.frames(settings.frame_start, stop - 1)):
            _say(settings, f"Processing Frame {index + 1}/{total}, Completion ETA: "
                           f"{_eta(started, index, total)}")
            image = processor(frame)
            if writer is not None:
                writer.add(image)
            if not settings.no_frames:
                _write_still(image, f"{frame_base}_frame_{index + 1}.{settings.frame_format}",
                             settings, written, "Frame")
        if writer is not None:
            writer.close()
            base = os.path.splitext(os.path.basename(animation))[0]
            animation = pending.publish(base, settings.overwrite)
    finally:
        if writer is not None:
            writer.close()
            pending.discard()
    if animation:
        path = os.path.abspath(animation)
        _say(settings, f'Wrote Animation "{path}"')
        events.emit("animation", path=path)
        written.animations.append(path)


def _animation_path(target: str, settings: Settings) -> str:
    ext = os.path.splitext(target)[1].lower()
    if ext.lstrip(".") not in ANIMATION_FORMATS and ext not in VIDEO_EXTENSIONS:
        raise UsageError(f'{settings.prefix}: cannot write an animation as "{ext or target}" for '
                         "an animated input; use an output ending in .mp4, .gif, .webp, .apng or "
                         ".png, or -naf/--no-animation-file")
    return target

