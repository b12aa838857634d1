"""Plugin loading: folders, .py files, module names, idempotence, errors naming the path."""

from __future__ import annotations

import sys
import textwrap

import pytest

from dgenerate_core import plugins
from dgenerate_core.errors import DgenerateError


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


def test_load_py_file_runs_once(tmp_path):
    marker = tmp_path / "count.txt"
    src = _write(tmp_path / "p_once.py", f"""
        import pathlib
        p = pathlib.Path({str(marker)!r})
        p.write_text(str(int(p.read_text()) + 1) if p.exists() else "1")
        VALUE = 41
    """)
    first = plugins.load_plugin_modules([str(src)])
    second = plugins.load_plugin_modules([str(src)])
    assert first[0] is second[0] and first[0].VALUE == 41
    assert marker.read_text() == "1"
    assert first[0] in plugins.loaded_modules()


def test_load_package_folder_with_relative_import(tmp_path):
    pkg = tmp_path / "my_pkg_plugin"
    _write(pkg / "helper.py", "ANSWER = 42\n")
    _write(pkg / "__init__.py", "from .helper import ANSWER\n")
    (module,) = plugins.load_plugin_modules([str(pkg)])
    assert module.ANSWER == 42


def test_load_relative_path_from_cwd(tmp_path, monkeypatch):
    _write(tmp_path / "rel_plugin.py", "X = 'rel'\n")
    monkeypatch.chdir(tmp_path)
    (module,) = plugins.load_plugin_modules(["rel_plugin.py"])
    assert module.X == "rel"


def test_load_installed_module_name(tmp_path, monkeypatch):
    _write(tmp_path / "site" / "installed_dgen_plugin.py", "NAME = 'installed'\n")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    (module,) = plugins.load_plugin_modules(["installed_dgen_plugin"])
    assert module.NAME == "installed"
    assert sys.modules["installed_dgen_plugin"] is module


def test_folder_without_init_is_an_error(tmp_path):
    (tmp_path / "noinit").mkdir()
    with pytest.raises(DgenerateError, match='Plugin folder ".*noinit" has no __init__.py'):
        plugins.load_plugin_modules([str(tmp_path / "noinit")])


def test_missing_path_and_module_errors_name_them(tmp_path):
    with pytest.raises(DgenerateError, match='Plugin module ".*missing.py" not found'):
        plugins.load_plugin_modules([str(tmp_path / "missing.py")])
    with pytest.raises(DgenerateError, match='Plugin module "no_such_dgen_module_xyz" not found'):
        plugins.load_plugin_modules(["no_such_dgen_module_xyz"])


def test_error_inside_plugin_names_path_and_error(tmp_path):
    src = _write(tmp_path / "broken_plugin.py", "x = undefined_name\n")
    with pytest.raises(DgenerateError) as info:
        plugins.load_plugin_modules([str(src)])
    message = str(info.value)
    assert "broken_plugin.py" in message and "NameError" in message and "\n" not in message
    bad = _write(tmp_path / "syntax_plugin.py", "def f(:\n")
    with pytest.raises(DgenerateError, match=r"syntax_plugin.py.*SyntaxError.*line 1"):
        plugins.load_plugin_modules([str(bad)])


def test_markers_are_found_with_names_and_help(tmp_path):
    src = _write(tmp_path / "marked_plugin.py", '''
        from dgenerate_core.plugins import directive, template_function

        @directive("say")
        def say(args):
            """Say things."""
            return 0

        @directive
        def bare(args):
            return 0

        @template_function(help="Twice the value.")
        def twice(x):
            return 2 * x
    ''')
    module = plugins._import_path(src, str(src))
    found = {(kind, name, help_text) for kind, name, _, help_text in plugins.plugin_members(module)}
    assert found == {("directive", "say", "Say things."), ("directive", "bare", None),
                     ("function", "twice", "Twice the value.")}
