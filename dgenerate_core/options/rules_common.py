"""Small helpers shared by the validation rules."""

from __future__ import annotations

from dgenerate_core.options.table import BY_DEST


def given(opts, dest: str) -> bool:
    """True when the user gave the option ``dest``."""
    return dest in opts.explicit


def name(dest: str) -> str:
    """The long spelling of the option ``dest`` for messages."""
    return BY_DEST[dest].long


def model_type(opts) -> str:
    """The model type, ``sd`` when not given."""
    return (opts.model_type or "sd").lower()


def first_given(opts, dests) -> str | None:
    """The first of ``dests`` the user gave, or None."""
    for dest in dests:
        if given(opts, dest):
            return dest
    return None


HELP_LISTINGS = ("help", "version", "sub_command_help", "templates_help", "directives_help",
                 "functions_help", "quantizer_help", "prompt_weighter_help",
                 "latents_processor_help", "prompt_upscaler_help", "image_processor_help")
PSEUDO_HELP = ("help", "helpargs")


def is_help_mode(opts) -> bool:
    """True when the invocation only prints help (a listing, or a 'help' pseudo value)."""
    if any(given(opts, d) for d in HELP_LISTINGS):
        return True
    for dest in ("schedulers", "second_model_schedulers", "text_encoders",
                 "second_model_text_encoders"):
        if any(v in PSEUDO_HELP for v in (getattr(opts, dest) or [])):
            return True
    return False
