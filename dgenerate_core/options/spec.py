"""The ``OptionSpec`` record: one command line option of dgenerate, defined once as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

FLAG = "flag"          # store_true, no value
ONE = "one"            # exactly one value
LIST = "list"          # one or more values (nargs='+')
OPTLIST = "optlist"    # zero or more values (nargs='*')
SHAPES = (FLAG, ONE, LIST, OPTLIST)

# help sections, in the order --help prints them
GROUPS: tuple[tuple[str, str], ...] = (
    ("meta", "Program, scripts and help listings"),
    ("model", "Main model and runtime"),
    ("components", "Model components"),
    ("quantization", "Quantization"),
    ("schedulers", "Schedulers and sigmas"),
    ("acceleration", "Acceleration and guidance tricks"),
    ("offload", "Memory offloading"),
    ("second_model", "Second model: SDXL refiner / Stable Cascade decoder"),
    ("sdxl", "SDXL micro-conditioning"),
    ("adetailer", "Adetailer"),
    ("inpaint_crop", "Inpaint crop"),
    ("prompts", "Prompts, weighters and upscalers"),
    ("latents", "Latents processors"),
    ("seeds", "Seeds"),
    ("output", "Output, batching and animation"),
    ("image_seeds", "Image seeds and image processors"),
    ("guidance", "Guidance, steps and strength"),
    ("denoising", "Denoising range"),
)


@dataclass(frozen=True, eq=False)
class OptionSpec:
    """One option: its spellings, value shape and parser, default, help, and applicability.

    ``product`` marks the options whose values multiply into generation steps; all are lists
    except ``--gen-seeds N``, whose N random seeds become the seeds axis. ``model_types`` (None:
    any) and ``requires_any`` (dests of which one must be given) drive the generic rules.
    """

    names: tuple[str, ...]
    dest: str
    shape: str
    group: str
    help: str
    metavar: str | None = None
    parse: Callable[[str], Any] | None = None
    default: Any = None
    default_text: str | None = None
    product: bool = False
    meta: bool = False
    implemented: bool = False
    model_types: tuple[str, ...] | None = None
    requires_any: tuple[str, ...] = ()
    pseudo_values: tuple[str, ...] = ()
    extend: bool = False
    positional: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def long(self) -> str:
        """The canonical long spelling (the one whose dest this is), e.g. ``--guidance-scales``."""
        for name in self.names:
            if name.startswith("--") and name[2:].replace("-", "_") == self.dest:
                return name
        longs = [n for n in self.names if n.startswith("--")]
        return longs[-1] if longs else self.names[0]

    @property
    def short(self) -> str | None:
        """The short spelling such as ``-gs``, or None."""
        shorts = [n for n in self.names if not n.startswith("--")]
        return shorts[0] if shorts else None

    @property
    def takes_value(self) -> bool:
        return self.shape != FLAG

    @property
    def is_list(self) -> bool:
        return self.shape in (LIST, OPTLIST)

    @property
    def kind(self) -> str:
        """The value kind (INT, FLOAT, SIZE, URI ...) or FLAG."""
        if self.shape == FLAG:
            return "FLAG"
        return getattr(self.parse, "kind", "STR")

    @property
    def choices(self) -> tuple[str, ...] | None:
        return getattr(self.parse, "choices", None)

    @property
    def display(self) -> str:
        """``-gs/--guidance-scales`` style name used in messages."""
        return "/".join(self.names)


# model type families used by applicability lists
SD3_TYPES = ("sd3", "sd3-pix2pix")
FLUX_TYPES = ("flux", "flux-fill", "flux-kontext")
SDXL_TYPES = ("sdxl", "sdxl-pix2pix", "kolors")
PIX2PIX_TYPES = ("pix2pix", "sdxl-pix2pix", "sd3-pix2pix")
UNET_TYPES = ("sd", "if", "ifs", "ifs-img2img", "pix2pix", "upscaler-x2", "upscaler-x4", "sdxl",
              "sdxl-pix2pix", "kolors", "s-cascade")
SECOND_MODEL = ("sdxl_refiner", "s_cascade_decoder")
REFINER = ("sdxl_refiner",)


def option(names: str, shape: str, group: str, help: str, metavar: str | None = None,
           parse=None, **kw) -> OptionSpec:
    """Build an OptionSpec; ``names`` is space separated, the dest comes from the last long name."""
    spelled = tuple(names.split())
    if "dest" not in kw:
        longs = [n for n in spelled if n.startswith("--")]
        kw["dest"] = (longs[-1] if longs else spelled[0]).lstrip("-").replace("-", "_")
    if shape != FLAG and metavar is None:
        metavar = getattr(parse, "kind", "VALUE")
    return OptionSpec(names=spelled, shape=shape, group=group, help=help, metavar=metavar,
                      parse=parse, **kw)
