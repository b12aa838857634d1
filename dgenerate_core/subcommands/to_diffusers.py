"""``--sub-command to-diffusers`` (and ``\\to_diffusers``): load a model the way generation
does (a single-file checkpoint, a URL, a folder or a Hugging Face repo) and save it as a
diffusers folder, in float32 and / or float16 (the ``fp16`` variant files).

The models are built outside the object cache and dropped after saving.
"""

from __future__ import annotations

import gc
from typing import Any, Sequence

from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.options import parse_args
from dgenerate_core.pipelines.load import build_uncached
from dgenerate_core.registries.subcommands import register_sub_command
from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.subcommands.image_process import _HelpShown, _Parser

DESCRIPTION = ("Save a loaded model to a diffusers format pretrained model folder, models can be "
               "loaded from a single file or Hugging Face hub repository.")
DTYPES = {"float32": None, "float16": "fp16"}


def build_parser(prog: str) -> _Parser:
    p = _Parser(prog=prog, description=DESCRIPTION, allow_abbrev=False)
    p.add_argument("model_path", help="Model path, as you would provide to dgenerate to "
                                      "generate images.")
    p.add_argument("-mt", "--model-type", default="sd",
                   help="Model type, as you would provide to dgenerate to generate images, must "
                        "match the checkpoint model type.")
    p.add_argument("-rev", "--revision", help="Model revision, if loading from Hugging Face hub.")
    p.add_argument("-sbf", "--subfolder", help="Model subfolder, if loading from Hugging Face "
                                               "hub.")
    p.add_argument("-t", "--dtypes", nargs="*", default=["float32"], metavar="DTYPES",
                   help='Model dtypes to generate, this generates variants, such as "fp16", you '
                        "may specify up to 2 values. Accepted values are: float16, and float32. "
                        "By default only the 32 bit variant is saved if you do not specify this "
                        "argument, if you want both variants you must specify both dtypes "
                        "simultaneously.")
    p.add_argument("-olc", "--original-config", help="Original LDM config (.yaml) file (or a "
                                                     "diffusers folder of the same model type).")
    p.add_argument("-atk", "--auth-token", help="Optional Hugging Face authentication token "
                                                "value.")
    p.add_argument("-o", "--output", required=True,
                   help="Output directory for the converted model, this is a folder you can "
                        "point dgenerate at to generate images.")
    p.add_argument("-v", "--verbose", action="store_true", help="Enable debug output?")
    p.add_argument("-ofm", "--offline-mode", action="store_true",
                   help="Prevent downloads of resources that do not exist on disk already.")
    return p


def _dtypes(values: list[str], prog: str) -> list[str]:
    wanted = list(dict.fromkeys(v.lower() for v in values or ["float32"]))
    bad = [v for v in wanted if v not in DTYPES]
    if bad:
        raise UsageError(f'{prog}: -t/--dtypes: unknown dtype "{bad[0]}", accepted values are: '
                         "float16, float32")
    return sorted(wanted, key=list(DTYPES).index)  # float32 first: fp16 converts in place


def _options(ns: Any, offline: bool) -> Any:
    argv = [ns.model_path, "--model-type", ns.model_type, "--device", "cpu",
            "--dtype", "float32"]
    for flag, value in (("--revision", ns.revision), ("--subfolder", ns.subfolder),
                        ("--original-config", ns.original_config),
                        ("--auth-token", ns.auth_token)):
        if value:
            argv += [flag, value]
    if offline:
        argv.append("--offline-mode")
    return parse_args(argv)


def save_variants(pipe: Any, output: str, dtypes: list[str]) -> None:
    """Save ``pipe`` (float32) to ``output`` in each dtype (float16 as the fp16 variant)."""
    import torch

    for dtype in dtypes:
        if dtype == "float16":
            pipe.to(torch.float16)
        pipe.save_pretrained(output, safe_serialization=True, variant=DTYPES[dtype])


def to_diffusers(args: Sequence[str], prog: str = "to-diffusers", offline: bool = False) -> int:
    """Run the sub-command; returns the exit status."""
    try:
        ns = build_parser(prog).parse_args(list(args))
    except _HelpShown as shown:
        return shown.status
    dtypes = _dtypes(ns.dtypes, prog)
    opts = _options(ns, offline or ns.offline_mode)
    pset = build_uncached(opts)
    try:
        save_variants(pset.base, ns.output, dtypes)
    except OSError as ex:
        raise DgenerateError(f'{prog}: cannot write "{ns.output}": {ex.strerror or ex}') from None
    finally:
        del pset
        gc.collect()
    print(f'{prog}: saved "{ns.model_path}" to "{ns.output}" ({", ".join(dtypes)})')
    return 0


@register_sub_command
class ToDiffusersSubCommand(SubCommand):
    """Convert single file diffusion model checkpoints from CivitAI and elsewhere into diffusers format (a folder on disk with configuration).

    This can be useful if you want to load a single file checkpoint with quantization.

    You may also save models loaded from Hugging Face repos.

    Examples:

        dgenerate --sub-command to-diffusers "all_in_one.safetensors" --model-type sd --output model_directory

        dgenerate --sub-command to-diffusers "https://modelsite.com/all_in_one.safetensors" --model-type sdxl --output model_directory

    See: dgenerate --sub-command to-diffusers --help
    """

    NAMES = ("to-diffusers",)

    def __call__(self) -> int:
        return to_diffusers(self.args, "dgenerate --sub-command to-diffusers",
                            self.local_files_only)
