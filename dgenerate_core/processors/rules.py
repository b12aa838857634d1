"""Option rules of the processor options (run by ``options.validate``; torch-free).

Every processor URI is built (so a bad URI fails before a model loads; the processors are cached
for the render hooks), ``-lp`` needs raw latents (``latents:`` / ``latents=``) in
``--image-seeds``, ``-ilp`` needs tensor img2img images, and neither may have more ``+`` chains
than such inputs in a seed.
"""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import DgenerateError, NotSupportedYet, UsageError
from dgenerate_core.processors import hooks
from dgenerate_core.processors.chains import split_chains
from dgenerate_core.registries.option_rules import register_option_rule
from dgenerate_core.seeds.parse import parse_image_seed

TENSOR_EXTS = (".pt", ".pth", ".safetensors")


def _chains(values: list[str] | None) -> int:
    return len(split_chains(values)) if values else 0


def _specs(opts: Any) -> list[Any] | None:
    """The parsed image seeds, or None when one does not parse (the loader reports that)."""
    controls = len(getattr(opts, "control_nets", None) or []) + len(
        getattr(opts, "t2i_adapters", None) or [])
    try:
        return [parse_image_seed(text, control_models=controls) for text in opts.image_seeds]
    except DgenerateError:
        return None


def _check(option: str, chains: int, counts: list[int], what: str) -> None:
    if not any(counts):
        raise UsageError(f"{option} given but --image-seeds has no {what}")
    if chains > max(counts):
        raise UsageError(f"Too many latents processors specified with {option}, there are "
                         f"{chains} processors and {max(counts)} {what}.")


def rule_latents_processor_inputs(opts: Any, ctx: Any = None) -> None:
    """-lp / -ilp need matching latents inputs in --image-seeds (usage.md §16.2)."""
    lp = _chains(getattr(opts, "latents_processors", None))
    ilp = _chains(getattr(opts, "img2img_latents_processors", None))
    if not (lp or ilp) or not getattr(opts, "image_seeds", None):
        return
    specs = _specs(opts)
    if specs is None:
        return
    if lp:
        _check("--latents-processors", lp, [len(s.raw_latents) for s in specs],
               "raw latents (latents: or latents=)")
    if ilp:
        tensors = [sum(1 for p in s.images if p.lower().endswith(TENSOR_EXTS)) for s in specs]
        _check("--img2img-latents-processors", ilp, tensors, "img2img latents tensors")


def check_processor_options(opts: Any, ctx: Any = None) -> None:
    """Build every processor chain the options name, then check the latents inputs.

    A processor that is not built yet is left to the render hooks (its ``NotSupportedYet``
    is a status, not a mistake in the command line), as ``rule_not_implemented`` is for options.
    """
    builds = [(hooks.image_chains, kind) for kind, (dest, _, _) in hooks.IMAGE_KINDS.items()
              if getattr(opts, dest, None)]
    builds += [(hooks.latents_chains, kind) for kind, (dest, _) in hooks.LATENTS_KINDS.items()
               if getattr(opts, dest, None)]
    for build, kind in builds:
        try:
            build(kind, opts)
        except NotSupportedYet:
            continue
    rule_latents_processor_inputs(opts, ctx)


register_option_rule("processors", check_processor_options)
