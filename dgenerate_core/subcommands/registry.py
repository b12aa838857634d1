"""Sub-commands by name (built-ins and plugin classes), ``--sub-command`` dispatch and
``--sub-command-help``. Importing this imports no torch."""

from __future__ import annotations

from typing import Iterable, Sequence

from dgenerate_core import plugins
from dgenerate_core.errors import UsageError
from dgenerate_core.helpwrap import block as _block
from dgenerate_core.registries.subcommands import builtin_sub_commands, register_sub_command
from dgenerate_core.subcommands import auto1111  # noqa: F401 - registers auto1111-metadata
from dgenerate_core.subcommands import civitai_links  # noqa: F401 - registers civitai-links
from dgenerate_core.subcommands import image_process  # noqa: F401 - registers image-process
from dgenerate_core.subcommands import prompt_upscale  # noqa: F401 - registers prompt-upscale
from dgenerate_core.subcommands import to_diffusers  # noqa: F401 - registers to-diffusers
from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.registries.plugin_kinds import register_taken



def sub_command_classes(include_hidden: bool = False) -> dict[str, type]:
    """Name -> class of every sub-command (a plugin cannot take a built-in name), sorted."""
    classes: list[type] = builtin_sub_commands()
    for module in plugins.loaded_modules():
        for value in list(vars(module).values()):
            if (isinstance(value, type) and issubclass(value, SubCommand)
                    and value is not SubCommand and value.names()
                    and value not in classes):
                classes.append(value)
    table = {}
    for cls in classes:
        if cls.HIDDEN and not include_hidden:
            continue
        for name in cls.names():
            table[name] = cls
    return dict(sorted(table.items()))


def format_sub_command_help(names: Iterable[str] | None = None) -> str:
    """The sub-command list, or the help of the ones named."""
    classes = sub_command_classes()
    wanted = list(names or [])
    if not wanted:
        return "Available sub-commands:\n\n" + "\n".join(f'    "{n}"' for n in classes)
    unknown = [n for n in wanted if n not in classes]
    if unknown:
        raise UsageError("No sub-commands named: " + ", ".join(f'"{n}"' for n in unknown))
    return "\n\n".join(_block(n, classes[n].help_text(n) or "No documentation.") for n in wanted)


def _own_meta(args: Sequence[str]) -> tuple[list[str], list[str], bool]:
    """``--plugin-modules`` values and ``-v`` taken out of a sub-command's arguments."""
    rest: list[str] = []
    plugins: list[str] = []
    verbose = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--plugin-modules":
            i += 1
            while i < len(args) and not args[i].startswith("-"):
                plugins.append(args[i])
                i += 1
            continue
        if arg in ("-v", "--verbose"):
            verbose = True
        rest.append(arg)
        i += 1
    return rest, plugins, verbose


def run_sub_command(name: str, args: Sequence[str], plugin_modules: Sequence[str] = (),
                    verbose: bool = False, offline: bool = False) -> int:
    """Run ``--sub-command NAME ARGS``: load plugins, find the class, call it."""
    rest, more_plugins, more_verbose = _own_meta(args)
    modules = list(plugin_modules) + more_plugins
    if modules:
        plugins.load_plugin_modules(modules)
    offline = offline or any(a in ("-ofm", "--offline-mode") for a in rest)
    classes = sub_command_classes(include_hidden=True)
    cls = classes.get(name)
    if cls is None:
        raise UsageError(f'--sub-command: unknown sub-command "{name}", known: '
                         + ", ".join(sub_command_classes()))
    command = cls(program_name=name, args=rest, plugin_module_paths=modules,
                  local_files_only=offline, verbose=verbose or more_verbose)
    return int(command() or 0)


register_taken("sub-command", lambda: sub_command_classes(True))
