"""Nothing half-written, nothing clobbered: output goes to a hidden temporary name in the target
folder and is moved into place only when complete.

Without overwrite a finished file is published with :func:`os.link`, which fails when the final
name exists (a no-clobber rename), so two processes writing the same names into one folder lose
nothing: the loser takes the next ``_duplicate_N`` name. With overwrite it is :func:`os.replace`.
A ``kill -9`` leaves at most a hidden ``.NAME.part-*`` file, never a truncated file under a final
name.
"""

from __future__ import annotations

import errno
import os
import secrets
from dataclasses import dataclass
from typing import Callable, Sequence

_NO_LINK = (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV, errno.ENOSYS, errno.EMLINK)


def temp_path(folder: str, name: str) -> str:
    """A hidden temporary path in ``folder`` that ends with ``name``'s extension (writers such as
    Pillow and PyAV choose the format from it); glob patterns like ``*.png`` skip it."""
    base, ext = os.path.splitext(name)
    return os.path.join(folder, f".{base}.part-{os.getpid()}-{secrets.token_hex(4)}{ext}")


def is_temp_name(name: str) -> bool:
    """True for a name made by :func:`temp_path` (left behind only by a killed writer)."""
    return name.startswith(".") and ".part-" in name


def publish(temp: str, final: str, overwrite: bool = False) -> None:
    """Move the finished ``temp`` to ``final``; without ``overwrite`` an existing ``final`` is
    never replaced (:class:`FileExistsError`, ``temp`` is left for the caller)."""
    if overwrite:
        os.replace(temp, final)
        return
    try:
        os.link(temp, final)
    except FileExistsError:
        raise
    except OSError as ex:
        if ex.errno not in _NO_LINK:
            raise
        _publish_without_links(temp, final)
        return
    os.unlink(temp)


def _publish_without_links(temp: str, final: str) -> None:
    # file systems without hard links (FAT, some network mounts): Windows' rename never replaces;
    # elsewhere an exclusive create claims the name before the rename fills it
    if os.name == "nt":
        os.rename(temp, final)
        return
    fd = os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    os.close(fd)
    os.replace(temp, final)


def discard(path: str | None) -> None:
    """Remove a temporary file if it is still there."""
    if path:
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass


@dataclass
class Pending:
    """Temporary files (one per extension) that become ``base.ext`` files together."""

    folder: str
    exts: Sequence[str]
    temps: list[str]

    @classmethod
    def create(cls, folder: str, base: str, exts: Sequence[str]) -> "Pending":
        exts = [e if e.startswith(".") else "." + e for e in exts]
        return cls(folder, exts, [temp_path(folder, base + e) for e in exts])

    def publish(self, base: str, overwrite: bool = False) -> str:
        """Publish every file as ``base.ext`` or, when a name is taken, under the first
        ``base_duplicate_N`` free for all of them; returns the path of the first."""
        candidate, number = base, 0
        while not self._try(candidate, overwrite):
            number += 1
            candidate = f"{base}_duplicate_{number}"
        return os.path.join(self.folder, candidate + self.exts[0])

    def _try(self, candidate: str, overwrite: bool) -> bool:
        finals = [os.path.join(self.folder, candidate + e) for e in self.exts]
        if not overwrite and any(os.path.lexists(f) for f in finals[1:]):
            return False
        done: list[str] = []
        for temp, final in zip(self.temps, finals):
            try:
                publish(temp, final, overwrite)
            except FileExistsError:
                for own, back in zip(done, self.temps):  # a companion name was taken meanwhile
                    os.replace(own, back)
                return False
            done.append(final)
        return True

    def discard(self) -> None:
        for temp in self.temps:
            discard(temp)


def write_new(folder: str, base: str, ext: str, write: Callable[[str], None],
              overwrite: bool = False) -> str:
    """Write one file through ``write(temp_path)`` and publish it as ``base.ext`` (or the first
    free ``base_duplicate_N.ext``); returns the final path."""
    pending = Pending.create(folder, base, [ext])
    try:
        write(pending.temps[0])
        return pending.publish(base, overwrite)
    finally:
        pending.discard()
