"""Parsing one ``--image-seeds`` value into an :class:`ImageSeedSpec` (no image is opened here).

The short grammar (``img``, ``img;mask``, ``img;WxH``, ``img;mask;WxH``, comma lists) and the
keyword grammar (``mask=``, ``control=``, ``adapter=``, ``latents=``, ``floyd=``, ``resize=``,
``align=``, ``aspect=``, ``frame-start=``, ``frame-end=``), the prefixes ``images:``,
``adapter:`` and ``latents:`` (usage.md §3). Paths are files or http(s) URLs. How a plain seed
is read depends on the control models (``control_models``): with ControlNets / T2I adapters its
items are control images. Every error is one line that quotes the image seed.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from typing import Callable

from dgenerate_core.errors import UsageError
from dgenerate_core.seeds.adapters import AdapterImage, parse_adapter_spec
from dgenerate_core.uri import split_parts, unquote

KEYWORDS = ("mask", "control", "adapter", "latents", "floyd", "resize", "align", "aspect",
            "frame-start", "frame-end")
TENSOR_EXTENSIONS = (".pt", ".pth", ".safetensors")
_KEY_RE = re.compile(r"^\s*(" + "|".join(re.escape(k) for k in KEYWORDS) + r")\s*=")
_PREFIX_RE = re.compile(r"^\s*(images|adapter|latents)\s*:", re.I)
_SIZE_RE = re.compile(r"^\s*(\d+)\s*(?:[xX]\s*(\d+))?\s*$", re.ASCII)  # no "８"
_RAW_KEYS = ("mask", "latents", "control", "adapter")  # comma lists, unquoted item by item


@dataclass(frozen=True)
class ImageSeedSpec:
    """One image seed: its images, inpaint masks, control / adapter / floyd images, raw latents
    and per-seed resize and frame slice settings."""

    text: str
    images: tuple[str, ...]
    masks: tuple[str, ...] = ()
    resize: tuple[int, int] | None = None
    align: int | None = None
    aspect: bool | None = None
    batched: bool = False           # written with the ``images:`` prefix
    frame_start: int | None = None  # per-seed frame slice (inclusive), overrides --frame-start
    frame_end: int | None = None
    raw_latents: tuple[str, ...] = ()  # ``latents:`` / ``latents=`` tensor files (noise)
    controls: tuple[str, ...] = ()     # control guidance images, in --control-nets order
    adapters: tuple[tuple[AdapterImage, ...], ...] = ()  # IP-adapter image groups
    floyd: str | None = None           # the previous Deep Floyd stage's output

    @property
    def image(self) -> str | None:
        return self.images[0] if self.images else None

    @property
    def mask(self) -> str | None:
        return self.masks[0] if self.masks else None

    @property
    def mode(self) -> str:
        """The pipeline mode this seed asks for: 'txt2img' (control, adapter or latents only),
        'img2img' or 'inpaint'."""
        if not self.images:
            return "txt2img"
        return "inpaint" if self.masks else "img2img"

    @property
    def single(self) -> bool:
        """A plain seed: no mask, control, floyd, adapter or latents (usage.md §3.5)."""
        return not (self.masks or self.controls or self.floyd or self.adapters
                    or self.raw_latents)


def is_url(text: str) -> bool:
    """True for an http(s) URL."""
    return text.lower().startswith(("http://", "https://"))


def is_tensor_path(path: str) -> bool:
    return path.lower().endswith(TENSOR_EXTENSIONS)


def _exists(path: str) -> bool:
    return is_url(path) or os.path.isfile(os.path.expanduser(path))


class _Parser:
    def __init__(self, text: str, exists: Callable[[str], bool], control_models: int) -> None:
        self.text = text
        self.exists = exists
        self.control_models = control_models

    def error(self, message: str) -> UsageError:
        return UsageError(f'--image-seeds "{self.text}": {message}')

    def size(self, part: str) -> tuple[int, int] | None:
        match = _SIZE_RE.match(part)
        if not match:
            return None
        width = int(match.group(1))
        height = int(match.group(2)) if match.group(2) else width
        for dim, value in (("width", width), ("height", height)):
            if value <= 0:
                raise self.error(f"image seed resize {dim} dimension must be greater than 0")
            if value % 8:
                raise self.error(f"Image seed resize {dim} dimension {value} is not divisible "
                                 f"by 8.")
        return (width, height)

    def items(self, text: str, what: str) -> tuple[str, ...]:
        items = tuple(unquote(p).strip() for p in split_parts(text, "--image-seeds", ","))
        if any(not item for item in items):
            raise self.error(f"Missing {what} definition, stray comma?")
        return items

    def files(self, text: str, what: str, label: str) -> tuple[str, ...]:
        """A comma list of existing image files (``label`` names them in errors)."""
        items = self.items(text, what)
        for item in items:
            if is_tensor_path(item):
                raise self.error(f'"{item}": latents tensors are only allowed as the img2img '
                                 f'image or in latents=, not as a {what}')
            if not self.exists(item):
                raise self.error(f'{label} file "{item}" does not exist.')
        return items

    def main_images(self, first: str) -> tuple[tuple[str, ...], bool]:
        """The main part: ``images:`` batch, or one image (several = control images)."""
        prefix = _PREFIX_RE.match(first)
        batched = bool(prefix)
        if prefix:
            first = first[prefix.end():]
        items = self.items(first, "image")
        if len(items) > 1 and not batched and not self.control_models:
            raise self.error('Image seed img2img input cannot contain multiple elements without '
                             'using "images: ..." batching syntax (several control images need '
                             'as many --control-nets or --t2i-adapters)')
        label = "Control image" if len(items) > 1 and not batched else "Image seed"
        for item in items:
            if not self.exists(item):
                raise self.error(f'{label} file "{item}" does not exist.')
        return items, batched

    def mask_list(self, value: str, images: tuple[str, ...], batched: bool) -> tuple[str, ...]:
        """A mask (or, with ``images:``, a comma list of masks: one, or one per image)."""
        masks = self.items(value, "mask")
        if len(masks) > 1 and not batched:
            raise self.error('Cannot use multiple mask images without using the syntax: '
                             '"images: img1.png, img2.png;mask=mask1.png, mask2.png"')
        if len(masks) > 1 and len(masks) != len(images):
            raise self.error(f"there are {len(masks)} masks for {len(images)} images, give one "
                             f"mask or one per image")
        if len(images) > 1 and not batched:
            raise self.error('an inpaint mask needs one image, or several with the "images: '
                             '..." batching syntax')
        for mask in masks:
            if is_tensor_path(mask):
                raise self.error(f'"{mask}": latents tensors are only allowed as the img2img '
                                 f'image, not as an inpaint mask')
            if not self.exists(mask):
                raise self.error(f'Inpaint mask file "{mask}" does not exist.')
        return masks

    def _is_mask_list(self, value: str) -> bool:
        try:
            items = self.items(value, "mask")
        except UsageError:
            return False
        return all(self.exists(item) for item in items)

    def short(self, parts: list[str]) -> ImageSeedSpec:
        images, batched = self.main_images(parts[0])
        masks: tuple[str, ...] = ()
        resize: tuple[int, int] | None = None
        for part in parts[1:]:
            value = unquote(part).strip() if not batched else part.strip()
            if not value:
                raise self.error("Missing inpaint mask image or output size specification, "
                                 "check for a stray semicolon.")
            if not masks and (self.exists(value) or (batched and self._is_mask_list(value))):
                masks = self.mask_list(value, images, batched)
                continue
            size = self.size(value)
            if size is None and re.match(r"^[\w-]+\s*=", value):
                raise self.error(f'unknown argument "{value.split("=")[0].strip()}", valid '
                                 f'arguments are: ' + ", ".join(KEYWORDS))
            if size is None:
                if masks:
                    raise self.error(f'"{value}" is neither an existing file nor a size WxH '
                                     f'(the mask is already "{masks[0]}")')
                raise self.error(f'Inpaint mask file "{value}" does not exist.')
            if resize is not None:
                raise self.error("Resize resolution argument defined multiple times.")
            resize = size
        return self.interpret(ImageSeedSpec(self.text, images, masks, resize, batched=batched))

    def interpret(self, spec: ImageSeedSpec) -> ImageSeedSpec:
        """A plain seed's items are control images when control models are given (§3.5)."""
        if self.control_models and spec.single and not spec.batched and spec.images:
            return replace(spec, images=(), controls=spec.images)
        return spec

    def tensors(self, value: str) -> tuple[str, ...]:
        """A comma list of existing latents tensor files."""
        items = self.items(value, "latents")
        for item in items:
            if not is_tensor_path(item):
                raise self.error(f'Latent file "{item}" must be a tensor file (.pt, .pth or '
                                 f'.safetensors)')
            if not self.exists(item):
                raise self.error(f'Latents file "{item}" does not exist.')
        return items

    def latents_only(self, parts: list[str]) -> ImageSeedSpec:
        """``latents: a.pt, b.pt``: raw noisy latents for txt2img, nothing else."""
        if len(parts) > 1:
            raise self.error("Cannot use resize resolution or inpaint mask syntax with latents "
                             "only image seed input.")
        items = self.tensors(_PREFIX_RE.sub("", parts[0], count=1))
        return ImageSeedSpec(self.text, (), batched=len(items) > 1, raw_latents=items)

    def adapter_only(self, parts: list[str]) -> ImageSeedSpec:
        """``adapter: a.png + b.png, c.png[;control=...;resize=...]``: IP-adapter images."""
        adapters = parse_adapter_spec(_PREFIX_RE.sub("", parts[0], count=1), self.error,
                                      self.exists)
        if len(parts) > 1 and not any(_KEY_RE.match(p) for p in parts[1:]):
            raise self.error("Cannot use resize resolution or inpaint mask syntax with IP "
                             "adapter only image seed input.")
        found = self.keywords(parts[1:])
        if "mask" in found:
            raise self.error('an inpaint mask needs an image: "img.png;mask=mask.png;'
                             'adapter=a.png", not the "adapter: ..." prefix')
        if "adapter" in found:
            raise self.error('IP adapter images already defined by the "adapter: ..." prefix, '
                             'adapter= cannot be used with it')
        for key in ("floyd", "latents"):
            if key in found:
                raise self.error(f"{key}= cannot be used with an IP adapter only image seed")
        return self.build((), False, found, adapters)

    def keywords(self, parts: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        for part in parts:
            key, sep, value = part.partition("=")
            key = key.strip().lower()
            if not sep:
                raise self.error(f'"{part.strip()}": once a keyword argument is used, every part '
                                 f'after the image must be a keyword argument (key=value)')
            if key not in KEYWORDS:
                raise self.error(f'unknown argument "{key}", valid arguments are: '
                                 + ", ".join(KEYWORDS))
            if key in found:
                raise self.error(f'Duplicate argument "{key}"')
            found[key] = value.strip() if key in _RAW_KEYS else unquote(value).strip()
        return found

    def keyword(self, parts: list[str]) -> ImageSeedSpec:
        images, batched = self.main_images(parts[0])
        found = self.keywords(parts[1:])
        adapters = parse_adapter_spec(found["adapter"], self.error, self.exists) \
            if "adapter" in found else ()
        return self.build(images, batched, found, adapters)

    def build(self, images: tuple[str, ...], batched: bool, found: dict[str, str],
              adapters: tuple) -> ImageSeedSpec:
        masks = self.mask_list(found["mask"], images, batched) if "mask" in found else ()
        controls = self.files(found["control"], "control image", "Control image") \
            if "control" in found else ()
        floyd = self.files(found["floyd"], "floyd image", "Floyd image")[0] if "floyd" in found \
            else None
        if floyd is not None:
            for key, what in (("adapter", "IP adapter images"), ("latents", "latents"),
                              ("control", "control images")):
                if key in found:
                    raise self.error(f"floyd= cannot be used together with {what} ({key}=)")
        start, end = self._int(found, "frame-start"), self._int(found, "frame-end")
        if start is not None and end is not None and start > end:
            raise self.error(f"frame-start ({start}) must not be greater than frame-end ({end})")
        raw = self.tensors(found["latents"]) if "latents" in found else ()
        if raw and len(raw) != len(images):
            raise self.error(f"Number of images ({len(images)}) must equal number of latents "
                             f"({len(raw)})")
        if len(images) > 1 and not batched and (controls or raw or adapters or floyd):
            raise self.error('Image seed img2img input cannot contain multiple elements without '
                             'using "images: ..." batching syntax')
        spec = ImageSeedSpec(self.text, images, masks, self._resize(found.get("resize")),
                             self._align(found.get("align")), self._aspect(found.get("aspect")),
                             batched, start, end, raw, controls, adapters, floyd)
        return self.interpret(spec)

    def _int(self, found: dict[str, str], key: str) -> int | None:
        if key not in found:
            return None
        try:
            value = int(found[key]) if found[key].isascii() else int("not ascii")
        except ValueError:
            raise self.error(f'{key}: "{found[key]}" is not an integer') from None
        if value < 0:
            raise self.error(f"{key}: {value} must be 0 or more")
        return value

    def _resize(self, value: str | None) -> tuple[int, int] | None:
        if value is None:
            return None
        size = self.size(value)
        if size is None:
            raise self.error(f'resize: "{value}" is not a size, use W or WxH')
        return size

    def _align(self, value: str | None) -> int | None:
        if value is None:
            return None
        try:
            align = int(value) if value.isascii() else int("not ascii")
        except ValueError:
            raise self.error(f'align: "{value}" is not an integer') from None
        if align < 1 or (align != 1 and align % 8):
            raise self.error(f"align: {align} must be 1 or a multiple of 8")
        return align

    def _aspect(self, value: str | None) -> bool | None:
        if value is None:
            return None
        lowered = value.lower()
        if lowered not in ("true", "false"):
            raise self.error(f'aspect: "{value}" must be true or false')
        return lowered == "true"


def parse_image_seed(text: str, exists: Callable[[str], bool] | None = None,
                     control_models: int = 0) -> ImageSeedSpec:
    """Parse one ``--image-seeds`` value; ``exists`` tells which paths are files (default: disk),
    ``control_models`` is the number of ``--control-nets`` / ``--t2i-adapters`` given."""
    parser = _Parser(text, exists or _exists, control_models)
    if not text.strip():
        raise parser.error("empty image seed")
    parts = [p.strip() for p in split_parts(text, "--image-seeds", ";")]
    prefix = _PREFIX_RE.match(parts[0])
    if prefix and prefix.group(1).lower() == "latents":
        return parser.latents_only(parts)
    if prefix and prefix.group(1).lower() == "adapter":
        return parser.adapter_only(parts)
    if len(parts) > 3 or any(_KEY_RE.match(p) for p in parts[1:]):
        return parser.keyword(parts)
    return parser.short(parts)
