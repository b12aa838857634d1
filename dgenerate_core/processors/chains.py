"""Processor chains: ``+`` grouping of option values and running a chain on an image."""

from __future__ import annotations

from typing import Any, Sequence

from dgenerate_core.processors.registry import build_processor

Chain = list  # a list of built processors, run in order


def split_chains(values: Sequence[str]) -> list[list[str]]:
    """``A B + C`` → ``[[A, B], [C]]``; ``+ B`` → ``[[], [B]]`` (a lone ``+`` separates)."""
    chains: list[list[str]] = [[]]
    for value in values:
        if value.strip() == "+":
            chains.append([])
        else:
            chains[-1].append(value)
    return chains


def build_chains(values: Sequence[str] | None, kind: str = "image", option: str = "",
                 defaults: dict[str, Any] | None = None) -> list[Chain]:
    """Build every processor of every ``+`` chain in ``values`` (empty when unset)."""
    if not values:
        return []
    return [[build_processor(uri, kind, option, defaults) for uri in chain]
            for chain in split_chains(values)]


def build_chain(uris: Sequence[str] | str | None, option: str = "",
                defaults: dict[str, Any] | None = None) -> Chain:
    """One image processor chain (no ``+``) from URIs; a string is one URI."""
    if not uris:
        return []
    if isinstance(uris, str):
        uris = [uris]
    return [build_processor(uri, "image", option, defaults) for uri in uris]


def run_stage(chain: Chain, image: Any, pre_resize: bool | None) -> Any:
    """Run the processors of ``chain`` whose stage is ``pre_resize`` (None: all) on ``image``."""
    for processor in chain:
        image = processor.process(image, pre_resize)
    return image


def run_chain(chain: Chain, image: Any) -> Any:
    """Run a whole chain with no resize in between: pre-resize processors first, then the rest."""
    return run_stage(chain, run_stage(chain, image, True), False)
