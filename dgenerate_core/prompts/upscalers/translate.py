"""The ``translate`` prompt upscaler: local translation with argostranslate (``argos``, when it
is installed) or Helsinki-NLP opus MarianMT models through transformers (``mariana``)."""

from __future__ import annotations

import importlib.util
from typing import Any

from dgenerate_core.errors import DgenerateError, ModelError
from dgenerate_core.pipelines.device import default_device
from dgenerate_core.prompts.base import PromptUpscaler, register_upscaler
from dgenerate_core.prompts.upscalers.llm import quiet_transformers

LANGUAGES = {
    "arabic": "ar", "chinese": "zh", "czech": "cs", "danish": "da", "dutch": "nl",
    "english": "en", "finnish": "fi", "french": "fr", "german": "de", "greek": "el",
    "hebrew": "he", "hindi": "hi", "hungarian": "hu", "indonesian": "id", "italian": "it",
    "japanese": "ja", "korean": "ko", "norwegian": "no", "persian": "fa", "polish": "pl",
    "portuguese": "pt", "romanian": "ro", "russian": "ru", "spanish": "es", "swedish": "sv",
    "thai": "th", "turkish": "tr", "ukrainian": "uk", "vietnamese": "vi",
}


def language_code(text: str, what: str) -> str:
    """An IETF code (``en``, ``zh-CN`` -> ``zh``) or an English language name -> the code."""
    value = text.strip().lower()
    if value in LANGUAGES:
        return LANGUAGES[value]
    code = value.replace("_", "-").split("-")[0]
    if not code.isalpha() or not 2 <= len(code) <= 3:
        raise ValueError(f'argument "{what}": unknown language "{text}"')
    return code


class TranslateUpscaler(PromptUpscaler):
    NAMES = ("translate",)
    PART_INDEX = 2
    HELP = """
    Translate prompts locally with argostranslate ("argos") or Helsinki-NLP opus models
    ("mariana", through transformers). The translation models are downloaded once, so run once
    without --offline-mode.

    "input" is the language of the prompt, an IETF code ("de", "zh") or a language name
    ("german"); "output" is the language to translate to (default "en").

    "part" picks the parts to act on: "both", "positive" or "negative".

    "provider" is "argos" (always on the CPU) or "mariana" (the model
    Helsinki-NLP/opus-mt-INPUT-OUTPUT, on "device", default --device).

    "batch" and "max-batch" (None: unlimited) control how many prompts are translated at once
    (mariana).
    """

    def __init__(self, input: str, output: str = "en", provider: str = "argos",
                 batch: bool = True, max_batch: int | None = 50, device: str | None = None,
                 **kw: Any) -> None:
        super().__init__(**kw)
        if provider not in ("argos", "mariana"):
            raise ValueError('argument "provider" must be "argos" or "mariana"')
        if max_batch is not None and max_batch < 1:
            raise ValueError('argument "max-batch" must be at least 1 or None')
        self.source = language_code(input, "input")
        self.target = language_code(output, "output")
        self.provider = provider
        self.batch_size = (max_batch or 10 ** 9) if batch else 1
        self._device = device
        self._loaded: Any = None

    @property
    def device(self) -> str:
        """``device=``, else --device, else the best device here."""
        return self._device or self.default_device or default_device()

    @property
    def model_name(self) -> str:
        return f"Helsinki-NLP/opus-mt-{self.source}-{self.target}"

    def upscale_texts(self, texts: list[str]) -> list[list[str]]:
        if self.source == self.target:
            return [[t] for t in texts]
        if self.provider == "argos":
            return [[self._argos(t)] for t in texts]
        out: list[list[str]] = []
        for start in range(0, len(texts), self.batch_size):
            out += [[t] for t in self._mariana(texts[start:start + self.batch_size])]
        return out

    def _argos(self, text: str) -> str:
        if importlib.util.find_spec("argostranslate") is None:
            raise DgenerateError('translate: provider "argos" needs the Python package '
                                 '"argostranslate", which is not installed (pip install '
                                 'argostranslate), or use provider=mariana')
        import argostranslate.translate

        try:
            return argostranslate.translate.translate(text, self.source, self.target)
        except Exception as ex:  # argos raises plain exceptions for missing language packages
            raise ModelError(f"translate: argos cannot translate {self.source} to "
                             f"{self.target}: {ex}") from None

    def _mariana(self, texts: list[str]) -> list[str]:
        import torch

        if self._loaded is None:
            from transformers import MarianMTModel, MarianTokenizer

            quiet_transformers()
            try:
                tok = MarianTokenizer.from_pretrained(self.model_name,
                                                      local_files_only=self.local_files_only)
                model = MarianMTModel.from_pretrained(self.model_name,
                                                      local_files_only=self.local_files_only)
            except (OSError, ValueError, TypeError) as ex:  # TypeError: no files offline
                first = str(ex).strip().splitlines()[0] if str(ex).strip() else ""
                if isinstance(ex, TypeError) or not first:
                    first = "the model is not on disk (run once without --offline-mode)"
                raise ModelError(f'translate: cannot load "{self.model_name}": {first}') from None
            self._loaded = (tok, model.to(self.device).eval())
        tok, model = self._loaded
        encoded = tok(texts, return_tensors="pt", padding=True, truncation=True)
        encoded = {k: v.to(self.device) for k, v in encoded.items()}
        with torch.no_grad():
            out = model.generate(**encoded)
        return [tok.decode(seq, skip_special_tokens=True).strip() for seq in out]


register_upscaler(TranslateUpscaler)
