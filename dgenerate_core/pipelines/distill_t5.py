"""``DistillT5EncoderModel`` (LifuWang/DistillT5): a small T5 encoder whose output is projected
to the width of the T5-XXL it replaces (4096, Flux's joint attention width), so Flux can use it
as ``text_encoder_2``. Its weights are a T5 encoder's plus ``final_projection`` (Linear, ReLU,
Dropout, Linear, Dropout, no biases).

The class subclasses transformers' ``T5EncoderModel``, so it is built on first use (transformers
is imported lazily). ``config.distill_projection_dim`` (our key, default 4096) sets the projection
width, which lets tests build tiny ones.
"""

from __future__ import annotations

from typing import Any

DEFAULT_WIDTH = 4096
_CLASS: list[Any] = []


def distill_t5_class() -> Any:
    """The ``DistillT5EncoderModel`` class (a ``transformers.T5EncoderModel``)."""
    if not _CLASS:
        _CLASS.append(_build())
    return _CLASS[0]


def _build() -> Any:
    from torch import nn
    from transformers import T5EncoderModel

    class DistillT5EncoderModel(T5EncoderModel):
        def __init__(self, config: Any) -> None:
            super().__init__(config)
            width = int(getattr(config, "distill_projection_dim", None) or DEFAULT_WIDTH)
            self.final_projection = nn.Sequential(
                nn.Linear(config.d_model, width, bias=False), nn.ReLU(), nn.Dropout(0.0),
                nn.Linear(width, width, bias=False), nn.Dropout(0.0))
            self.post_init()

        def forward(self, *args: Any, return_dict: bool | None = None, **kwargs: Any) -> Any:
            out = super().forward(*args, return_dict=True, **kwargs)
            out.last_hidden_state = self.final_projection(out.last_hidden_state)
            return out if return_dict is not False else out.to_tuple()

    DistillT5EncoderModel.__module__ = __name__
    return DistillT5EncoderModel
