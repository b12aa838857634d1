"""The web cache under ``$DGENERATE_CACHE/web``: downloads for ``\\download``, ``download()``,
URL models, URL image seeds and processors.

Layout: one folder per URL, ``web/<sha256(url)[:32]>/``, holding the file under its own name
(from Content-Disposition, else the URL path) and ``.entry.json`` (url, file, mime type, time).
Entries older than ``DGENERATE_WEB_CACHE_EXPIRY_DELTA`` (default 12 hours) are removed whenever
something is downloaded. Offline mode (``-ofm`` or ``DGENERATE_OFFLINE_MODE=1``) never touches the
network and never removes entries. Only the standard library is used.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import re
import shutil
import time
import urllib.parse
from pathlib import Path
from typing import Callable, Iterable

from dgenerate_core.errors import DgenerateError
from dgenerate_core.media import atomic

DEFAULT_EXPIRY = datetime.timedelta(hours=12)
ENTRY_FILE = ".entry.json"
USER_AGENT = "dgenerate/5.0.0 (web cache)"
_CHUNK = 1 << 20
_TIMEDELTA_KEYS = ("days", "seconds", "microseconds", "milliseconds", "minutes", "hours", "weeks")
_BAD_NAME_CHARS = re.compile(r'[\x00-\x1f<>:"/\\|?*]')

MimeCheck = Callable[[str], bool]


class WebCacheError(DgenerateError):
    """A download that failed, a miss in offline mode, or a bad cache setting."""


class MimeTypeError(WebCacheError):
    """The server answered with a mimetype the caller does not accept."""

    def __init__(self, url: str, mime: str) -> None:
        super().__init__(f'Failed to download "{url}": unacceptable mimetype "{mime}"')
        self.url = url
        self.mime = mime


def cache_root() -> Path:
    """``$DGENERATE_CACHE`` (default ``~/.cache/dgenerate``)."""
    base = os.environ.get("DGENERATE_CACHE", "").strip()
    if base:
        return Path(os.path.expanduser(base))
    return Path(os.path.expanduser("~")) / ".cache" / "dgenerate"


def cache_dir() -> Path:
    """The web cache folder, ``$DGENERATE_CACHE/web``."""
    return cache_root() / "web"


def offline_from_env() -> bool:
    """True when ``DGENERATE_OFFLINE_MODE`` holds a true value (1, true, yes, on)."""
    return os.environ.get("DGENERATE_OFFLINE_MODE", "").strip().lower() in ("1", "true", "yes", "on")


def parse_expiry(text: str | None) -> datetime.timedelta | None:
    """Parse ``days=5;hours=6`` style text; None (no expiry) for ``forever`` or empty text."""
    if text is None:
        return DEFAULT_EXPIRY
    value = text.strip().strip("'\"").strip()
    if not value or value.lower() == "forever":
        return None
    kwargs: dict[str, float] = {}
    for part in value.split(";"):
        part = part.strip()
        if not part:
            continue
        key, sep, number = part.partition("=")
        key = key.strip()
        if not sep or key not in _TIMEDELTA_KEYS:
            raise WebCacheError(
                f'DGENERATE_WEB_CACHE_EXPIRY_DELTA: bad value "{text}", expected "forever" or '
                f"KEY=NUMBER pairs separated by ';' with KEY one of {', '.join(_TIMEDELTA_KEYS)}")
        try:
            kwargs[key] = float(number)
        except ValueError:
            raise WebCacheError(
                f'DGENERATE_WEB_CACHE_EXPIRY_DELTA: "{number.strip()}" is not a number '
                f'(in "{text}")') from None
    return datetime.timedelta(**kwargs)


def expiry() -> datetime.timedelta | None:
    """The expiry delta from the environment (None: never expire)."""
    return parse_expiry(os.environ.get("DGENERATE_WEB_CACHE_EXPIRY_DELTA"))


def with_civitai_token(url: str) -> str:
    """Append ``CIVIT_AI_TOKEN`` to civitai.com ``/api/download`` links that carry no token."""
    token = os.environ.get("CIVIT_AI_TOKEN", "").strip()
    if not token:
        return url
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if not (host == "civitai.com" or host.endswith(".civitai.com")):
        return url
    if not parts.path.startswith("/api/download"):
        return url
    query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    if any(k == "token" for k, _ in query):
        return url
    query.append(("token", token))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def sanitize_filename(name: str | None) -> str | None:
    """A bare, safe file name from untrusted text (no folders, no traversal); None if nothing is left."""
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _BAD_NAME_CHARS.sub("_", base).strip().strip(".").strip()
    if not base or set(base) <= {"_", "."}:
        return None
    return base[:200]


def filename_from_headers(content_disposition: str | None) -> str | None:
    """The sanitised file name a Content-Disposition header asks for, if any."""
    if not content_disposition:
        return None
    import email.message

    msg = email.message.Message()
    msg["content-disposition"] = content_disposition
    try:
        name = msg.get_filename()
    except (ValueError, LookupError):
        name = None
    return sanitize_filename(name)


def filename_from_url(url: str) -> str:
    """The sanitised last path segment of ``url``, or ``download`` when there is none."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    return sanitize_filename(path.rstrip("/").rsplit("/", 1)[-1]) or "download"


def is_url(text: str) -> bool:
    """True for ``http://`` and ``https://`` links."""
    return text.lower().startswith(("http://", "https://"))


def entry_key(url: str) -> str:
    """The name of ``url``'s entry folder under the web cache."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:32]


def _entry_dir(url: str) -> Path:
    return cache_dir() / entry_key(url)


def _read_entry(url: str) -> dict | None:
    folder = _entry_dir(url)
    try:
        entry = json.loads((folder / ENTRY_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if entry.get("url") != url or not (folder / str(entry.get("file", ""))).is_file():
        return None
    return entry


def cached_path(url: str) -> str | None:
    """The cached file of ``url`` if there is one, without any network access."""
    entry = _read_entry(url)
    return None if entry is None else str(_entry_dir(url) / entry["file"])


def clear_expired(now: float | None = None) -> int:
    """Remove cache entries older than the expiry delta; return how many were removed."""
    delta = expiry()
    root = cache_dir()
    if delta is None or not root.is_dir():
        return 0
    now = time.time() if now is None else now
    removed = 0
    for folder in root.iterdir():
        entry_file = folder / ENTRY_FILE
        if not folder.is_dir():
            continue
        try:
            stamp = json.loads(entry_file.read_text(encoding="utf-8"))["time"]
        except (OSError, ValueError, KeyError, TypeError):
            stamp = None
        if stamp is None or now - float(stamp) > delta.total_seconds():
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def _open(url: str):
    import urllib.error
    import urllib.request

    request = urllib.request.Request(with_civitai_token(url), headers={"User-Agent": USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=60)
    except urllib.error.HTTPError as ex:
        raise WebCacheError(f'Failed to download "{url}": HTTP Error {ex.code}: {ex.reason}') from None
    except (urllib.error.URLError, OSError, ValueError) as ex:
        reason = getattr(ex, "reason", ex)
        raise WebCacheError(f'Failed to download "{url}": {reason}') from None


def _mime_of(response) -> str:
    return (response.headers.get_content_type() or "application/octet-stream").lower()


def _check_mime(url: str, mime: str, mime_acceptable: MimeCheck | None) -> None:
    if mime_acceptable is not None and not mime_acceptable(mime):
        raise MimeTypeError(url, mime)


def _new_temp(dest: Path) -> tuple[int, str]:
    """An exclusive hidden file beside ``dest``, created 0666 so the user's umask decides the
    permissions (``mkstemp`` would make every download 0600)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = atomic.temp_path(str(dest.parent), dest.name)
    return os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0),
                   0o666), tmp


def _copy_to(source: str, dest: Path) -> None:
    """Copy a cached file to ``dest``, moved into place only when complete."""
    fd, tmp = _new_temp(dest)
    try:
        with os.fdopen(fd, "wb") as out, open(source, "rb") as src:
            shutil.copyfileobj(src, out, _CHUNK)
        os.replace(tmp, dest)
    finally:
        atomic.discard(tmp)


def _stream_to(response, dest: Path, url: str) -> None:
    fd, tmp = _new_temp(dest)
    try:
        with os.fdopen(fd, "wb") as out:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
        os.replace(tmp, dest)
    except OSError as ex:
        raise WebCacheError(f'Failed to download "{url}": {ex}') from None
    finally:
        atomic.discard(tmp)


def _offline_miss(url: str) -> WebCacheError:
    return WebCacheError(f'Offline mode: "{url}" is not in the web cache and cannot be downloaded')


def fetch(url: str, *, offline: bool = False, mime_acceptable: MimeCheck | None = None,
          overwrite: bool = False) -> str:
    """Return the path of the cached copy of ``url``, downloading it when missing or ``overwrite``."""
    offline = offline or offline_from_env()
    entry = None if overwrite and not offline else _read_entry(url)
    if entry is not None:
        _check_mime(url, entry.get("mime", ""), mime_acceptable)
        return str(_entry_dir(url) / entry["file"])
    if offline:
        raise _offline_miss(url)
    clear_expired()
    with _open(url) as response:
        mime = _mime_of(response)
        _check_mime(url, mime, mime_acceptable)
        name = filename_from_headers(response.headers.get("Content-Disposition"))
        name = name or filename_from_url(response.geturl() or url)
        folder = _entry_dir(url)
        if folder.exists():
            shutil.rmtree(folder, ignore_errors=True)
        _stream_to(response, folder / name, url)
    record = {"url": url, "file": name, "mime": mime, "time": time.time()}
    (folder / ENTRY_FILE).write_text(json.dumps(record), encoding="utf-8")
    return str(folder / name)


def _text_check(text: bool) -> MimeCheck | None:
    return None if text else (lambda mime: not mime.startswith("text/"))


def _text_error(url: str, mime: str) -> WebCacheError:
    return WebCacheError(
        f'Failed to download "{url}": the server sent a text mimetype "{mime}" (often a login or '
        f"error page); use -t/--text or text=True to accept text files")


def _fetch_checked(url: str, overwrite: bool, text: bool, offline: bool) -> str:
    try:
        return fetch(url, offline=offline, mime_acceptable=_text_check(text), overwrite=overwrite)
    except MimeTypeError as ex:
        raise _text_error(url, ex.mime) from None


def _abs(path: Path | str) -> str:
    return Path(os.path.abspath(path)).as_posix()


def _download_to_dir(url: str, folder: Path, overwrite: bool, text: bool, offline: bool) -> str:
    if offline:
        cached = cached_path(url)
        candidates = [Path(cached).name] if cached else []
        candidates.append(filename_from_url(url))
        for name in candidates:
            if (folder / name).is_file():
                return _abs(folder / name)
        if cached:
            _copy_to(cached, folder / Path(cached).name)
            return _abs(folder / Path(cached).name)
        raise _offline_miss(url)
    with _open(url) as response:
        mime = _mime_of(response)
        if not text and mime.startswith("text/"):
            raise _text_error(url, mime)
        name = filename_from_headers(response.headers.get("Content-Disposition"))
        dest = folder / (name or filename_from_url(response.geturl() or url))
        if dest.is_file() and not overwrite:
            return _abs(dest)
        _stream_to(response, dest, url)
    return _abs(dest)


def _download_to_file(url: str, dest: Path, overwrite: bool, text: bool, offline: bool) -> str:
    if dest.is_file() and not overwrite:
        return _abs(dest)
    if offline:
        cached = cached_path(url)
        if cached is None:
            raise _offline_miss(url)
        _copy_to(cached, dest)
        return _abs(dest)
    with _open(url) as response:
        mime = _mime_of(response)
        if not text and mime.startswith("text/"):
            raise _text_error(url, mime)
        _stream_to(response, dest, url)
    return _abs(dest)


def download(url: str, output: str | None = None, overwrite: bool = False, text: bool = False,
             offline: bool = False) -> str:
    """``\\download`` / ``download()``: fetch ``url`` into the web cache, a folder (``output`` ending
    in ``/``) or a file; an existing output file is reused unless ``overwrite``. Returns a posix path."""
    offline = offline or offline_from_env()
    if not is_url(url):
        raise WebCacheError(f'Cannot download "{url}": only http:// and https:// links are supported')
    if output is None or output == "":
        return _abs(_fetch_checked(url, overwrite, text, offline))
    if output.endswith(("/", "\\")):
        folder = Path(os.path.expanduser(output))
        return _download_to_dir(url, folder, overwrite, text, offline)
    return _download_to_file(url, Path(os.path.expanduser(output)), overwrite, text, offline)


def accept_prefixes(prefixes: Iterable[str]) -> MimeCheck:
    """A mime check accepting types that start with any of ``prefixes`` (e.g. ``image/``)."""
    wanted = tuple(p.lower() for p in prefixes)
    return lambda mime: mime.lower().startswith(wanted)
