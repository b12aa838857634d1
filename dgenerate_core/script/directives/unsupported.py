"""Directives that alias sub-commands which are not built yet."""

from __future__ import annotations

from dgenerate_core.errors import NotSupportedYet
from dgenerate_core.registries.script import builtin

ALIASES = {
    "to_diffusers": ("to-diffusers", """
Save a model (a single file checkpoint or a Hugging Face repository) as a diffusers folder, like
the to-diffusers sub-command. See \\to_diffusers --help."""),
}


def _register(name: str, sub_command: str, help_text: str) -> None:
    def run(ctx, args: list[str]) -> int:
        raise NotSupportedYet(f"\\{name}")

    builtin(name, f"Alias for: --sub-command {sub_command}\n{help_text}\n\n(Not supported yet.)")(run)


for _name, (_sub, _help) in ALIASES.items():
    _register(_name, _sub, _help)
