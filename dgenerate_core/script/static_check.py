"""``python -m dgenerate_core.script.static_check FILE...``: print ``FILE:LINE: message`` per
problem and exit 1 if any (the checker itself lives in ``checker.py``)."""

import sys

from dgenerate_core.script.checker import Diagnostic, main, static_check

__all__ = ["Diagnostic", "main", "static_check"]

if __name__ == "__main__":
    sys.exit(main())
