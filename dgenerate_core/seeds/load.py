"""Loading the images of one image seed, streamed frame by frame: fetch URLs, open files lazily,
run the seed / mask / control image processors, resize, align and check sizes.

An animated component (video, GIF, WebP, APNG) is decoded one frame at a time; components are
zipped frame by frame and clipped to the shortest animated one (after slicing); still components
repeat. Nothing keeps more than the current frame of each component.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from dgenerate_core.errors import DgenerateError, NotSupportedYet, UsageError
from dgenerate_core.seeds.parse import ImageSeedSpec, is_tensor_path, is_url
from dgenerate_core.seeds.resize import resize_image_calc
from dgenerate_core import webcache
from dgenerate_core.media.animations import AnimationReadError, FrameSource
from dgenerate_core.media.tensors import TensorReadError, load_latents
from dgenerate_core.processors import hooks


def _webcache_fetch(url: str) -> str:
    return webcache.fetch(url)


#: how URLs become local files (swap for tests or another cache)
fetch_url: Callable[[str], str] = _webcache_fetch


@dataclass
class LoadedSeed:
    """One frame of an image seed: its images (one mask per image, or none), control images
    (one per control model), IP-adapter image groups and floyd image, resized."""

    spec: ImageSeedSpec
    images: list[Any]
    masks: list[Any] | None = None
    raw_latents: Any = None         # (B, ...) noise tensor from ``latents:`` / ``latents=``
    control_images: list[Any] | None = None
    adapter_images: list[list[Any]] | None = None
    floyd_image: Any = None

    @property
    def latents(self) -> bool:
        """True when the img2img input is a latents tensor (never resized)."""
        return bool(self.images) and hasattr(self.images[0], "shape")

    @property
    def image(self) -> Any:
        """What the pipeline's ``image`` takes: the image, or the list of a batched seed
        (latents tensors are concatenated along the batch dimension)."""
        if self.latents:
            import torch

            return torch.cat(self.images) if self.spec.batched else self.images[0]
        return self.images if self.spec.batched else self.images[0]

    @property
    def mask(self) -> Any:
        if self.masks is None:
            return None
        return self.masks if self.spec.batched else self.masks[0]

    @property
    def count(self) -> int:
        if not self.images and self.raw_latents is not None:
            return int(self.raw_latents.shape[0])
        return max(1, len(self.images))

    @property
    def size(self) -> tuple[int, int] | None:
        """The pixel size: of the images, else of the control images (None for latents)."""
        if self.latents:
            return None
        if self.images:
            return self.images[0].size
        if self.control_images:
            return self.control_images[0].size
        return None

    @property
    def mode(self) -> str:
        return self.spec.mode


def _local(path: str, spec: ImageSeedSpec) -> str:
    if is_url(path):
        try:
            return fetch_url(path)
        except UsageError:
            raise
        except Exception as ex:  # noqa: BLE001 - any download failure is one line
            raise UsageError(f'--image-seeds "{spec.text}": cannot download "{path}": '
                             f'{str(ex).splitlines()[0] if str(ex) else type(ex).__name__}') from ex
    return os.path.expanduser(path)


def _local_file(path: str, spec: ImageSeedSpec) -> str:
    local = _local(path, spec)
    if not os.path.isfile(local):
        raise UsageError(f'--image-seeds "{spec.text}": Image seed file "{path}" does not exist.')
    return local


def _seed_error(spec: ImageSeedSpec, ex: Exception) -> UsageError:
    return UsageError(f'--image-seeds "{spec.text}": {ex}')


class _Component:
    """One file of a seed: a latents tensor, a still image, or an animation read lazily."""

    def __init__(self, path: str, spec: ImageSeedSpec, mode: str) -> None:
        self.path, self.spec = path, spec
        self.tensor: Any = None
        self.source: Any = None
        self._still: Any = None
        try:
            if is_tensor_path(path):
                self.tensor = load_latents(_local_file(path, spec))
            else:
                self.source = FrameSource(_local_file(path, spec), mode)
        except (AnimationReadError, TensorReadError) as ex:
            raise _seed_error(spec, ex) from ex

    @property
    def animated(self) -> bool:
        return self.source is not None and self.source.animated

    def sliced_count(self, start: int, end: int | None) -> int:
        """Frames left after slicing (checks the slice)."""
        total = self.source.count
        if end is not None and start > end:
            raise UsageError(f'--image-seeds "{self.spec.text}": the frame slice start {start} '
                             f'is past its end {end}')
        if start >= total:
            raise UsageError(f'--image-seeds "{self.spec.text}": Frame slice start value '
                             f'{start} is out of bounds, "{self.path}" has {total} frames')
        return min(total, end + 1 if end is not None else total) - start

    def still(self) -> Any:
        if self.tensor is not None:
            return self.tensor
        if self._still is None:
            self._still = self._guard(lambda: self.source.first())
        return self._still

    def stream(self, start: int, end: int | None) -> Iterator[Any]:
        """Frames of the slice, decoded lazily (a still component repeats forever)."""
        if not self.animated:
            return itertools.repeat(self.still())
        return self._guarded_iter(self.source.frames(start, end))

    def _guard(self, fn: Callable[[], Any]) -> Any:
        try:
            return fn()
        except AnimationReadError as ex:
            raise _seed_error(self.spec, ex) from ex
        except (OSError, ValueError, SyntaxError) as ex:
            reason = str(ex).splitlines()[0] if str(ex) else type(ex).__name__
            raise UsageError(f'--image-seeds "{self.spec.text}": cannot read image '
                             f'"{self.path}": {reason}') from ex

    def _guarded_iter(self, frames: Iterator[Any]) -> Iterator[Any]:
        while True:
            frame = self._guard(lambda: next(frames, None))
            if frame is None:
                return
            yield frame


def _resize(image: Any, size: tuple[int, int]) -> Any:
    if tuple(image.size) == tuple(size):
        return image
    from PIL import Image

    return image.resize(size, Image.Resampling.LANCZOS)


def _hooks() -> Any:
    """The image and latents processor hooks (``dgenerate_core.processors.hooks``)."""
    return hooks


@dataclass
class _Settings:
    target: tuple[int, int] | None
    aspect: bool
    align: int
    opts: Any = None
    seed_index: int = 0


class SeedFrames:
    """An image seed opened for streaming: :meth:`frames` yields one :class:`LoadedSeed` per
    frame (``frame_count`` of them, at ``fps``; one for a still seed)."""

    def __init__(self, spec: ImageSeedSpec, settings: _Settings, start: int,
                 end: int | None) -> None:
        self.spec = spec
        self.settings = settings
        self.start, self.end = start, end
        self.images = [_Component(p, spec, "RGB") for p in spec.images]
        self.masks = [_Component(p, spec, "L") for p in spec.masks]
        self.controls = [_Component(p, spec, "RGB") for p in spec.controls]
        self.adapters = [[_Component(a.path, spec, "RGB") for a in group]
                         for group in spec.adapters]
        self.floyd = _Component(spec.floyd, spec, "RGB") if spec.floyd else None
        if self.masks and any(c.tensor is not None for c in self.images):
            raise UsageError(f'--image-seeds "{spec.text}": an inpaint mask cannot be used with '
                             f'a latents tensor input')
        self._check_tensor_kinds()
        if any(c.tensor is not None for c in self.images) and (
                spec.resize or spec.align is not None or spec.aspect is not None):
            import logging

            logging.getLogger("dgenerate").warning(
                f'--image-seeds "{spec.text}": latents tensors are never resized or aligned, '
                f'resize / align / aspect are ignored for them')
        self.raw_latents = _raw_latents(spec)
        animated = [c for c in self._all() if c.animated]
        first = min(animated, key=lambda c: spec.text.find(c.path)) if animated else None
        self.fps: float | None = first.source.fps if first else None  # first in the seed text
        counts = [c.sliced_count(start, end) for c in animated]
        self.frame_count = min(counts) if counts else 1

    def _all(self) -> list[_Component]:
        adapters = [c for group in self.adapters for c in group]
        return self.images + self.masks + self.controls + adapters + \
            ([self.floyd] if self.floyd else [])

    def _check_tensor_kinds(self) -> None:
        kinds = {c.tensor is not None for c in self.images}
        if len(kinds) > 1:
            raise UsageError(f'--image-seeds "{self.spec.text}": images and latents tensors '
                             f'cannot be mixed in one image seed')
        if True in kinds and len({tuple(c.tensor.shape[1:]) for c in self.images}) > 1:
            raise UsageError(f'--image-seeds "{self.spec.text}": the latents tensors differ in '
                             f'shape')

    @property
    def animated(self) -> bool:
        """True when the seed gives more than one frame (then an animation is written)."""
        return self.frame_count > 1

    def frames(self) -> Iterator[LoadedSeed]:
        """Every frame of the seed, prepared, one at a time."""
        streams = [c.stream(self.start, self.end) for c in self._all()]
        if not streams:  # "latents: ..." only
            yield self._prepare([], None)
            return
        try:
            for index, raw in enumerate(itertools.islice(zip(*streams), self.frame_count)):
                yield self._prepare(list(raw), index if self.animated else None)
        finally:
            for stream in streams:
                if hasattr(stream, "close"):
                    stream.close()

    def frame(self, index: int) -> LoadedSeed:
        """Frame ``index`` of the seed (decodes the frames before it)."""
        return next(itertools.islice(self.frames(), index, None))

    def _take(self, raw: list[Any], count: int) -> list[Any]:
        taken = raw[:count]
        del raw[:count]
        return taken

    def _prepare(self, raw: list[Any], frame: int | None) -> LoadedSeed:
        images = self._take(raw, len(self.images))
        masks = self._take(raw, len(self.masks))
        controls = self._take(raw, len(self.controls))
        adapters = [self._take(raw, len(group)) for group in self.adapters]
        floyd = raw[0] if self.floyd else None
        sizes: list[tuple[int, int]] = []  # each image's size after the resize step
        if images and not hasattr(images[0], "shape"):
            images = self._process("seed", images, frame, self._pixel_size, sizes)
        if masks:
            if len(masks) == 1 and len(images) > 1:
                masks = masks * len(images)
            # a mask takes its image's resized size, before the processors: a seed chain may
            # change the size (letterbox) while the mask chain does the same (outpaint-mask)
            sizes = sizes or [i.size for i in images]
            masks = self._process("mask", masks, frame, lambda m, i: sizes[i])
        if controls:
            controls = self._process("control", controls, frame, self._pixel_size)
        adapters = [[_resize_adapter(img, spec) for img, spec in zip(group, specs)]
                    for group, specs in zip(adapters, self.spec.adapters)]
        seed = LoadedSeed(self.spec, images, masks or None, self.raw_latents, controls or None,
                          adapters or None, floyd)
        if getattr(self.settings.opts, "model_type", None) != "s-cascade":
            _check_sizes(seed)  # Stable Cascade's images are an image prompt of any sizes
        return seed

    def _pixel_size(self, image: Any, index: int) -> tuple[int, int]:
        s = self.settings
        return resize_image_calc(image.size, s.target, s.aspect, s.align)

    def _process(self, kind: str, images: list[Any], frame: int | None,
                 size_of: Callable[[Any, int], tuple[int, int]],
                 resized: list[tuple[int, int]] | None = None) -> list[Any]:
        """Pre-resize processors, resize, processors (``usage.md`` §3.8); the sizes after the
        resize step are appended to ``resized``."""
        opts = self.settings.opts
        kwargs = {"seed_index": self.settings.seed_index, "frame": frame}
        if opts is not None:
            images = _hooks().process_images(kind, opts, images, pre_resize=True, **kwargs)
        images = [_resize(img, size_of(img, i)) for i, img in enumerate(images)]
        if resized is not None:
            resized.extend(img.size for img in images)
        if opts is not None:
            images = _hooks().process_images(kind, opts, images, pre_resize=False, **kwargs)
        return images


def _resize_adapter(image: Any, spec: Any) -> Any:
    """IP-adapter images: resized only by their own ``|resize=`` and ``|align=``."""
    return _resize(image, resize_image_calc(image.size, spec.resize, spec.aspect, spec.align))


def _raw_latents(spec: ImageSeedSpec) -> Any:
    """The ``latents:`` / ``latents=`` tensors of the seed, one batch (None without)."""
    if not spec.raw_latents:
        return None
    import torch

    tensors = [_Component(path, spec, "RGB").tensor for path in spec.raw_latents]
    if len({tuple(t.shape[1:]) for t in tensors}) > 1:
        raise UsageError(f'--image-seeds "{spec.text}": the latents tensors differ in shape')
    return torch.cat(tensors)


def _check_sizes(seed: LoadedSeed) -> None:
    """Images, masks and control images of one frame must have one size."""
    spec = seed.spec
    named = [(p, i) for p, i in zip(spec.images, seed.images) if not hasattr(i, "shape")]
    named += [(p, m) for p, m in zip(spec.masks * len(seed.images) if len(spec.masks) == 1
                                     else spec.masks, seed.masks or [])]
    named += list(zip(spec.controls, seed.control_images or []))
    if not named:
        return
    first_path, first = named[0]
    for path, image in named[1:]:
        if image.size != first.size:
            raise UsageError(
                f'--image-seeds "{spec.text}": Dimension of "{path}" ({_wxh(image.size)}) does '
                f'not match "{first_path}" ({_wxh(first.size)}); use a resize or '
                f'aspect=false to give every image one size')


def load_seed_frames(spec: ImageSeedSpec, output_size: tuple[int, int] | None, no_aspect: bool,
                     align: int = 8, frame_start: int = 0, frame_end: int | None = None,
                     opts: Any = None, seed_index: int = 0) -> SeedFrames:
    """Open every file of the seed for streaming (nothing but the probe is decoded here).

    Per-seed ``frame-start``/``frame-end`` override the global ones; per-seed resize >
    ``output_size`` > native size; ``opts`` (when given) selects the image processors.
    """
    start = spec.frame_start if spec.frame_start is not None else frame_start or 0
    end = spec.frame_end if spec.frame_end is not None else frame_end
    settings = _Settings(spec.resize or output_size,
                         spec.aspect if spec.aspect is not None else not no_aspect,
                         spec.align if spec.align is not None else align, opts, seed_index)
    try:
        return SeedFrames(spec, settings, start, end)
    except DgenerateError as ex:
        if isinstance(ex, (UsageError, NotSupportedYet)) or str(ex).startswith("--image-seeds"):
            raise
        raise _seed_error(spec, ex) from ex


def load_seed(spec: ImageSeedSpec, output_size: tuple[int, int] | None, no_aspect: bool,
              align: int = 8) -> LoadedSeed:
    """The first frame of the seed, resized: per-seed size > ``output_size`` > native; masks
    take the size of their image."""
    return load_seed_frames(spec, output_size, no_aspect, align).frame(0)


def _wxh(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
