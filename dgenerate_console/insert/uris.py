"""The Insert URI dialogs built on :class:`UriBuilderDialog`, one per kind of URI."""

from __future__ import annotations

import tkinter as tk
from typing import Any, Callable, Mapping

from dgenerate_core.errors import NotSupportedYet
from dgenerate_console.insert.quoting import quote_token
from dgenerate_console.insert.resources import load_schema
from dgenerate_console.insert.uriform import Schema, UriBuilderDialog

Insert = Callable[[str], None]

# kind → (dialog title, static schema file or None for the processor plugins)
URI_KINDS: dict[str, tuple[str, str | None]] = {
    "scheduler": ("Insert Karras Scheduler URI", "schedulers"),
    "image-processor": ("Insert Image Processor URI", None),
    "latents-processor": ("Insert Latents Processor URI", None),
    "prompt-upscaler": ("Insert Prompt Upscaler URI", "prompt_upscalers"),
    "prompt-weighter": ("Insert Prompt Weighter URI", "prompt_weighters"),
    "submodel": ("Insert Sub Model URI", "submodels"),
    "quantizer": ("Insert Quantizer URI", "quantizers"),
}


def processor_schemas(kind: str) -> dict[str, Any]:
    """Schemas of the image (``"image"``) or latents (``"latents"``) processors."""
    try:
        from dgenerate_core.processors.schema import processor_schemas as schemas
    except ImportError:
        raise NotSupportedYet(f"Insert {kind.title()} Processor URI") from None
    return schemas(kind)


def schema_for(kind: str) -> Schema:
    """The schema behind the URI dialog of ``kind`` (see ``URI_KINDS``)."""
    title, name = URI_KINDS[kind]
    if name is not None:
        return load_schema(name)
    return processor_schemas(kind.split("-")[0])


def submodel_key(option: str) -> str | None:
    """The sub-model schema entry used by ``option`` (e.g. ``--loras`` → ``lora``)."""
    wanted = (option, option.replace("--second-model-", "--"))
    for key, entry in load_schema("submodels").items():
        if entry.get("option") in wanted:
            return key
    return None


def open_uri_dialog(parent: tk.Misc, kind: str, insert: Insert, *,
                    quote: Callable[[str], str] = quote_token, initial: str | None = None,
                    schemas: Mapping[str, Any] | None = None,
                    cwd: Callable[[], str] | None = None) -> UriBuilderDialog:
    """Open the URI builder of ``kind``; ``schemas`` replaces the shipped or plugin schema."""
    title = URI_KINDS[kind][0]
    schemas = schema_for(kind) if schemas is None else schemas
    return UriBuilderDialog(parent, title=title, schemas=schemas, insert=insert, quote=quote,
                            initial=initial, cwd=cwd)
