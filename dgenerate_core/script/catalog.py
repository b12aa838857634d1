"""Importing this registers every built-in directive and template function."""

from dgenerate_core.script import directives, functions  # noqa: F401 - they register themselves
