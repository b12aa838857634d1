"""A private Xvfb display, for the console's tests, screenshot script and start-up benchmark."""

from __future__ import annotations

import os
import shutil
import subprocess


class XvfbUnavailable(RuntimeError):
    """Xvfb is not installed or did not start."""


def start_xvfb(screen: str = "1280x1024x24", dpi: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start Xvfb on a free display number (``-displayfd``), at ``dpi`` dots per inch when
    given; returns the process and ``":N"``."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        raise XvfbUnavailable("Xvfb is not installed (apt-get install -y xvfb)")
    read_fd, write_fd = os.pipe()
    extra = ["-dpi", str(int(dpi))] if dpi else []
    proc = subprocess.Popen([xvfb, "-displayfd", str(write_fd), "-screen", "0", screen,
                             "-nolisten", "tcp", *extra], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as stream:
        number = stream.readline().strip()
    if not number:
        proc.kill()
        raise XvfbUnavailable("Xvfb did not start")
    return proc, f":{number}"
