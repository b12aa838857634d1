"""The ground floor: registries of every pluggable kind as plain data.

Each module here holds a table and the functions that add to it; none imports anything of
dgenerate above ``errors``. Built-ins and plugins fill the tables from above (the modules that
define directives, functions, processors and sub-commands register themselves when imported);
lower floors read a table, never import the module that fills it. See docs/architecture.md.
"""
