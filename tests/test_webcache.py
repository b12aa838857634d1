"""The web cache against a real HTTP server on 127.0.0.1: naming, traversal, expiry, offline, errors."""

from __future__ import annotations

import http.server
import json
import os
import time
from pathlib import Path

import pytest

from dgenerate_core import webcache
from dgenerate_core.errors import DgenerateError
from tests.httpserver import serve

ROUTES = {
    "/model.bin": ("application/octet-stream", None, b"\x00\x01weights"),
    "/cd": ("application/octet-stream", 'attachment; filename="nice model.safetensors"', b"cd-body"),
    "/rfc": ("application/octet-stream", "attachment; filename*=UTF-8''caf%C3%A9.bin", b"rfc"),
    "/evil": ("application/octet-stream", 'attachment; filename="../../../outside.bin"', b"evil"),
    "/evil-abs": ("application/octet-stream", 'attachment; filename="/tmp/abs-evil.bin"', b"abs"),
    "/evil-dots": ("application/octet-stream", 'attachment; filename=".."', b"dots"),
    "/page": ("text/html; charset=utf-8", None, b"<html>login</html>"),
    "/notes.txt": ("text/plain", None, b"some text"),
    "/img.png": ("image/png", None, b"\x89PNG fake"),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    hits: dict[str, int] = {}

    def do_GET(self):  # noqa: N802 (http.server naming)
        path = self.path.split("?")[0]
        _Handler.hits[path] = _Handler.hits.get(path, 0) + 1
        if path not in ROUTES:
            self.send_error(404, "Not Found")
            return
        mime, disposition, body = ROUTES[path]
        self.send_response(200)
        self.send_header("Content-Type", mime)
        if disposition:
            self.send_header("Content-Disposition", disposition)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    with serve(_Handler) as url:
        yield url


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch):
    monkeypatch.delenv("DGENERATE_OFFLINE_MODE", raising=False)
    monkeypatch.delenv("DGENERATE_WEB_CACHE_EXPIRY_DELTA", raising=False)
    monkeypatch.delenv("CIVIT_AI_TOKEN", raising=False)
    _Handler.hits.clear()


def test_cache_lives_under_dgenerate_cache(server, tmp_path, monkeypatch):
    monkeypatch.setenv("DGENERATE_CACHE", str(tmp_path / "c"))
    path = webcache.fetch(server + "/model.bin")
    assert Path(path).read_bytes() == b"\x00\x01weights"
    assert Path(path).name == "model.bin"
    assert Path(path).parent.parent == tmp_path / "c" / "web"


def test_default_cache_root_is_home_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("DGENERATE_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert webcache.cache_dir() == tmp_path / ".cache" / "dgenerate" / "web"


def test_second_fetch_is_a_cache_hit_and_overwrite_refetches(server):
    first = webcache.fetch(server + "/model.bin")
    second = webcache.fetch(server + "/model.bin")
    assert first == second and _Handler.hits["/model.bin"] == 1
    webcache.fetch(server + "/model.bin", overwrite=True)
    assert _Handler.hits["/model.bin"] == 2


def test_content_disposition_names_the_file(server):
    assert Path(webcache.fetch(server + "/cd")).name == "nice model.safetensors"
    assert Path(webcache.fetch(server + "/rfc")).name == "café.bin"


@pytest.mark.parametrize("route", ["/evil", "/evil-abs", "/evil-dots"])
def test_traversal_in_content_disposition_stays_inside_the_cache(server, tmp_path, route):
    path = Path(webcache.fetch(server + route))
    assert webcache.cache_dir() in path.parents
    assert path.parent.parent == webcache.cache_dir()
    assert ".." not in path.name and path.is_file()


def test_traversal_stays_inside_an_output_folder(server, tmp_path):
    out = tmp_path / "models"
    path = Path(webcache.download(server + "/evil", output=str(out) + "/"))
    assert path.parent == out and path.name == "outside.bin"
    assert not (tmp_path.parent / "outside.bin").exists()


def test_http_404_is_one_clear_line(server):
    with pytest.raises(DgenerateError) as info:
        webcache.fetch(server + "/nothing-here")
    message = str(info.value)
    assert "\n" not in message
    assert "404" in message and "/nothing-here" in message


def test_connection_refused_is_a_clear_error():
    with pytest.raises(DgenerateError, match="Failed to download"):
        webcache.fetch("http://127.0.0.1:9/x.bin")


def test_offline_hit_and_miss(server, monkeypatch):
    path = webcache.fetch(server + "/model.bin")
    assert webcache.fetch(server + "/model.bin", offline=True) == path
    with pytest.raises(DgenerateError, match="Offline mode.*not in the web cache"):
        webcache.fetch(server + "/img.png", offline=True)
    monkeypatch.setenv("DGENERATE_OFFLINE_MODE", "1")
    with pytest.raises(DgenerateError, match="Offline mode"):
        webcache.download(server + "/cd")
    assert _Handler.hits.get("/cd") is None


def test_expiry_removes_old_entries_and_refetches(server, monkeypatch):
    monkeypatch.setenv("DGENERATE_WEB_CACHE_EXPIRY_DELTA", "hours=1")
    path = Path(webcache.fetch(server + "/model.bin"))
    entry_file = path.parent / webcache.ENTRY_FILE
    record = json.loads(entry_file.read_text())
    record["time"] = time.time() - 2 * 3600
    entry_file.write_text(json.dumps(record))
    assert webcache.clear_expired() == 1
    assert not path.exists()
    webcache.fetch(server + "/model.bin")
    assert _Handler.hits["/model.bin"] == 2


def test_forever_never_expires(server, monkeypatch):
    monkeypatch.setenv("DGENERATE_WEB_CACHE_EXPIRY_DELTA", "forever")
    path = Path(webcache.fetch(server + "/model.bin"))
    assert webcache.clear_expired(now=time.time() + 10 * 365 * 86400) == 0
    assert path.exists()


def test_parse_expiry_forms():
    import datetime

    assert webcache.parse_expiry(None) == datetime.timedelta(hours=12)
    assert webcache.parse_expiry("days=7;hours=1") == datetime.timedelta(days=7, hours=1)
    assert webcache.parse_expiry('"days=5; hours=6"') == datetime.timedelta(days=5, hours=6)
    assert webcache.parse_expiry("weeks=0.5") == datetime.timedelta(days=3.5)
    assert webcache.parse_expiry("") is None
    assert webcache.parse_expiry("forever") is None
    for bad in ("fortnights=2", "days", "days=x"):
        with pytest.raises(DgenerateError, match="DGENERATE_WEB_CACHE_EXPIRY_DELTA"):
            webcache.parse_expiry(bad)


def test_download_text_mimetype_is_refused_unless_text(server):
    with pytest.raises(DgenerateError, match="text mimetype.*-t/--text"):
        webcache.download(server + "/page")
    path = webcache.download(server + "/notes.txt", text=True)
    assert Path(path).read_text() == "some text"


def test_download_to_file_reuses_unless_overwrite(server, tmp_path):
    target = tmp_path / "sub" / "m.bin"
    path = webcache.download(server + "/model.bin", output=str(target))
    assert path == target.as_posix() and target.read_bytes() == b"\x00\x01weights"
    target.write_bytes(b"local edit")
    webcache.download(server + "/model.bin", output=str(target))
    assert target.read_bytes() == b"local edit" and _Handler.hits["/model.bin"] == 1
    webcache.download(server + "/model.bin", output=str(target), overwrite=True)
    assert target.read_bytes() == b"\x00\x01weights"


def test_download_to_directory_names_from_content_disposition(server, tmp_path):
    path = webcache.download(server + "/cd", output=str(tmp_path / "d") + "/")
    assert Path(path) == tmp_path / "d" / "nice model.safetensors"
    path2 = webcache.download(server + "/img.png", output=str(tmp_path / "d") + "\\")
    assert Path(path2).name == "img.png"


def test_download_returns_absolute_posix_path_for_relative_output(server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    path = webcache.download(server + "/img.png", output="rel/x.png")
    assert os.path.isabs(path) and path == (tmp_path / "rel" / "x.png").as_posix()


def test_offline_download_to_file_copies_from_cache(server, tmp_path):
    webcache.fetch(server + "/model.bin")
    out = webcache.download(server + "/model.bin", output=str(tmp_path / "copy.bin"), offline=True)
    assert Path(out).read_bytes() == b"\x00\x01weights" and _Handler.hits["/model.bin"] == 1


def test_mime_acceptable_check(server):
    with pytest.raises(DgenerateError, match="unacceptable mimetype"):
        webcache.fetch(server + "/page", mime_acceptable=webcache.accept_prefixes(["image/"]))
    assert webcache.fetch(server + "/img.png", mime_acceptable=webcache.accept_prefixes(["image/"]))


def test_not_a_url_is_refused():
    with pytest.raises(DgenerateError, match="only http"):
        webcache.download("ftp://example.com/x")


def test_sanitize_filename():
    assert webcache.sanitize_filename("../../x.bin") == "x.bin"
    assert webcache.sanitize_filename("C:\\Windows\\evil.dll") == "evil.dll"
    assert webcache.sanitize_filename("a:b?.bin") == "a_b_.bin"
    assert webcache.sanitize_filename("..") is None
    assert webcache.filename_from_url("http://h/a/b%20c.bin?x=1") == "b c.bin"
    assert webcache.filename_from_url("http://h/") == "download"


def test_civitai_token(monkeypatch):
    url = "https://civitai.com/api/download/models/1?type=Model"
    assert webcache.with_civitai_token(url) == url
    monkeypatch.setenv("CIVIT_AI_TOKEN", "abc")
    assert webcache.with_civitai_token(url).endswith("type=Model&token=abc")
    assert webcache.with_civitai_token(url + "&token=x").endswith("token=x")
    assert webcache.with_civitai_token("https://example.com/api/download/1") == \
        "https://example.com/api/download/1"


def test_download_directive_and_function_in_a_script(server, tmp_path, monkeypatch, capsys):
    from dgenerate_core.script import ConfigRunner

    monkeypatch.chdir(tmp_path)
    runner = ConfigRunner()
    runner.run_string(
        f"\\download a {server}/model.bin\n"
        f"\\download b {server}/cd -o models/\n"
        f"\\print {{{{ a }}}}|{{{{ b }}}}|{{{{ download('{server}/img.png', output='x.png') }}}}\n")
    a, b, c = capsys.readouterr().out.strip().split("|")
    assert Path(a).parent.parent == webcache.cache_dir()
    assert Path(b) == tmp_path / "models" / "nice model.safetensors"
    assert Path(c) == tmp_path / "x.png" and Path(c).read_bytes() == b"\x89PNG fake"
    with pytest.raises(DgenerateError, match="text mimetype"):
        runner.run_string(f"\\download p {server}/page\n")
    offline = ConfigRunner(offline=True)
    with pytest.raises(DgenerateError, match="Offline mode"):
        offline.run_string(f"\\download p {server}/notes.txt -t\n")


def test_downloads_follow_the_umask(server, tmp_path):
    old = os.umask(0o022)
    try:
        cached = Path(webcache.fetch(server + "/model.bin", overwrite=True))
        copied = Path(webcache.download(server + "/cd", output=str(tmp_path / "d") + "/"))
    finally:
        os.umask(old)
    for path in (cached, copied):
        assert path.stat().st_mode & 0o777 == 0o644, oct(path.stat().st_mode)
    assert not [p for p in (tmp_path / "d").iterdir() if p.name.startswith(".")]
