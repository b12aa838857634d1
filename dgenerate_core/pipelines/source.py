"""Where models come from: local files and folders, Hugging Face repo ids; load errors as one line."""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from typing import Any, Iterator

from dgenerate_core import events
from dgenerate_core.errors import DgenerateError, ModelError, NotSupportedYet
from dgenerate_core import webcache

SINGLE_FILE_EXTS = (".safetensors", ".ckpt", ".pt", ".pth", ".bin")
_REPO_RE = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


@dataclass(frozen=True)
class Source:
    """Loading arguments shared by a model and its components."""

    revision: str | None = None
    variant: str | None = None
    subfolder: str | None = None
    token: str | None = None
    offline: bool = False

    def kwargs(self, subfolder: bool = True) -> dict[str, Any]:
        """Keyword arguments for ``from_pretrained``."""
        out: dict[str, Any] = {"local_files_only": self.offline, "cache_dir": hf_cache_dir()}
        if self.revision:
            out["revision"] = self.revision
        if self.variant:
            out["variant"] = self.variant
        if self.subfolder and subfolder:
            out["subfolder"] = self.subfolder
        if self.token:
            out["token"] = self.token
        return out


def hf_cache_dir() -> str:
    """The Hugging Face hub cache folder, read from the environment now (``\\env`` may change it)."""
    env = os.environ
    if env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE"):
        return os.path.expanduser(env.get("HF_HUB_CACHE") or env["HUGGINGFACE_HUB_CACHE"])
    if env.get("HF_HOME"):
        return os.path.join(os.path.expanduser(env["HF_HOME"]), "hub")
    xdg = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(xdg, "huggingface", "hub")


def cache_key_path(path: str) -> str:
    """An absolute path for an existing local path (so a later ``\\cd`` cannot fool the cache)."""
    local = os.path.expanduser(path)
    return os.path.abspath(local) if os.path.exists(local) else path


def is_single_file(path: str) -> bool:
    return path.lower().endswith(SINGLE_FILE_EXTS)


_BLOB_RE = re.compile(r"^https://huggingface\.co/([^/]+/[^/]+)/(?:blob|resolve)/([^/]+)/(.+)$")


def localize(path: str, option: str, offline: bool = False, token: str | None = None) -> str:
    """A local file for a URL model path (HF blob links via the hub cache, others via the
    web cache); any other path is returned unchanged."""
    if not path.lower().startswith(("http://", "https://")):
        return path
    blob = _BLOB_RE.match(path)
    with load_errors(option, path, offline):
        if blob:
            from huggingface_hub import hf_hub_download

            repo, revision, filename = blob.groups()
            return hf_hub_download(repo, filename, revision=revision, token=token,
                                   local_files_only=offline, cache_dir=hf_cache_dir())

        try:
            return webcache.fetch(path, offline=offline)
        except DgenerateError as e:
            raise ModelError(f'{option} "{path}": {e}') from e


def classify(path: str, option: str, uri: str | None = None) -> str:
    """'file', 'dir' or 'repo'; ModelError when the path names nothing that can exist."""
    if path.startswith(("http://", "https://")):
        raise NotSupportedYet(f"{option} URLs")
    expanded = os.path.expanduser(path)
    if os.path.isfile(expanded):
        return "file"
    if os.path.isdir(expanded):
        return "dir"
    if _REPO_RE.match(path) and not is_single_file(path) and not path.startswith("."):
        return "repo"
    if uri is not None and uri != path:
        raise ModelError(f'{option} "{uri}": no such file or folder: {path}')
    raise ModelError(f'{option} "{path}": no such file or folder')


def first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    line = text[0] if text else type(err).__name__
    return line if len(line) <= 300 else line[:297] + "..."


@contextlib.contextmanager
def load_errors(option: str, value: str, offline: bool = False) -> Iterator[None]:
    """Announce the load (a ``loading`` event: the console's status bar says what loads) and
    turn library errors raised while loading into one-line ModelErrors naming the option."""
    events.emit("loading", what=str(value), option=option)
    try:
        yield
    except DgenerateError:
        raise
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, AttributeError) as e:
        name = type(e).__name__
        if offline and ("LocalEntryNotFound" in name or "offline" in str(e).lower()
                        or "local_files_only" in str(e) or "cached" in str(e).lower()
                        or "does not appear to have a file named" in str(e)):
            raise ModelError(f'{option} "{value}": not found in the Hugging Face cache, and '
                             "--offline-mode forbids downloading it") from e
        raise ModelError(f'{option} "{value}": cannot load it: {first_line(e)}') from e


def single_file_config(original: str | None, option: str = "--original-config") -> dict[str, Any]:
    """``from_single_file`` keywords for ``--original-config`` (or the second model's): an LDM
    .yaml file, or (our extension) a diffusers model folder whose configs, tokenizers and scheduler
    describe the checkpoint, which needs no hub access at all."""
    if not original:
        return {}
    path = os.path.expanduser(original)
    if os.path.isdir(path):
        return {"config": path}
    if not os.path.isfile(path):
        raise ModelError(f'{option} "{original}": no such file or folder')
    return {"original_config": path}
