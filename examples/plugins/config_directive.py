"""Example config directive plugin: ``\\example_greet NAME ...`` in a .dgen script.

\\import_plugins examples/plugins/config_directive.py
\\example_greet world
"""

from dgenerate_core.errors import DgenerateError
from dgenerate_core.plugins import directive


@directive("example_greet")
def greet(args: list[str]) -> int:
    """Print a greeting for each argument.

    \\example_greet NAME [NAME ...]
    """
    if not args:
        raise DgenerateError("\\example_greet: expected at least one name")
    for name in args:
        print(f"Hello, {name}!")
    return 0
