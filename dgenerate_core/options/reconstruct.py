"""Turning ``RenderOptions`` back into text: command lines and template variable values."""

from __future__ import annotations

import re
import shlex
from typing import Any, Iterable

from dgenerate_core.options.spec import FLAG, ONE, OptionSpec
from dgenerate_core.options.table import OPTIONS
from dgenerate_core.options.values import format_value

# dests whose ``last_*`` template variable the reference names differently
TEMPLATE_NAMES: dict[str, str] = {
    "adetailer_detectors": "adetailer_detector_uris",
    "control_nets": "controlnet_uris",
    "image_encoder": "image_encoder_uri",
    "ip_adapters": "ip_adapter_uris",
    "loras": "lora_uris",
    "plugin_modules": "plugin_module_paths",
    "prompt_upscalers": "prompt_upscaler_uri",
    "prompt_weighter": "prompt_weighter_uri",
    "quantizer": "quantizer_uri",
    "s_cascade_decoder": "s_cascade_decoder_uri",
    "schedulers": "scheduler_uri",
    "sdxl_refiner": "sdxl_refiner_uri",
    "second_model_prompt_upscalers": "second_model_prompt_upscaler_uri",
    "second_model_prompt_weighter": "second_model_prompt_weighter_uri",
    "second_model_quantizer": "second_model_quantizer_uri",
    "second_model_schedulers": "second_model_scheduler_uri",
    "second_model_second_prompt_upscalers": "second_model_second_prompt_upscaler_uri",
    "second_model_text_encoders": "second_model_text_encoder_uris",
    "second_model_unet": "second_model_unet_uri",
    "second_prompt_upscalers": "second_prompt_upscaler_uri",
    "t2i_adapters": "t2i_adapter_uris",
    "text_encoders": "text_encoder_uris",
    "textual_inversions": "textual_inversion_uris",
    "third_prompt_upscalers": "third_prompt_upscaler_uri",
    "transformer": "transformer_uri",
    "unet": "unet_uri",
    "vae": "vae_uri",
}

# options that are not part of a generation and have no ``last_*`` variable
NO_TEMPLATE: frozenset[str] = frozenset({
    "help", "version", "file", "shell", "no_stdin", "console", "set", "setp", "sub_command",
    "sub_command_help", "templates_help", "directives_help", "functions_help", "quantizer_help",
    "prompt_weighter_help", "latents_processor_help", "prompt_upscaler_help",
    "image_processor_help", "gen_seeds", "ranks",
})

# what a reproducing .dgen config must leave out: meta arguments (not allowed in scripts), help
# listings and --version; pass as ``omit=`` to ``to_argv`` / ``to_command_line``
CONFIG_OMIT: frozenset[str] = frozenset(
    {spec.dest for spec in OPTIONS if spec.meta}
    | {"help", "version", "sub_command", "sub_command_help", "templates_help", "directives_help",
       "functions_help", "quantizer_help", "prompt_weighter_help", "latents_processor_help",
       "prompt_upscaler_help", "image_processor_help"}
)

_NUMBER = re.compile(r"^-\d+$|^-\d*\.\d+$")
_SAFE = re.compile(r"^[\w@%+=:,./-]+$")


def quote(text: str) -> str:
    """Quote ``text`` for a shell / .dgen line; ``shlex.split`` gives it back unchanged."""
    if text and _SAFE.match(text):
        return text
    if not re.search(r'["\\$`]', text):
        return f'"{text}"'
    return shlex.quote(text)


def _option_tokens(spec: OptionSpec, value: Any) -> list[str]:
    name = spec.long
    if spec.shape == FLAG:
        return [name] if value else []
    if spec.shape == ONE:
        text = format_value(spec.parse, value)
        if text.startswith("-"):
            return [f"{name}={text}"]
        return [name, text]
    items = [format_value(spec.parse, item) for item in value]
    if len(items) == 1 and items[0].startswith("-") and not _NUMBER.match(items[0]):
        return [f"{name}={items[0]}"]
    return [name] + items


def _assignment_tokens(opts) -> list[str]:
    tokens: list[str] = []
    order = list(opts.variable_assignments)
    if not order:
        order = [("set", n, v) for n, v in (opts.set or [])]
        order += [("setp", n, v) for n, v in (opts.setp or [])]
    for kind, name, value in order:
        tokens += [f"--{kind}", f"{name}={value}"]
    return tokens


def to_argv(opts, omit: Iterable[str] = ()) -> list[str]:
    """The argument list reproducing ``opts``: model path first, then every explicit option."""
    skip = set(omit)
    argv: list[str] = []
    if opts.model_path is not None and "model_path" not in skip:
        argv.append(opts.model_path)
    assignments_done = False
    for spec in OPTIONS:
        if spec.positional or spec.dest in skip or spec.dest not in opts.explicit:
            continue
        if spec.dest in ("set", "setp"):
            if not assignments_done:
                argv += _assignment_tokens(opts)
                assignments_done = True
            continue
        argv += _option_tokens(spec, getattr(opts, spec.dest))
    return argv


def to_command_line(opts, omit: Iterable[str] = ()) -> str:
    """One line of text (without the program name) that parses back to ``opts``."""
    return " ".join(quote(token) for token in to_argv(opts, omit))


def option_value_map(opts) -> dict[str, Any]:
    """``{dest: value}`` for every option; unset options get their table default (or None)."""
    return {spec.dest: opts.get(spec.dest) for spec in OPTIONS}


def template_variables(opts) -> dict[str, Any]:
    """The ``last_*`` template variables of an invocation, named as the reference names them."""
    result: dict[str, Any] = {}
    for spec in OPTIONS:
        if spec.dest in NO_TEMPLATE:
            continue
        value = opts.get(spec.dest)
        if value is None and spec.is_list:
            value = []
        result["last_" + TEMPLATE_NAMES.get(spec.dest, spec.dest)] = value
    result["last_sdxl_refiner_clip_skips"] = []
    return result
