"""ultralytics set up to stay off the network: the program sets, before ultralytics is imported,
``YOLO_OFFLINE=1``, ``YOLO_AUTOINSTALL=0`` and a writable ``YOLO_CONFIG_DIR`` under the
dgenerate cache folder, and puts a font there under the names ultralytics' plotting looks for
(Arial.ttf), so nothing is ever downloaded behind the user's back. Our own drawing uses Pillow."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from dgenerate_core import webcache
from dgenerate_core.errors import DgenerateError

_FONT_NAMES = ("Arial.ttf", "Arial.Unicode.ttf")
_done = False


def config_dir() -> Path:
    """``$DGENERATE_CACHE/ultralytics`` unless the user chose a ``YOLO_CONFIG_DIR``."""
    given = os.environ.get("YOLO_CONFIG_DIR", "").strip()
    return Path(os.path.expanduser(given)) if given else webcache.cache_root() / "ultralytics"


def _bundled_font() -> Path | None:
    """A TrueType font that ships with an installed library (matplotlib's DejaVu Sans)."""
    try:
        import matplotlib
    except ImportError:
        return None
    font = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    return font if font.is_file() else None


def _provide_fonts(folder: Path) -> None:
    source = None
    for name in _FONT_NAMES:
        target = folder / name
        if target.exists():
            continue
        source = source or _bundled_font()
        if source is None:
            return
        try:
            shutil.copyfile(source, target)
        except OSError:
            return


def prepare() -> None:
    """Set the environment for ultralytics (once per process, before importing it)."""
    global _done
    if _done:
        return
    folder = config_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["YOLO_CONFIG_DIR"] = str(folder)
    os.environ["YOLO_OFFLINE"] = "1"
    os.environ["YOLO_AUTOINSTALL"] = "0"
    os.environ.setdefault("YOLO_VERBOSE", "False")
    user = folder / "Ultralytics"  # ultralytics' USER_CONFIG_DIR, where it looks for fonts
    user.mkdir(parents=True, exist_ok=True)
    _provide_fonts(user)
    _done = True


def import_ultralytics():
    """The ultralytics module, set up offline; a clear line when it is not installed."""
    prepare()
    from PIL import Image

    pil_open = Image.open
    try:
        import ultralytics
        import ultralytics.utils.patches  # noqa: F401 - replaces PIL.Image.open when imported
    except ImportError as ex:
        raise DgenerateError("YOLO and SAM processors need ultralytics: pip install "
                             "'dgenerate[processors]' (the ultralytics-opencv-headless "
                             f"build): {ex}") from None
    finally:
        # ultralytics replaces PIL.Image.open process-wide with a wrapper that, for any file
        # Pillow cannot identify, tries to pip install pi-heif and raises ModuleNotFoundError:
        # an unreadable image later in the same session would no longer be one clear line
        Image.open = pil_open
    return ultralytics
