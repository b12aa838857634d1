"""Checking the prompt options of an invocation before any model loads: the weighter and
upscaler URIs build (names, arguments, packages), the weighters support the model type, and the
embedded prompt arguments parse."""

from __future__ import annotations

from typing import Any

from dgenerate_core.errors import UsageError
from dgenerate_core.prompts.base import build
from dgenerate_core.prompts.embedded import extract, overrides
from dgenerate_core.prompts.expand import PROMPT_UPSCALERS

_WEIGHTERS = (("prompt_weighter", "--prompt-weighter"),
              ("second_model_prompt_weighter", "--second-model-prompt-weighter"))


def _check_weighter(uri: str, option: str, model_type: str) -> None:
    weighter = build("prompt-weighter", uri, option, {"model_type": model_type})
    types = getattr(weighter, "MODEL_TYPES", ())
    if types and model_type not in types:
        raise UsageError(f'{option}: prompt weighter "{weighter.name}" does not support '
                         f"--model-type {model_type}")


def check_prompt_options(opts: Any, model_type: str) -> None:
    """Raise ``UsageError`` / ``NotSupportedYet`` for the first bad prompt option."""
    for dest, option in _WEIGHTERS:
        uri = getattr(opts, dest, None)
        if uri:
            _check_weighter(uri, option, model_type)
    for dest, (own, _fallback) in PROMPT_UPSCALERS.items():
        for uri in getattr(opts, own, None) or []:
            build("prompt-upscaler", uri, "--" + own.replace("_", "-"))
        for text in getattr(opts, dest, None) or []:
            found = extract(text)
            overrides(found.args)
            if found.weighter:
                _check_weighter(found.weighter, "<weighter: ...>", model_type)
            for uri in found.upscalers:
                build("prompt-upscaler", uri, "<upscaler: ...>")
