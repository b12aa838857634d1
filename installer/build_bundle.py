"""Build the bundle of this platform with PyInstaller (``pip install .[bundle]`` first):

    python installer/build_bundle.py      -> installer/dist/dgenerate/ (+ "Dgenerate Console.app" on macOS)

Makes the Windows / macOS icons from resources/icons, then runs installer/dgenerate.spec. The
installers wrap the folder afterwards: installer/windows/dgenerate.iss (Inno Setup),
installer/macos/build_dmg.sh, installer/linux/install.sh.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
ICON = ROOT / "resources" / "icons" / "dgenerate-console.png"


def make_icons() -> None:
    """``windows/dgenerate.ico`` and ``macos/dgenerate.icns`` from the 256 px PNG (Pillow writes both)."""
    from PIL import Image

    with Image.open(ICON) as image:
        image = image.convert("RGBA")
        image.save(HERE / "windows" / "dgenerate.ico",
                   sizes=[(16, 16), (24, 24), (32, 32), (48, 48), (64, 64), (128, 128), (256, 256)])
        image.save(HERE / "macos" / "dgenerate.icns")


def main(argv: list[str]) -> int:
    make_icons()
    started = time.monotonic()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    command = [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
               "--distpath", str(HERE / "dist"), "--workpath", str(HERE / "build"),
               str(HERE / "dgenerate.spec"), *argv]
    done = subprocess.run(command, cwd=ROOT, env=env)
    print(f"build_bundle: PyInstaller took {time.monotonic() - started:.0f} s", file=sys.stderr)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
