"""civitai-links and \\civitai_links against a loopback server answering like the CivitAI API."""

import http.server
import json

import pytest

from dgenerate_core.cli import main
from dgenerate_core.script import ConfigRunner

try:
    from tests.httpserver import serve
except ImportError:  # plain `pytest`: tests/ itself is on sys.path
    from httpserver import serve

DL = "https://civitai.com/api/download/models/"
VERSION = {"id": 133832, "name": "CCXL", "model": {"name": "Crystal Clear XL"}, "files": [
    {"name": "ccxl.safetensors", "type": "Model", "downloadUrl": DL + "133832",
     "metadata": {"format": "SafeTensor", "size": "full", "fp": "fp16"}},
    {"name": "ccxl_vae.safetensors", "type": "VAE", "downloadUrl": DL + "133832?type=VAE",
     "metadata": {"format": "SafeTensor"}},
]}
MODEL = {"id": 122822, "name": "Crystal Clear XL", "modelVersions": [
    VERSION, {"id": 1, "name": "v1", "files": [
        {"name": "a.safetensors", "type": "Model", "downloadUrl": DL + "1",
         "metadata": {"format": "SafeTensor", "size": "pruned", "fp": "fp16"}},
        {"name": "b.ckpt", "type": "Model", "downloadUrl": DL + "1",
         "metadata": {"format": "PickleTensor", "size": "full", "fp": "fp32"}}]}]}


class CivitAI(http.server.BaseHTTPRequestHandler):
    seen: list = []

    def do_GET(self):
        CivitAI.seen.append((self.path, self.headers.get("Authorization")))
        body = {"/api/v1/model-versions/133832": VERSION,
                "/api/v1/models/122822": MODEL}.get(self.path)
        if body is None:
            self.send_response(404)
            self.end_headers()
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def api(monkeypatch):
    CivitAI.seen.clear()
    monkeypatch.delenv("DGENERATE_OFFLINE_MODE", raising=False)
    with serve(CivitAI) as base:
        monkeypatch.setenv("DGENERATE_TEST_CIVITAI_API", base)
        yield base


def test_version_page_in_the_manuals_format(api, capsys):
    url = "https://civitai.com/models/122822?modelVersionId=133832"
    assert main(["--sub-command", "civitai-links", url]) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Models at: {url}", "=" * len(f"Models at: {url}"),
        "CCXL (Model): " + DL + "133832?format=SafeTensor&size=full&fp=fp16",
        "CCXL (VAE): " + DL + "133832?type=VAE&format=SafeTensor"]
    assert CivitAI.seen == [("/api/v1/model-versions/133832", None)]


def test_model_page_lists_every_version_and_token_is_appended(api, capsys):
    url = "https://civitai.com/models/122822/crystal-clear-xl"
    assert main(["--sub-command", "civitai-links", url, "--token", "SECRET"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2] == "CCXL (Model): " + DL + "133832?format=SafeTensor&size=full&fp=fp16" \
                                              "&token=SECRET"
    assert lines[4] == ("v1 (Model) a.safetensors: " + DL
                        + "1?format=SafeTensor&size=pruned&fp=fp16&token=SECRET")
    assert lines[5].startswith("v1 (Model) b.ckpt: " + DL + "1?format=PickleTensor")
    assert CivitAI.seen == [("/api/v1/models/122822", "Bearer SECRET")]


def test_directive_and_errors(api, capsys):
    ConfigRunner().run_string("\\civitai_links https://civitai.com/models/122822?"
                              "modelVersionId=133832\n")
    assert "CCXL (Model): " in capsys.readouterr().out
    for argv, message in [
        (["https://example.com/models/1"], "is not a CivitAI model page URL"),
        (["https://civitai.com/models/999"], "HTTP Error 404"),
        (["https://civitai.com/models/122822", "-ofm"], "cannot list CivitAI links in offline"),
    ]:
        assert main(["--sub-command", "civitai-links", *argv]) != 0
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err
    assert main(["-ofm", "--sub-command", "civitai-links", "https://civitai.com/models/1"]) != 0
    assert "offline mode" in capsys.readouterr().err


def test_help(capsys):
    assert main(["--sub-command", "civitai-links", "--help"]) == 0
    out = capsys.readouterr().out
    assert "--token" in out and "URL" in out
    assert main(["--sub-command-help", "civitai-links"]) == 0
    out = capsys.readouterr().out
    assert "Not supported yet" not in out and "--token $CIVIT_AI_TOKEN" in out
