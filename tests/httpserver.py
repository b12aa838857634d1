"""A real HTTP server on 127.0.0.1 for download tests (never any other address)."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from typing import Iterator


@contextlib.contextmanager
def serve(handler: type[http.server.BaseHTTPRequestHandler] | functools.partial) -> Iterator[str]:
    """Run ``handler`` on a free loopback port; yields the base URL and stops the server after."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


class _QuietFiles(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def serve_directory(root: str) -> contextlib.AbstractContextManager[str]:
    """Serve the files of ``root`` over HTTP on 127.0.0.1."""
    return serve(functools.partial(_QuietFiles, directory=str(root)))
