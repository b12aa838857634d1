"""Example latents processor plugin: ``--latents-post-processors "example-scale;factor=0.9"``.

dgenerate --plugin-modules examples/plugins/latents_processor.py --latents-processor-help
"""

from typing import Any

from dgenerate_core.processors import LatentsProcessor


class ScaleLatents(LatentsProcessor):
    """Multiply the latents by a factor."""

    NAMES = ("example-scale",)

    def __init__(self, factor: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.factor = factor

    def impl_process(self, pipeline, latents):
        return latents * self.factor
