"""Loading the images of one image seed: fetch URLs, open, resize to the requested size, align."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Callable

from dgenerate_core.errors import UsageError
from dgenerate_core.seeds.parse import ImageSeedSpec, is_url
from dgenerate_core.seeds.resize import resize_image_calc


def _webcache_fetch(url: str) -> str:
    from dgenerate_core import webcache

    return webcache.fetch(url)


#: how URLs become local files (swap for tests or another cache)
fetch_url: Callable[[str], str] = _webcache_fetch


@dataclass
class LoadedSeed:
    """The images of one image seed (and one mask per image, or none), resized alike."""

    spec: ImageSeedSpec
    images: list[Any]
    masks: list[Any] | None = None
    raw_latents: Any = None         # (B, ...) noise tensor from ``latents:`` / ``latents=``

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
        return len(self.images)

    @property
    def size(self) -> tuple[int, int] | None:
        """The pixel size (None for latents input)."""
        return None if self.latents or not self.images else self.images[0].size

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


def open_seed_frames(path: str, spec: ImageSeedSpec, mode: str) -> tuple[list[Any], float | None]:
    """All frames of ``path`` (one for a still image or a latents tensor) and the fps (None
    when still)."""
    from dgenerate_core.media.animations import AnimationReadError, read_frames
    from dgenerate_core.media.tensors import TensorReadError, is_tensor_file, load_latents

    try:
        if is_tensor_file(path):
            return [load_latents(_local_file(path, spec))], None
        return read_frames(_local_file(path, spec), mode)
    except (AnimationReadError, TensorReadError) as ex:
        raise UsageError(f'--image-seeds "{spec.text}": {ex}') from ex


def _resize(image: Any, size: tuple[int, int]) -> Any:
    if tuple(image.size) == tuple(size):
        return image
    from PIL import Image

    return image.resize(size, Image.Resampling.LANCZOS)


@dataclass
class SeedFrames:
    """An image seed loaded frame by frame: per image (and mask) its list of frames."""

    spec: ImageSeedSpec
    images: list[list[Any]]
    masks: list[list[Any]] | None
    frame_count: int
    fps: float | None
    raw_latents: Any = None

    @property
    def animated(self) -> bool:
        """True when the seed gives more than one frame (then an animation is written)."""
        return self.frame_count > 1

    def frame(self, index: int) -> LoadedSeed:
        """The still image seed of frame ``index`` (still components repeat)."""
        pick = lambda frames: frames[index] if len(frames) > 1 else frames[0]  # noqa: E731
        masks = [pick(m) for m in self.masks] if self.masks is not None else None
        return LoadedSeed(self.spec, [pick(i) for i in self.images], masks, self.raw_latents)


def _slice(frames: list[Any], start: int, end: int | None, spec: ImageSeedSpec,
           path: str) -> list[Any]:
    if len(frames) <= 1:
        return frames
    if end is not None and start > end:
        raise UsageError(f'--image-seeds "{spec.text}": the frame slice start {start} is past '
                         f'its end {end}')
    if start >= len(frames):
        raise UsageError(f'--image-seeds "{spec.text}": Frame slice start value {start} is out '
                         f'of bounds, "{path}" has {len(frames)} frames')
    return frames[start:(end + 1) if end is not None else None]


def load_seed_frames(spec: ImageSeedSpec, output_size: tuple[int, int] | None, no_aspect: bool,
                     align: int = 8, frame_start: int = 0,
                     frame_end: int | None = None) -> SeedFrames:
    """Open every image and mask of the seed, slice animations, resize each frame.

    Per-seed ``frame-start``/``frame-end`` override the global ones; the frame count is that of
    the shortest animated component and the fps that of the first animated one.
    """
    start = spec.frame_start if spec.frame_start is not None else frame_start or 0
    end = spec.frame_end if spec.frame_end is not None else frame_end
    target = spec.resize or output_size
    aspect = spec.aspect if spec.aspect is not None else not no_aspect
    use_align = spec.align if spec.align is not None else align
    fps: float | None = None
    images: list[list[Any]] = []
    for path in spec.images:
        frames, rate = open_seed_frames(path, spec, "RGB")
        fps = fps or rate
        frames = _slice(frames, start, end, spec, path)
        if hasattr(frames[0], "shape"):
            images.append(frames)  # latents are never resized
            continue
        size = resize_image_calc(frames[0].size, target, aspect, use_align)
        images.append([_resize(f, size) for f in frames])
    _check_sizes(spec, [i[0] for i in images])
    masks = None
    if spec.masks and any(hasattr(i[0], "shape") for i in images):
        raise UsageError(f'--image-seeds "{spec.text}": an inpaint mask cannot be used with '
                         f'a latents tensor input')
    if spec.masks:
        opened = []
        for path in spec.masks:
            frames, rate = open_seed_frames(path, spec, "L")
            fps = fps or rate
            opened.append(_slice(frames, start, end, spec, path))
        if len(opened) == 1:
            opened = opened * len(images)
        masks = [[_resize(m, img[0].size) for m in frames] for frames, img in zip(opened, images)]
    lengths = [len(f) for f in images + (masks or []) if len(f) > 1]
    return SeedFrames(spec, images, masks, min(lengths) if lengths else 1, fps,
                      _raw_latents(spec))


def _raw_latents(spec: ImageSeedSpec) -> Any:
    """The ``latents:`` / ``latents=`` tensors of the seed, one batch (None without)."""
    if not spec.raw_latents:
        return None
    import torch

    tensors = [open_seed_frames(path, spec, "RGB")[0][0] for path in spec.raw_latents]
    if len({tuple(t.shape[1:]) for t in tensors}) > 1:
        raise UsageError(f'--image-seeds "{spec.text}": the latents tensors differ in shape')
    return torch.cat(tensors)


def _check_sizes(spec: ImageSeedSpec, firsts: list[Any]) -> None:
    kinds = {hasattr(f, "shape") for f in firsts}
    if len(kinds) > 1:
        raise UsageError(f'--image-seeds "{spec.text}": images and latents tensors cannot be '
                         f'mixed in one image seed')
    if True in kinds:
        shapes = {tuple(f.shape[1:]) for f in firsts}
        if len(shapes) > 1:
            raise UsageError(f'--image-seeds "{spec.text}": the latents tensors differ in shape')
        return
    for path, image in zip(spec.images[1:], firsts[1:]):
        if image.size != firsts[0].size:
            raise UsageError(
                f'--image-seeds "{spec.text}": Dimension of "{path}" ({_wxh(image.size)}) does '
                f'not match "{spec.images[0]}" ({_wxh(firsts[0].size)}); use a resize or '
                f'aspect=false to give every image one size')


def load_seed(spec: ImageSeedSpec, output_size: tuple[int, int] | None, no_aspect: bool,
              align: int = 8) -> LoadedSeed:
    """The first frame of the seed's images (and masks), resized: per-seed size >
    ``output_size`` > native; masks take the size of their image."""
    return load_seed_frames(spec, output_size, no_aspect, align).frame(0)


def _wxh(size: tuple[int, int]) -> str:
    return f"{size[0]}x{size[1]}"
