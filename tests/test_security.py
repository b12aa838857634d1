"""The guarantees of docs/security.md that no other test file covers: offline mode opens no
socket; absurd sizes are refused before a model loads; non-ASCII digits are not numbers."""

from __future__ import annotations

import socket

import pytest

from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.invoke import invoke_dgenerate
from dgenerate_core.options import parse_args
from dgenerate_core.script import ConfigRunner


@pytest.fixture
def no_network(monkeypatch):
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError("a network connection was attempted in offline mode")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_offline_mode_opens_no_socket(no_network, tmp_path, monkeypatch):
    monkeypatch.setenv("DGENERATE_CACHE", str(tmp_path / "cache"))
    for model in ("https://example.com/model.safetensors", "some-org/some-model"):
        with pytest.raises(DgenerateError):
            invoke_dgenerate([model, "-ofm", "--device", "cpu", "--output-path",
                              str(tmp_path / "out")])
    runner = ConfigRunner(offline=True)
    with pytest.raises(DgenerateError, match="Offline mode"):
        runner.run_string("\\download v https://example.com/x.bin\n")
    with pytest.raises(DgenerateError, match="Offline mode"):
        runner.run_string("\\set v {{ download('https://example.com/y.bin') }}\n")
    assert no_network == []


@pytest.mark.parametrize("args,named", [
    (["--output-size", "65536"], "--output-size 65536x65536"),
    (["--output-size", "16384"], "--output-size 16384x16384"),
    (["--output-size", "4096", "--batch-size", "100000"], "with --batch-size 100000"),
    (["--batch-size", "10000000"], "--batch-size 10000000 (at the default size"),
])
def test_absurd_output_size_refused_before_load(tmp_path, args, named):
    model = tmp_path / "not-a-model"
    model.mkdir()
    with pytest.raises(UsageError) as info:
        invoke_dgenerate([str(model), "--device", "cpu", *args,
                          "--output-path", str(tmp_path / "out")])
    message = str(info.value)
    assert named in message and "estimated" in message and "\n" not in message
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("args", [
    ["--output-size", "\uff18"], ["--output-size", "64x\u0666\u0664"], ["--batch-size", "\uff12"],
    ["--inference-steps", "\u0663"], ["--guidance-scales", "\uff15"], ["--seeds", "\u0967"],
])
def test_non_ascii_digits_are_not_numbers(args):
    with pytest.raises(UsageError, match="expected"):
        parse_args(["model", *args])
