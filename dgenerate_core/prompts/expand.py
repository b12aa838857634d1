"""Running prompt upscalers over the prompt lists of an invocation, before the render plan.

Each prompt's chain is its ``<upscaler: URI>`` arguments in order, else the option's chain
(``--prompt-upscaler`` ...). Every result of one upscaler is fed to the next; every final
prompt becomes its own prompt value (so expansion multiplies the generation steps). The other
embedded arguments of a prompt are written back in front of each result.
"""

from __future__ import annotations

from typing import Any, Sequence

from dgenerate_core.errors import DgenerateError
from dgenerate_core.prompts.base import WHAT, build
from dgenerate_core.prompts.embedded import extract, upscalers_only

#: prompt option -> (its upscaler option, the option it falls back to)
PROMPT_UPSCALERS: dict[str, tuple[str, str | None]] = {
    "prompts": ("prompt_upscalers", None),
    "second_prompts": ("second_prompt_upscalers", "prompt_upscalers"),
    "third_prompts": ("third_prompt_upscalers", "prompt_upscalers"),
    "second_model_prompts": ("second_model_prompt_upscalers", "prompt_upscalers"),
    "second_model_second_prompts": ("second_model_second_prompt_upscalers", "prompt_upscalers"),
}


def _split(text: str) -> tuple[str, str | None]:
    positive, sep, negative = text.partition(";")
    return positive.strip(), (negative.strip() if sep else None)


def _join(positive: str, negative: str | None) -> str:
    return positive if negative is None else f"{positive}; {negative}"


#: upscalers kept between invocations (their language models stay loaded), newest last
_KEPT: dict[tuple, Any] = {}
KEEP = 2


class UpscalerCache:
    """Upscalers built once per URI and context; the last ``KEEP`` are kept for the next
    invocation of a script, so a language model is not loaded again."""

    def __init__(self, context: dict[str, Any]) -> None:
        self.context = context

    def get(self, uri: str, option: str) -> Any:
        key = (uri, tuple(sorted(self.context.items())))
        upscaler = _KEPT.pop(key, None)
        if upscaler is None:
            upscaler = build("prompt-upscaler", uri, option, self.context)
        _KEPT[key] = upscaler
        while len(_KEPT) > KEEP:
            _KEPT.pop(next(iter(_KEPT)))
        return upscaler


def clear_kept() -> None:
    """Forget the kept upscalers (and their models)."""
    _KEPT.clear()


def run_chain(texts: list[str], chain: Sequence[str], cache: UpscalerCache,
              option: str) -> list[str]:
    """``texts`` (``positive; negative``) through every upscaler of ``chain`` in order."""
    current = list(texts)
    for uri in chain:
        upscaler = cache.get(uri, option)
        try:
            results = upscaler.upscale([_split(t) for t in current])
        except DgenerateError:
            raise
        except Exception as ex:  # a library failure inside the upscaler: one line, -v traces
            first = str(ex).strip().splitlines()[0] if str(ex).strip() else type(ex).__name__
            raise DgenerateError(f'{option}: {WHAT["prompt-upscaler"]} "{upscaler.name}": '
                                 f"{first}") from ex
        current = [_join(p, n) for pairs in results for p, n in pairs]
    return current


def upscale_prompt(text: str, chain: Sequence[str], cache: UpscalerCache,
                   option: str) -> list[str]:
    """One prompt value -> its upscaled prompt values (embedded arguments kept)."""
    found = extract(text)
    own = found.upscalers
    chain = own or list(chain)
    if not chain:
        return [text]
    option = "<upscaler: ...>" if own else option
    return [found.with_args_text(t) for t in run_chain([found.text], chain, cache, option)]


def upscale_options(opts: Any, context: dict[str, Any]) -> bool:
    """Replace the prompt lists of ``opts`` with their upscaled values; True when any changed."""
    cache = UpscalerCache(context)
    changed = False
    for dest, (own, fallback) in PROMPT_UPSCALERS.items():
        values = getattr(opts, dest, None)
        if not values:
            continue
        chain = getattr(opts, own, None) or (getattr(opts, fallback, None) if fallback else None)
        option = "--" + (own if getattr(opts, own, None) else fallback or own).replace("_", "-")
        out: list[str] = []
        for text in values:
            out += upscale_prompt(text, chain or [], cache, option)
        if out != list(values):
            setattr(opts, dest, out)
            changed = True
    return changed


def upscale_plain(prompts: Sequence[str], chain: Sequence[str], context: dict[str, Any],
                  option: str = "--upscaler") -> list[str]:
    """The prompt-upscale sub-command: only ``<upscaler: ...>`` is understood, other embedded
    arguments are left in the prompt text."""
    cache = UpscalerCache(context)
    out: list[str] = []
    for text in prompts:
        clean, own = upscalers_only(text)
        use = own or list(chain)
        out += run_chain([clean], use, cache, "<upscaler: ...>" if own else option) if use \
            else [clean]
    return out


