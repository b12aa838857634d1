"""The bundle's ``dgenerate`` executable (PyInstaller entry script): the engine's command line;
``-m dgenerate_console`` opens the console instead (see ``dgenerate_console.bundle``)."""

import multiprocessing
import sys

from dgenerate_console.bundle import bundle_argv

if __name__ == "__main__":
    multiprocessing.freeze_support()
    what, args = bundle_argv(sys.argv[1:], "cli")
    if what == "console":
        from dgenerate_console.app import main
    elif what == "desktop":
        from dgenerate_console.desktop import main
    else:
        from dgenerate_core.cli import main
    sys.exit(main(args))
