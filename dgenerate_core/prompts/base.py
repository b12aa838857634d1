"""Base classes of prompt weighters and prompt upscalers, and building one from its URI.

A class's URI arguments are its constructor's keyword arguments (``max_length`` is the URI
argument ``max-length``), read with the processors' signature reader. Context keywords
(``CONTEXT``: the model type, the default device, the offline flag) are passed by dgenerate, never by the
user. Importing this imports no torch.
"""

from __future__ import annotations

import inspect
import logging
from typing import Any, Iterable

from dgenerate_core import prompt_registry
from dgenerate_core.errors import DgenerateError, NotSupportedYet, UsageError
from dgenerate_core.processors.args import ArgSpec, parse_uri_args, signature_args
from dgenerate_core.registries.plugin_kinds import register_base, register_taken

#: keywords dgenerate passes itself; never URI arguments
CONTEXT = ("loaded_by_name", "model_type", "local_files_only", "default_device")
LOGGER = logging.getLogger("dgenerate")
WHAT = {"prompt-weighter": "prompt weighter", "prompt-upscaler": "prompt upscaler"}


def warn(message: str) -> None:
    """One warning line on stderr (shown without -v)."""
    LOGGER.warning(message)


class PromptPlugin:
    """Shared class interface: names, help text, arguments."""

    NAMES: tuple[str, ...] = ()
    HIDDEN = False
    HELP = ""
    #: the package (pip name) that must be importable, checked when built
    NEEDS: tuple[str, ...] = ()

    @classmethod
    def names(cls) -> tuple[str, ...]:
        return tuple(cls.NAMES)

    @classmethod
    def help_text(cls, name: str) -> str:
        return cls.HELP

    #: where the common ``part`` argument is listed among a class's arguments
    PART_INDEX = 0

    @classmethod
    def arg_specs(cls) -> list[ArgSpec]:
        specs = [a for a in signature_args(cls) if a.dest not in CONTEXT]
        part = [a for a in specs if a.name == "part"]
        rest = [a for a in specs if a.name != "part"]
        return rest[:cls.PART_INDEX] + part + rest[cls.PART_INDEX:]


class PromptWeighter(PromptPlugin):
    """Turns the prompt texts of one pipeline call into embeddings.

    :meth:`apply` receives the pipeline and the call's keyword arguments (``prompt``,
    ``negative_prompt``, ``prompt_2`` ...) and replaces the prompt texts with ``prompt_embeds``
    and friends. ``MODEL_TYPES`` lists the model types it supports.
    """

    MODEL_TYPES: tuple[str, ...] = ()

    def __init__(self, model_type: str = "sd", local_files_only: bool = False,
                 default_device: str = "cpu", loaded_by_name: str | None = None) -> None:
        self.model_type = model_type
        self.local_files_only = local_files_only
        self.device = default_device
        self.name = loaded_by_name or (self.NAMES[0] if self.NAMES else type(self).__name__)

    def apply(self, pipe: Any, kwargs: dict[str, Any]) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class PromptUpscaler(PromptPlugin):
    """Rewrites or expands prompt texts.

    :meth:`upscale_texts` maps a list of texts to a list of result lists (one list per input: a
    text may become several). ``part`` picks the positive, negative or both parts of a
    ``positive; negative`` prompt. ``COMBINE`` says how the results of the two parts pair up:
    ``"product"`` (every positive with every negative) or ``"zip"`` (variation i with i).
    """

    COMBINE = "zip"

    def __init__(self, part: str = "both", local_files_only: bool = False,
                 default_device: str | None = None, loaded_by_name: str | None = None) -> None:
        if part not in ("both", "positive", "negative"):
            raise ValueError('argument "part" must be one of: both, positive, negative')
        self.part = part
        self.local_files_only = local_files_only
        self.default_device = default_device
        self.name = loaded_by_name or (self.NAMES[0] if self.NAMES else type(self).__name__)

    def upscale_texts(self, texts: list[str]) -> list[list[str]]:  # pragma: no cover
        raise NotImplementedError

    def upscale(self, prompts: list[tuple[str, str | None]]) -> list[list[tuple[str, str | None]]]:
        """``(positive, negative)`` pairs -> for each, its upscaled pairs."""
        pos_in = [p for p, _ in prompts] if self.part in ("both", "positive") else []
        neg_in = [n for _, n in prompts if n] if self.part in ("both", "negative") else []
        done = self.upscale_texts(pos_in + neg_in) if pos_in or neg_in else []
        pos_out = iter(done[:len(pos_in)])
        neg_out = iter(done[len(pos_in):])
        results = []
        for positive, negative in prompts:
            ps = next(pos_out) if pos_in else [positive]
            ns = next(neg_out) if neg_in and negative else [negative]
            results.append(self._combine(ps or [positive], ns or [negative]))
        return results

    def _combine(self, ps: list[str], ns: list[str | None]) -> list[tuple[str, str | None]]:
        if self.COMBINE == "zip" and len(ps) == len(ns):
            return list(zip(ps, ns))
        if self.COMBINE == "zip" and len(ns) == 1:
            return [(p, ns[0]) for p in ps]
        if self.COMBINE == "zip" and len(ps) == 1:
            return [(ps[0], n) for n in ns]
        return [(p, n) for p in ps for n in ns]


def _missing_package(name: str, label: str, packages: Iterable[str]) -> None:
    import importlib.util

    for package in packages:
        module = package.replace("-", "_")
        if importlib.util.find_spec(module) is None:
            raise DgenerateError(f'{label} needs the Python package "{package}", which is not '
                                 f"installed (pip install {package})")


def build(kind: str, uri: str, option: str = "", context: dict[str, Any] | None = None) -> Any:
    """Build the weighter or upscaler ``uri`` names; ``context`` holds the CONTEXT keywords."""
    what = WHAT[kind]
    name = uri.split(";", 1)[0].strip()
    cls = prompt_registry.lookup(kind, name)
    if cls is None:
        raise UsageError(f'{option + ": " if option else ""}unknown {what} "{name}", see '
                         f"--{kind}-help; known: " + ", ".join(prompt_registry.names(kind)))
    label = f'{option}: {what} "{name}"' if option else f'{what} "{name}"'
    if getattr(cls, "NOT_BUILT", False):
        raise NotSupportedYet(f"{what} {name}")
    specs = {a.name: a for a in cls.arg_specs()}
    kwargs = parse_uri_args(uri, specs, label)
    missing = [a.name for a in specs.values() if a.required and a.dest not in kwargs]
    if missing:
        raise UsageError(f'{label}: missing required argument "{missing[0]}"')
    params = inspect.signature(cls).parameters
    for key, value in {"loaded_by_name": name, **(context or {})}.items():
        if key in params:
            kwargs[key] = value
    _missing_package(name, label, cls.NEEDS)
    try:
        return cls(**kwargs)
    except DgenerateError:
        raise
    except (TypeError, ValueError) as ex:
        raise UsageError(f"{label}: {ex}") from None


def register_weighter(cls: type) -> type:
    """Register a prompt weighter class (built-ins and plugins alike)."""
    return prompt_registry.register("prompt-weighter", cls)


def register_upscaler(cls: type) -> type:
    """Register a prompt upscaler class (built-ins and plugins alike)."""
    return prompt_registry.register("prompt-upscaler", cls)


for _kind, _base, _table in (("prompt weighter", PromptWeighter, "prompt-weighter"),
                             ("prompt upscaler", PromptUpscaler, "prompt-upscaler")):
    register_base(_kind, _base)
    register_taken(_kind, lambda table=_table: prompt_registry.classes(table, True))
