r"""Cache directives: \clear_object_cache, \list_object_caches, \clear_device_cache, and the
saved-modules directives (\save_modules, \use_modules, \clear_modules)."""

from __future__ import annotations

import gc
import re

from dgenerate_core.errors import NotSupportedYet, ScriptError
from dgenerate_core.registries.script import builtin
from dgenerate_core import pipelines

DEVICE_RE = re.compile(r"^(cpu|mps|(cuda|xpu)(:\d+)?)$")
# caches that exist once a model has used them (the manual's names)
STANDARD_CACHES = ("pipeline", "unet", "vae", "text_encoder", "controlnet", "transformer",
                   "adapter", "image_encoder")


@builtin("clear_object_cache", r"""
Free dgenerate's in-memory object caches (models kept between invocations):
\clear_object_cache [NAME ...]

With no names every cache is cleared; otherwise only the named ones (see \list_object_caches),
for example pipeline, unet, vae, text_encoder, controlnet.
""")
def _clear_object_cache(ctx, args: list[str]) -> int:
    present = pipelines.list_object_caches()
    for name in args:
        if name not in present and name not in STANDARD_CACHES:
            raise ScriptError(f'\\clear_object_cache, object cache "{name}" does not exist.')
    if not args:
        pipelines.clear_object_cache()
    for name in args:
        if name in present:
            pipelines.clear_object_cache(name)
    return 0


@builtin("list_object_caches", r"""
List dgenerate's in-memory object caches and how many objects each holds.
""")
def _list_object_caches(ctx, args: list[str]) -> int:
    ctx.print("Object caches:")
    for name, count in sorted(pipelines.list_object_caches().items()):
        ctx.print(f'    "{name}": {count} objects')
    return 0


@builtin("clear_device_cache", r"""
Free memory that dgenerate holds on accelerator devices: \clear_device_cache DEVICE ...

Devices are written like --device: cpu, cuda, cuda:1, xpu:0, mps.
""")
def _clear_device_cache(ctx, args: list[str]) -> int:
    if not args:
        raise ScriptError("\\clear_device_cache: expected at least one device, e.g. cuda:0")
    for device in args:
        if not DEVICE_RE.match(device):
            raise ScriptError(f'\\clear_device_cache: invalid device "{device}"')
    gc.collect()
    for device in args:
        kind = device.split(":")[0]
        if kind in ("cuda", "xpu", "mps"):
            import torch

            backend = getattr(torch, kind, None)
            if backend is not None and hasattr(backend, "empty_cache"):
                backend.empty_cache()
    return 0


MODULE_NAMES = ("unet", "vae", "transformer", "text_encoder", "text_encoder_2", "text_encoder_3",
                "tokenizer", "tokenizer_2", "tokenizer_3", "safety_checker", "feature_extractor",
                "image_encoder", "adapter", "controlnet", "scheduler")


def _saved(ctx) -> dict:
    return ctx.variables.setdefault("saved_modules", {})


@builtin("save_modules", r"""
Save modules of the last main pipeline under a name: \save_modules NAME MODULE ...

Modules: unet, vae, transformer, text_encoder, text_encoder_2, text_encoder_3, tokenizer,
tokenizer_2, tokenizer_3, safety_checker, feature_extractor, image_encoder, adapter, controlnet,
scheduler. They are listed in the template variable saved_modules; \use_modules NAME makes the
next invocation use them instead of loading its own.
""")
def _save_modules(ctx, args: list[str]) -> int:
    if len(args) < 2:
        raise ScriptError("\\save_modules: expected a name and at least one module name")
    name, modules = args[0], args[1:]
    if not name.isidentifier():
        raise ScriptError(f'\\save_modules: "{name}" is not a valid variable name')
    pipe = getattr(ctx, "last_pipeline", None)
    if pipe is None:
        raise ScriptError("\\save_modules: no main pipeline has run yet, use it after a "
                          "dgenerate invocation")
    saved: dict = {}
    for module in modules:
        if module not in MODULE_NAMES:
            raise ScriptError(f'\\save_modules: unknown module "{module}", valid modules: '
                              + ", ".join(MODULE_NAMES))
        if module not in getattr(pipe, "components", {}):
            raise ScriptError(f'\\save_modules: the last pipeline ({type(pipe).__name__}) has '
                              f'no module "{module}"')
        saved[module] = getattr(pipe, module)
    _saved(ctx)[name] = saved
    return 0


@builtin("use_modules", r"""
Make the next invocation use the modules saved under NAME by \save_modules: \use_modules NAME

Options that load a component (--vae, --unet, --text-encoders that are not "+", ...) still
win over a saved module.
""")
def _use_modules(ctx, args: list[str]) -> int:
    if len(args) != 1:
        raise ScriptError("\\use_modules: expected exactly one name")
    saved = _saved(ctx)
    if not saved:
        raise ScriptError("\\use_modules: no modules are saved, use \\save_modules first")
    if args[0] not in saved:
        raise ScriptError(f'\\use_modules: no modules saved as "{args[0]}", saved: '
                          + ", ".join(sorted(saved)))
    ctx.pending_modules = dict(saved[args[0]])
    return 0


@builtin("clear_modules", r"""
Forget modules saved by \save_modules: \clear_modules [NAME ...]; with no name, all of them.
""")
def _clear_modules(ctx, args: list[str]) -> int:
    saved = _saved(ctx)
    for name in args:
        if name not in saved:
            raise ScriptError(f'\\clear_modules: no modules saved as "{name}"')
    for name in args or list(saved):
        del saved[name]
    gc.collect()
    return 0
