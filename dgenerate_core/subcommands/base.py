"""The sub-command plugin interface: a :class:`SubCommand` with ``NAMES`` and ``__call__``."""

from __future__ import annotations

import inspect
from typing import ClassVar, Sequence

from dgenerate_core.registries.plugin_kinds import register_base


class SubCommand:
    """Base of ``--sub-command NAME`` programs.

    The constructor gets the sub-command's own argument list (``args``, everything after
    ``--sub-command NAME``), the plugin modules loaded, and ``local_files_only`` (from
    ``--offline-mode``). ``__call__`` runs it and returns the exit status. The class docstring
    (or a ``help_text`` classmethod) is its ``--sub-command-help`` text.
    """

    NAMES: ClassVar[tuple[str, ...] | list[str] | str] = ()
    HIDDEN: ClassVar[bool] = False
    NOT_BUILT: ClassVar[bool] = False

    def __init__(self, program_name: str = "", args: Sequence[str] = (),
                 plugin_module_paths: Sequence[str] = (), local_files_only: bool = False,
                 verbose: bool = False) -> None:
        self.program_name = program_name or self.names()[0]
        self.args = list(args)
        self.plugin_module_paths = list(plugin_module_paths)
        self.local_files_only = local_files_only
        self.verbose = verbose

    @classmethod
    def names(cls) -> list[str]:
        return [cls.NAMES] if isinstance(cls.NAMES, str) else list(cls.NAMES)

    @classmethod
    def help_text(cls, name: str) -> str:
        return inspect.cleandoc(cls.__doc__ or "").strip()

    def __call__(self) -> int:
        raise NotImplementedError


register_base("sub-command", SubCommand)
