"""``python -m dgenerate_console [file.dgen] [interpreter args]``."""

import sys

from dgenerate_console.app import main

if __name__ == "__main__":
    sys.exit(main())
