"""``--sub-command auto1111-metadata`` (and ``\\auto1111_metadata``): add Automatic1111
``parameters`` text to a PNG or JPEG written by dgenerate, from the ``DgenerateConfig`` metadata
in the image (``--output-metadata``) or from a ``--output-configs`` file (``-c``).

Model files named by path are hashed (AutoV2, cached on disk); models named by URL are looked up
in the web cache and downloaded into it when missing (not in offline mode); Hugging Face repos
give their name only.
"""

from __future__ import annotations

import os
import shlex
from typing import Any, Sequence

from dgenerate_core import __version__
from dgenerate_core.errors import UsageError
from dgenerate_core.media.atomic import discard, publish, temp_path
from dgenerate_core.media.images import EXIF_IFD, EXIF_USER_COMMENT, read_config_metadata
from dgenerate_core.options import parse_args
from dgenerate_core.registries.subcommands import register_sub_command
from dgenerate_core.render.a1111 import (
    SAMPLERS, file_hash, model_name, sub_model_fields, vae_fields,
)
from dgenerate_core.render.plan import split_prompt
from dgenerate_core.render.prompted import clean
from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.subcommands.image_process import _HelpShown, _Parser

DESCRIPTION = (
    "Automatic1111 Metadata Tool. This adds Automatic1111 metadata to images generated with "
    "dgenerate via metadata conversion. Accepts an input image and a dgenerate --output-configs "
    "file, or uses the dgenerate --output-metadata data from the image. If models from "
    "HuggingFace repos are specified in the config, only their slug / name will be included in "
    "the metadata and not their hashes. If direct links to models are provided in the config "
    "(such as CivitAI links), they are searched for in the dgenerate web cache, and if they are "
    "not found there they are downloaded to the web cache so they can be hashed.")


def build_parser(prog: str) -> _Parser:
    p = _Parser(prog=prog, description=DESCRIPTION, allow_abbrev=False)
    p.add_argument("image", help="Path to image file to process (PNG or JPEG). If not providing "
                                 "a config file, this image must contain dgenerate's metadata "
                                 "written by the dgenerate option --output-metadata.")
    p.add_argument("-o", "--output", help="Output path for processed image (defaults to "
                                          "overwriting input image).")
    p.add_argument("-c", "--config", help="Path to dgenerate config file to extract generation "
                                          "parameters from, this file is produced by "
                                          "--output-configs.")
    p.add_argument("-v", "--verbose", action="store_true", help="Enable debug output?")
    p.add_argument("-ofm", "--offline-mode", action="store_true",
                   help="Prevent downloads of resources that do not exist on disk already.")
    return p


def config_argv(text: str) -> list[str]:
    """The dgenerate arguments of a one-invocation config (comments and line breaks removed)."""
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = "\n".join(lines).replace("\\\n", " ")
    try:
        return shlex.split(joined)
    except ValueError as ex:
        raise UsageError(f"cannot read the dgenerate config: {ex}") from None


def _first(values: Any) -> Any:
    return values[0] if isinstance(values, (list, tuple)) and values else values


def parameters_from_options(opts: Any, size: tuple[int, int], offline: bool = False) -> str:
    """The ``parameters`` text for an image of ``size`` made with the options ``opts``."""
    positive, negative = split_prompt(clean(_first(opts.prompts)))
    fields: list[tuple[str, Any]] = [("Steps", _first(opts.inference_steps) or 30)]
    scheduler = (_first(opts.schedulers) or "").split(";")[0].strip()
    if scheduler:
        fields.append(("Sampler", SAMPLERS.get(scheduler, scheduler)))
    fields += [("CFG scale", _first(opts.guidance_scales) or 5.0), ("Seed", _first(opts.seeds)),
               ("Size", f"{size[0]}x{size[1]}")]
    digest = file_hash(opts.model_path, offline)
    if digest:
        fields.append(("Model hash", digest))
    fields.append(("Model", model_name(opts.model_path)))
    fields += vae_fields(opts, offline)
    if getattr(opts, "image_seeds", None) and opts.image_seed_strengths:
        fields.append(("Denoising strength", _first(opts.image_seed_strengths)))
    if getattr(opts, "clip_skips", None):
        fields.append(("Clip skip", int(_first(opts.clip_skips)) + 1))
    fields += sub_model_fields(opts, offline)
    fields.append(("Version", f"dgenerate {__version__}"))
    lines = [positive]
    if negative is not None:
        lines.append(f"Negative prompt: {negative}")
    lines.append(", ".join(f"{key}: {value}" for key, value in fields))
    return "\n".join(lines)


def _write(image: Any, source: str, dest: str, parameters: str) -> None:
    from PIL import PngImagePlugin

    fmt = image.format
    folder = os.path.dirname(os.path.abspath(dest))
    temp = temp_path(folder, os.path.basename(dest))
    try:
        if fmt == "PNG":
            info = PngImagePlugin.PngInfo()
            for key, value in getattr(image, "text", {}).items():
                if key != "parameters":
                    info.add_text(key, value)
            info.add_text("parameters", parameters)
            image.save(temp, format="PNG", pnginfo=info)
        else:
            exif = image.getexif()
            exif.get_ifd(EXIF_IFD)[EXIF_USER_COMMENT] = b"UNICODE\0" + parameters.encode(
                "utf-16-be")
            image.save(temp, format="JPEG", exif=exif, quality=95)
        publish(temp, dest, overwrite=True)
    except BaseException:
        discard(temp)
        raise


def auto1111_metadata(args: Sequence[str], prog: str = "auto1111-metadata",
                      offline: bool = False) -> int:
    """Run the sub-command; returns the exit status."""
    from PIL import Image

    try:
        ns = build_parser(prog).parse_args(list(args))
    except _HelpShown as shown:
        return shown.status
    offline = offline or ns.offline_mode
    try:
        image = Image.open(ns.image)
        image.load()
    except OSError as ex:
        raise UsageError(f'{prog}: cannot read image "{ns.image}": {ex}') from None
    if image.format not in ("PNG", "JPEG"):
        raise UsageError(f'{prog}: "{ns.image}" is {image.format}: only PNG and JPEG are '
                         "supported")
    if ns.config:
        try:
            with open(ns.config, encoding="utf-8") as f:
                text = f.read()
        except OSError as ex:
            raise UsageError(f'{prog}: cannot read config "{ns.config}": '
                             f"{ex.strerror or ex}") from None
    else:
        text = read_config_metadata(ns.image)
        if not text or not text.lstrip().startswith("#! dgenerate"):
            raise UsageError(f'{prog}: "{ns.image}" has no dgenerate metadata (written by '
                             "--output-metadata); give the --output-configs file with -c")
    try:
        opts = parse_args(config_argv(text))
    except UsageError as ex:
        raise UsageError(f"{prog}: the dgenerate config: {ex}") from None
    parameters = parameters_from_options(opts, image.size, offline)
    _write(image, ns.image, ns.output or ns.image, parameters)
    return 0


@register_sub_command
class Auto1111MetadataSubCommand(SubCommand):
    """Add Automatic1111 style metadata to an image generated by dgenerate.

    It reads the dgenerate config from the image (written by --output-metadata, PNG text or
    JPEG EXIF UserComment) or from a file written by --output-configs (-c), and writes the
    Automatic1111 "parameters" text into the image (in place, or to -o).

    Examples:

        dgenerate --sub-command auto1111-metadata image.png

        dgenerate --sub-command auto1111-metadata image.png -c image.dgen -o out.png

    See: dgenerate --sub-command auto1111-metadata --help
    """

    NAMES = ("auto1111-metadata",)

    def __call__(self) -> int:
        return auto1111_metadata(self.args, "dgenerate --sub-command auto1111-metadata",
                                 self.local_files_only)
