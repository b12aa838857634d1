"""The directive and template function registry as plugins know it.

The tables live on the ground floor (:mod:`dgenerate_core.registries.script`); this module keeps
the documented plugin API (``register_directive``, ``register_function``) and
:func:`ensure_loaded`, which imports the built-in directives and functions.
"""

from __future__ import annotations

from dgenerate_core.registries.script import (  # noqa: F401 - the plugin API
    DIRECTIVES, FUNCTIONS, Directive, Function, RegistryError, builtin, builtin_function,
    generation, register_directive, register_function,
)
from dgenerate_core.script import catalog as _catalog  # noqa: F401 - fills the tables


def ensure_loaded() -> None:
    """The built-in directives and functions are registered (they are, once this is imported)."""
