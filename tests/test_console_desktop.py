"""Desktop integration: the .desktop entry, the text/x-dgenerate MIME type and the icon, in a temp prefix."""

from __future__ import annotations

import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from PIL import Image

from dgenerate_console import desktop

MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


def entry_keys(text: str) -> dict[str, str]:
    lines = text.splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def test_install_writes_entry_mime_and_icons(tmp_path, capsys):
    prefix = tmp_path / "share"
    assert desktop.main(["install", "--prefix", str(prefix)]) == 0
    out = capsys.readouterr().out
    entry = prefix / "applications" / "dgenerate-console.desktop"
    assert f"Installed: {entry}" in out
    keys = entry_keys(entry.read_text("utf-8"))
    assert keys["Name"] == "Dgenerate Console" and keys["Type"] == "Application"
    assert keys["MimeType"] == "text/x-dgenerate;" and keys["Icon"] == "dgenerate-console"
    assert keys["Exec"].endswith(" %f")
    assert "dgenerate-console" in keys["Exec"] or "-m dgenerate_console" in keys["Exec"]
    if shutil.which("desktop-file-validate"):
        result = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    package = ET.parse(prefix / "mime" / "packages" / "dgenerate-dgen.xml").getroot()
    mime = package.find(f"{MIME_NS}mime-type")
    assert mime.get("type") == "text/x-dgenerate"
    assert mime.find(f"{MIME_NS}glob").get("pattern") == "*.dgen"
    for size in ("48x48", "128x128", "256x256"):
        icon = prefix / "icons" / "hicolor" / size / "apps" / "dgenerate-console.png"
        with Image.open(icon) as image:
            assert f"{image.width}x{image.height}" == size and image.mode == "RGBA"
        assert (prefix / "icons" / "hicolor" / size / "mimetypes" / "text-x-dgenerate.png").is_file()
    if shutil.which("update-mime-database"):              # the database was rebuilt in the prefix
        assert "text/x-dgenerate:*.dgen" in (prefix / "mime" / "globs2").read_text()
    if shutil.which("update-desktop-database"):
        cache = (prefix / "applications" / "mimeinfo.cache").read_text()
        assert "text/x-dgenerate=dgenerate-console.desktop;" in cache


def test_uninstall_removes_the_files(tmp_path, capsys):
    prefix = tmp_path / "share"
    written = desktop.install(prefix, run_tools=False)
    assert len(written) == 8 and all(p.is_file() for p in written)
    assert desktop.main(["uninstall", "--prefix", str(prefix), "--no-update"]) == 0
    assert not any(p.exists() for p in written)
    assert "Removed:" in capsys.readouterr().out
    assert desktop.uninstall(prefix, run_tools=False) == []


def test_xdg_data_home_is_the_default_target(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert desktop.data_home() == tmp_path / "xdg"
    written = desktop.install(run_tools=False)
    assert (tmp_path / "xdg" / "applications" / "dgenerate-console.desktop") in written
    monkeypatch.delenv("XDG_DATA_HOME")
    assert desktop.data_home() == desktop.Path.home() / ".local" / "share"


def test_xdg_mime_default_only_for_the_real_data_home(tmp_path, monkeypatch):
    monkeypatch.setattr(desktop.shutil, "which", lambda name: f"/usr/bin/{name}")
    with_default = desktop._update_commands(tmp_path, set_default=True)
    assert ["xdg-mime", "default", "dgenerate-console.desktop", "text/x-dgenerate"] in with_default
    assert all(c[0] != "xdg-mime" for c in desktop._update_commands(tmp_path, set_default=False))


def test_exec_quoting_and_python_fallback(tmp_path, monkeypatch):
    assert desktop.quote_exec_argument("/usr/bin/dgenerate-console") == "/usr/bin/dgenerate-console"
    assert desktop.quote_exec_argument("/opt/my apps/py$") == '"/opt/my apps/py\\$"'
    assert desktop.quote_exec_argument("100%") == "100%%"
    text = desktop.render_desktop_entry(["/opt/my apps/python", "-m", "dgenerate_console"])
    assert entry_keys(text)["Exec"] == '"/opt/my apps/python" -m dgenerate_console %f'
    monkeypatch.setattr(sys, "executable", str(tmp_path / "bin" / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    assert desktop.launch_command() == [str(tmp_path / "bin" / "python"), "-m", "dgenerate_console"]


def test_bad_action_is_a_usage_error():
    with pytest.raises(SystemExit) as error:
        desktop.main(["reinstall"])
    assert error.value.code == 2
