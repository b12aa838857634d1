"""``python -m dgenerate_core.options`` regenerates ``docs/options.md`` from the option table."""

from dgenerate_core.options.helpgen import write_options_doc

print(write_options_doc())
