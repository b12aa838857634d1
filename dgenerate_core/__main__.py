"""Allow ``python -m dgenerate_core``."""

import sys

from dgenerate_core.cli import main

sys.exit(main())
