"""Which submodules of a pipeline a global ``--quantizer`` reaches (``--quantizer-map``), and the
per-component ``quantizer=`` URI arguments that override it. Pure data: no torch."""

from __future__ import annotations

from dataclasses import dataclass

from dgenerate_core.quantizers.registry import Quantizer, parse_map, parse_quantizer


@dataclass(frozen=True)
class QuantPlan:
    """Submodule name -> quantizer, and the option the global quantizer came from."""

    entries: tuple[tuple[str, Quantizer], ...] = ()
    option: str = "--quantizer"

    def get(self, name: str) -> Quantizer | None:
        return dict(self.entries).get(name)

    def names(self) -> tuple[str, ...]:
        return tuple(n for n, _ in self.entries)

    def __bool__(self) -> bool:
        return bool(self.entries)


def make_plan(uri: str | None, qmap: tuple[str, ...] | list[str] | None,
              option: str = "--quantizer", map_option: str = "--quantizer-map") -> QuantPlan:
    """The plan of a global quantizer URI and its map (default map: denoiser and text encoders)."""
    if not uri:
        return QuantPlan((), option)
    q = parse_quantizer(uri, option)
    return QuantPlan(tuple((name, q) for name in parse_map(qmap, map_option)), option)


def component_quantizer(uri_value: str | None, uri_option: str, plan: QuantPlan, name: str
                        ) -> tuple[Quantizer | None, str]:
    """The quantizer of one explicitly loaded component: its own ``quantizer=`` argument wins over
    the global plan; returns it with the option to name in messages."""
    if uri_value:
        return parse_quantizer(uri_value, f"{uri_option} quantizer="), f"{uri_option} quantizer="
    return plan.get(name), plan.option
