"""What an image seed means together with the other options (usage.md §3.5), checked before any
model is loaded: control image counts, ``control=`` without control models, T2I adapters with
img2img, IP-adapter groups, ``floyd=``."""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.seeds.parse import ImageSeedSpec, parse_image_seed

FLOYD_TYPES = ("if", "ifs", "ifs-img2img")


def control_option(opts: Any) -> tuple[str, int]:
    """The control model option given (``--control-nets`` or ``--t2i-adapters``) and its count."""
    for dest in ("control_nets", "t2i_adapters"):
        values = getattr(opts, dest, None)
        if values:
            return "--" + dest.replace("_", "-"), len(values)
    return "", 0


def check_seed(spec: ImageSeedSpec, opts: Any) -> None:
    """Raise the §3.5 error for a seed that does not fit the control / adapter options."""
    where = f'--image-seeds "{spec.text}"'
    option, models = control_option(opts)
    if models:
        if spec.masks and not spec.controls:
            raise UsageError(
                f'{where}: You must specify a control image with the control argument IE: '
                f'"my-seed.png;control=my-control.png" when using {option} with an inpaint '
                f'seed. If you want to use the control image alone without a mask, use '
                f'--image-seeds "my-control.png"')
        if not spec.controls:
            raise UsageError(f"{where}: {option} needs control guidance images in every image "
                             f'seed, give them with "control=" or as a plain image seed')
        if len(spec.controls) != models:
            raise UsageError(f"{where}: syntax error, {len(spec.controls)} control images for "
                             f"{models} {option} models; give one control image per model")
        if option == "--t2i-adapters" and spec.images:
            raise UsageError(f"{where}: --t2i-adapters cannot be used with img2img or inpaint "
                             f"image seeds, T2I adapters are txt2img only")
        if not spec.images and getattr(opts, "image_seed_strengths", None):
            raise UsageError(f"{where}: --image-seed-strengths cannot be used with a control "
                             f"guidance only image seed (there is no img2img image)")
    elif spec.controls:
        raise UsageError(f'{where}: "control=" images need --control-nets or --t2i-adapters')
    _check_adapters(spec, opts, where)
    if spec.floyd is not None and getattr(opts, "model_type", None) not in FLOYD_TYPES:
        raise UsageError(f'{where}: "floyd=" is only used with --model-type ifs or '
                         f'ifs-img2img')


def _check_adapters(spec: ImageSeedSpec, opts: Any, where: str) -> None:
    adapters = getattr(opts, "ip_adapters", None)
    if adapters and not spec.adapters:
        raise UsageError(f'{where}: --ip-adapters needs IP adapter images in every image seed, '
                         f'e.g. "adapter: image.png" or "seed.png;adapter=image.png"')
    if not spec.adapters:
        return
    if not adapters:
        raise UsageError(f"{where}: IP adapter images need --ip-adapters")
    if len(spec.adapters) != len(adapters):
        raise UsageError(f"{where}: {len(spec.adapters)} IP adapter image groups for "
                         f"{len(adapters)} --ip-adapters models; give one group (images joined "
                         f'by "+") per model, groups separated by ","')


def parse_for_options(text: str, opts: Any) -> ImageSeedSpec:
    """Parse one image seed as the options read it, and check it against them."""
    spec = parse_image_seed(text, control_models=control_option(opts)[1])
    check_seed(spec, opts)
    return spec
