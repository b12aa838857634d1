"""installer/: the files a Windows, macOS or Linux build runner uses, checked by reading them here
(they cannot run on this machine), and the Linux one-command install run for real against a
stand-in bundle folder."""

from __future__ import annotations

import os
import plistlib
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
INSTALLER = ROOT / "installer"


def test_spec_builds_the_two_executables_from_the_entry_scripts():
    spec = (INSTALLER / "dgenerate.spec").read_text(encoding="utf-8")
    compile(spec, "dgenerate.spec", "exec")
    assert 'name="dgenerate"' in spec and 'name="dgenerate-console"' in spec
    for entry in ("entry_cli.py", "entry_console.py"):
        assert entry in spec and (INSTALLER / entry).is_file()
    for data in ('"resources"', '"examples"', '"docs"'):
        assert data in spec  # the console's recipes, schemas, desktop files and Help pages
    # what the first Linux bundle lacked: torchvision's *_stable.so operators, kernels' data,
    # torch.testing._internal (imported by torch.utils.checkpoint)
    assert 'get_package_paths("torchvision")' in spec and '"kernels"' in spec
    assert "torch.testing._internal" not in re.search(r"excludes=\[[^\]]*\]", spec).group(0)


def test_macos_info_plist_declares_the_dgen_document_type_and_uti():
    with open(INSTALLER / "macos" / "Info.plist", "rb") as handle:
        info = plistlib.load(handle)
    assert info["CFBundleExecutable"] == "dgenerate-console"
    # PyInstaller makes an app background-only when the first executable is a console program
    # (dgenerate is); this plist's value wins over that default
    assert info["LSBackgroundOnly"] is False
    (uti,) = info["UTExportedTypeDeclarations"]
    assert uti["UTTypeTagSpecification"]["public.filename-extension"] == ["dgen"]
    assert "public.plain-text" in uti["UTTypeConformsTo"]
    (doc,) = info["CFBundleDocumentTypes"]
    assert doc["LSItemContentTypes"] == [uti["UTTypeIdentifier"]]
    assert doc["CFBundleTypeRole"] == "Editor"


def _iss() -> str:
    return (INSTALLER / "windows" / "dgenerate.iss").read_text(encoding="utf-8")


def test_windows_installer_associates_dgen_with_open_edit_and_run_verbs():
    iss = _iss()
    assert "ChangesAssociations=yes" in iss
    assert re.search(r'Software\\Classes\\\.dgen"; .*ValueData: "\{#ProgId\}"', iss)
    for verb in ("open", "edit", "run"):
        assert f'shell\\{verb}\\command' in iss
    assert '--run ""%1""' in iss  # the Run verb opens and runs at once
    assert "DefaultIcon" in iss


def test_windows_installer_shortcuts_path_and_uninstall():
    iss = _iss()
    assert re.search(r'Name: "\{group\}\\Dgenerate Console"; Filename: "\{app\}\\\{#ConsoleExe\}"', iss)
    assert re.search(r'Name: "\{autodesktop\}.*Tasks: desktopicon', iss)
    assert re.search(r'Name: "desktopicon".*Flags: unchecked', iss)
    assert re.search(r'Name: "addtopath".*Flags: unchecked', iss)  # PATH is an option
    assert "CurUninstallStepChanged" in iss and "RemovePath" in iss
    assert "[UninstallDelete]" in iss and "uninsdeletekey" in iss
    assert re.search(r"AppId=\{\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}", iss)


def test_the_bundles_workflow_builds_on_three_runners():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "bundles.yml").read_text())
    jobs = workflow["jobs"]
    assert {job["runs-on"].split("-")[0] for job in jobs.values()} == {"ubuntu", "windows", "macos"}
    text = yaml.safe_dump(workflow)
    for script in ("installer/verify_linux_bundle.sh", "installer/build_bundle.py",
                   "installer\\windows\\dgenerate.iss", "installer/macos/build_dmg.sh"):
        assert script in text
        assert (ROOT / script.replace("\\", "/")).is_file()


def test_ci_builds_the_bundle_then_runs_the_readmes_test_command():
    """.ci/run installs as the README says, verifies the Linux bundle from the bundle alone, and
    its last command is exactly the README's test command (so pytest's summary closes the run)."""
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    test_command = re.search(r"## Run the tests\s+```bash\n(.+?)\n```", readme).group(1).strip()
    commands = [line.strip() for line in ci.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[-1] == test_command
    assert "bash installer/verify_linux_bundle.sh --build .venv/bin/python" in commands
    assert ci.index("verify_linux_bundle.sh --build") < ci.index(test_command)
    assert ".venv/bin/pip install -q torch==2.14.1 torchvision==0.29.1" in commands
    assert "torch==2.14.1 torchvision==0.29.1" in readme
    # the bundle is built with the venv the test extra made: PyInstaller must be in that extra
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert any("bundle" in item for item in extras["test"] if item.startswith("dgenerate["))
    assert any(item.startswith("pyinstaller") for item in extras["bundle"])


@pytest.mark.parametrize("script", ["verify_linux_bundle.sh", "linux/install.sh", "macos/build_dmg.sh"])
def test_shell_scripts_parse_and_are_executable(script):
    path = INSTALLER / script
    assert path.stat().st_mode & stat.S_IXUSR
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0


def _standin_bundle(folder: Path) -> Path:
    """A folder shaped like the bundle: two executables that run this checkout's entry scripts."""
    folder.mkdir()
    for name, entry in (("dgenerate", "entry_cli.py"), ("dgenerate-console", "entry_console.py")):
        exe = folder / name
        exe.write_text(f'#!/bin/sh\nPYTHONPATH="{ROOT}" exec "{sys.executable}" '
                       f'"{INSTALLER / entry}" "$@"\n')
        exe.chmod(0o755)
    return folder


def test_linux_install_is_one_command_and_uninstalls(tmp_path):
    bundle = _standin_bundle(tmp_path / "bundle")
    env = dict(os.environ, PREFIX=str(tmp_path / "local"), XDG_DATA_HOME=str(tmp_path / "share"),
               HOME=str(tmp_path))
    script = str(INSTALLER / "linux" / "install.sh")
    done = subprocess.run([script, str(bundle)], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    local, share = tmp_path / "local", tmp_path / "share"
    version = subprocess.run([str(local / "bin" / "dgenerate"), "--version"], capture_output=True,
                             text=True, env=env, timeout=60)
    assert version.stdout.startswith("dgenerate v")
    assert (share / "applications" / "dgenerate-console.desktop").is_file()
    assert (share / "mime" / "packages").is_dir()
    done = subprocess.run([script, "--uninstall"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert not (local / "lib" / "dgenerate").exists() and not (local / "bin" / "dgenerate").exists()
    assert not (share / "applications" / "dgenerate-console.desktop").exists()


def test_linux_install_without_a_bundle_says_how_to_build_one(tmp_path):
    env = dict(os.environ, PREFIX=str(tmp_path / "local"), HOME=str(tmp_path))
    done = subprocess.run([str(INSTALLER / "linux" / "install.sh"), str(tmp_path / "none")],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "build_bundle.py" in done.stderr
