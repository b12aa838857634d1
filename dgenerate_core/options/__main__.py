"""``python -m dgenerate_core.options`` regenerates ``docs/options.md`` and the README status block."""

from dgenerate_core.options.helpgen import write_options_doc
from dgenerate_core.options.status import write_readme_status

print(write_options_doc())
print(write_readme_status())
