"""Reading and writing static images with Pillow: formats, embedded config metadata, grids."""

from __future__ import annotations

import os
from typing import Any, Sequence

from dgenerate_core.errors import DgenerateError

METADATA_KEY = "DgenerateConfig"
EXIF_USER_COMMENT = 0x9286
EXIF_IFD = 0x8769
_PIL_FORMAT_FIX = {"jpg": "JPEG", "jpe": "JPEG", "jfif": "JPEG", "tif": "TIFF", "apng": "PNG",
                   "dib": "DIB", "ps": "EPS", "j2k": "JPEG2000", "jpc": "JPEG2000",
                   "jpf": "JPEG2000", "jpx": "JPEG2000", "j2c": "JPEG2000", "jp2": "JPEG2000",
                   "bw": "SGI", "rgb": "SGI", "rgba": "SGI", "icb": "TGA", "vda": "TGA",
                   "vst": "TGA", "pbm": "PPM", "pgm": "PPM", "pnm": "PPM", "emf": "WMF"}


class ImageReadError(DgenerateError):
    """An image file that Pillow cannot read."""


class ImageWriteError(DgenerateError):
    """An image that cannot be written in the requested format."""


def open_image(path: str, mode: str = "RGB") -> Any:
    """Open ``path`` fully (the file is closed afterwards) and convert it to ``mode``."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            img.load()
            return img.convert(mode) if img.mode != mode else img.copy()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as ex:
        reason = str(ex).splitlines()[0] if str(ex) else type(ex).__name__
        raise ImageReadError(f'cannot read image "{path}": {reason}') from ex


def pil_format(ext: str) -> str:
    """The Pillow format name for a file extension such as ``jpg``."""
    from PIL import Image

    ext = ext.lower().lstrip(".")
    Image.preinit()  # png, jpeg, gif, bmp, ppm: loading every Pillow plugin costs ~50 ms
    registered = Image.EXTENSION.get("." + ext) or Image.registered_extensions().get("." + ext)
    return registered or _PIL_FORMAT_FIX.get(ext, ext.upper())


def _png_info(config: str | None, key: str) -> Any:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    if config is not None:
        info.add_text(key, config)
    return info


def _exif(image: Any, config: str) -> Any:
    exif = image.getexif()
    exif.get_ifd(EXIF_IFD)[EXIF_USER_COMMENT] = b"UNICODE\0" + config.encode("utf-16-be")
    return exif


def _convert_for(image: Any, fmt: str) -> Any:
    if fmt in ("JPEG", "PPM", "EPS", "PCX", "SGI", "MSP", "XBM", "BLP", "DDS", "BUFR", "GRIB",
               "HDF5", "PALM", "WMF") and image.mode not in ("RGB", "L"):
        return image.convert("RGB")
    if fmt in ("XBM", "MSP", "PALM") and image.mode != "1":
        return image.convert("1")
    return image


def save_image(image: Any, path: str, config: str | None = None,
               key: str = METADATA_KEY) -> None:
    """Write ``image`` to ``path`` in the format of its extension, embedding ``config`` if given.

    The text goes into the PNG text chunk ``key`` (``DgenerateConfig``, or ``parameters`` for
    Automatic1111 metadata) or the JPEG EXIF UserComment.
    """
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    fmt = pil_format(ext)
    image = _convert_for(image, fmt)
    kwargs: dict[str, Any] = {}
    if config is not None and fmt == "PNG":
        kwargs["pnginfo"] = _png_info(config, key)
    elif config is not None and fmt == "JPEG":
        kwargs["exif"] = _exif(image, config)
    try:
        image.save(path, format=fmt, **kwargs)
    except (OSError, KeyError, ValueError) as ex:
        reason = str(ex).splitlines()[0] if str(ex) else type(ex).__name__
        raise ImageWriteError(f'cannot write "{path}" as {ext}: {reason}') from ex


def read_config_metadata(path: str) -> str | None:
    """The ``DgenerateConfig`` text embedded in a PNG or JPEG written by :func:`save_image`."""
    from PIL import Image

    with Image.open(path) as img:
        if METADATA_KEY in getattr(img, "text", {}):
            return img.text[METADATA_KEY]
        raw = img.getexif().get_ifd(EXIF_IFD).get(EXIF_USER_COMMENT)
    if raw is None:
        return None
    if isinstance(raw, bytes):
        if raw.startswith(b"UNICODE\0"):
            return raw[8:].decode("utf-16-be")
        return raw[8:].decode("utf-8", "replace") if raw[:8].strip(b"\0 ").isalpha() else \
            raw.decode("utf-8", "replace")
    return str(raw)


def make_grid(images: Sequence[Any], columns: int, rows: int) -> Any:
    """Paste ``images`` row by row into a ``columns`` x ``rows`` grid (cells of the first size)."""
    from PIL import Image

    width, height = images[0].size
    grid = Image.new("RGB", (width * columns, height * rows))
    for index, img in enumerate(images[:columns * rows]):
        col, row = index % columns, index // columns
        grid.paste(img.convert("RGB"), (col * width, row * height))
    return grid
