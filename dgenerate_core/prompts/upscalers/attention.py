"""The ``attention`` prompt upscaler: random attention weights on the noun chunks of a prompt
(spaCy finds them), in sd-embed or compel syntax."""

from __future__ import annotations

import importlib.util
import random
from typing import Any

from dgenerate_core.errors import DgenerateError
from dgenerate_core.prompts.base import PromptUpscaler, register_upscaler

MODELS = {"en": "en_core_web_sm", "de": "de_core_news_sm", "fr": "fr_core_news_sm",
          "es": "es_core_news_sm", "it": "it_core_news_sm", "nl": "nl_core_news_sm",
          "pt": "pt_core_news_sm", "ru": "ru_core_news_sm", "zh": "zh_core_web_sm"}


def weight_text(text: str, weight: float, syntax: str) -> str:
    return f"({text}){weight}" if syntax == "compel" else f"({text}:{weight})"


class AttentionUpscaler(PromptUpscaler):
    NAMES = ("attention",)
    HELP = """
    Add random attention weights to the noun chunks of prompts, for use with a prompt weighter
    such as "sd-embed" or "compel". Needs spaCy and its language model for "lang".

    "part" picks the parts to act on: "both", "positive" or "negative".

    "min" and "max" bound the random attention added to each chunk (defaults 0.1 and 0.9): a
    chunk gets a weight between 1 + min and 1 + max. "seed" makes the weights repeatable.

    "lang" is the prompt language: en, de, fr, es, it, nl, pt, ru or zh.

    "syntax" is the weight syntax written: "sd-embed" (web UI syntax, "(chunk:1.3)") or "compel"
    ("(chunk)1.3").
    """

    def __init__(self, min: float = 0.1, max: float = 0.9, seed: int | None = None,
                 lang: str = "en", syntax: str = "sd-embed", **kw: Any) -> None:
        super().__init__(**kw)
        if min > max:
            raise ValueError('argument "min" must not be greater than "max"')
        if lang not in MODELS:
            raise ValueError('argument "lang" must be one of: ' + ", ".join(MODELS))
        if syntax not in ("sd-embed", "compel"):
            raise ValueError('argument "syntax" must be "sd-embed" or "compel"')
        self.low, self.high = float(min), float(max)
        self.seed = seed
        self.lang = lang
        self.syntax = syntax

    def _nlp(self) -> Any:
        model = MODELS[self.lang]
        if importlib.util.find_spec("spacy") is None:
            raise DgenerateError(f'attention: needs the Python package "spacy" and its model '
                                 f'"{model}", which are not installed (pip install spacy; '
                                 f"python -m spacy download {model})")
        import spacy

        try:
            return spacy.load(model)
        except OSError:
            raise DgenerateError(f'attention: needs the spaCy model "{model}" (python -m spacy '
                                 f"download {model})") from None

    def upscale_texts(self, texts: list[str]) -> list[list[str]]:
        nlp = self._nlp()
        rng = random.Random(self.seed)
        out = []
        for text in texts:
            doc = nlp(text)
            pieces, last = [], 0
            for chunk in doc.noun_chunks:
                weight = round(1.0 + rng.uniform(self.low, self.high), 2)
                pieces += [text[last:chunk.start_char],
                           weight_text(chunk.text, weight, self.syntax)]
                last = chunk.end_char
            out.append(["".join(pieces) + text[last:]])
        return out


register_upscaler(AttentionUpscaler)
