"""File -> Open / Save / Save As: atomic writes, the title's file name and modified mark, asking
before unsaved changes are lost; Help's local copies; the viewer's help for this platform."""

from __future__ import annotations

import os
import stat

import pytest

from dgenerate_console.documents import atomic_write, window_title


@pytest.fixture
def app(tk_root):
    from dgenerate_console.app import ConsoleApp

    console = ConsoleApp(tk_root, start_interpreter=False)
    yield console
    console.close()


def test_atomic_write_keeps_permissions_and_leaves_nothing_behind(tmp_path):
    target = tmp_path / "a.dgen"
    target.write_text("old\n")
    os.chmod(target, 0o640)
    assert atomic_write(str(target), "new") == str(target)
    assert target.read_text() == "new\n"
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640
    with pytest.raises(OSError):
        atomic_write(str(tmp_path / "missing" / "b.dgen"), "x")
    (tmp_path / "dir.dgen").mkdir()
    with pytest.raises(OSError):  # cannot replace a folder: the temporary file is removed
        atomic_write(str(tmp_path / "dir.dgen"), "x")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.dgen", "dir.dgen"]


def test_title_shows_the_file_and_its_modified_mark(app, tk_root, tmp_path):
    cwd = app.client.cwd
    assert app.root.title() == window_title(cwd, None, False) == f"Dgenerate Console: {cwd}"
    path = tmp_path / "script.dgen"
    path.write_text("\\print one\n")
    app.load_file(str(path))
    tk_root.update()
    assert app.root.title() == f"script.dgen - Dgenerate Console: {cwd}"
    app.editor.text.insert("end", "\\print two")
    tk_root.update()
    assert app.root.title() == f"*script.dgen - Dgenerate Console: {cwd}" and app.modified
    app.save()  # Ctrl+S: the same file, atomically
    tk_root.update()
    assert path.read_text() == "\\print one\n\\print two\n"
    assert app.root.title() == f"script.dgen - Dgenerate Console: {cwd}" and not app.modified
    app.output.flush()
    assert f"Saved {path}\n" in app.output.text.get("1.0", "end")


def test_closing_with_unsaved_changes_asks(app, tk_root, tmp_path):
    path = tmp_path / "keep.dgen"
    path.write_text("\\print a\n")
    app.load_file(str(path))
    app.editor.text.insert("end", "\\print b")
    tk_root.update()
    answers = [None, True]
    asked = []
    app.ask_unsaved = lambda: (asked.append(1), answers.pop(0))[1]
    app.request_close()  # Cancel: the window stays
    assert not app._closed and len(asked) == 1
    app.request_close()  # Yes: saved, then closed
    assert app._closed and path.read_text() == "\\print a\n\\print b\n"


def test_unmodified_single_line_input_closes_without_asking(app):
    app.ask_unsaved = lambda: pytest.fail("nothing to save")
    app.editor.text.insert("end", "\\print typed")
    app.request_close()
    assert app._closed


def test_help_opens_the_local_copy_without_a_browser(app, tk_root, monkeypatch):
    from dgenerate_console import helpdocs

    lines = []
    opener = helpdocs.HelpOpener(tk_root, lines.append, lambda: app.theme,
                                 browser=lambda: False)
    opener.open("Config Documentation", "https://example.invalid/manual")
    window = opener.windows[-1]
    assert "dgenerate" in window.text.get("1.0", "3.0").lower()
    assert lines[-1].startswith("No web browser is available: showing the local copy")
    assert lines[-1].endswith("README.md")
    opener.open("Config Examples", "https://example.invalid/examples")
    assert "tiny_demo.dgen" in opener.windows[-1].text.get("1.0", "end")
    monkeypatch.setattr(helpdocs, "_ROOTS", ())
    opener.open("Config Examples", "https://example.invalid/examples")
    assert lines[-1] == ("No web browser is available and there is no local copy of Config "
                         "Examples: cannot open https://example.invalid/examples")


def test_viewer_help_lists_only_what_this_platform_has():
    from dgenerate_console.viewer.menu import help_text

    assert "Show In Directory" in help_text("Ctrl", True)
    assert "Show In Directory" not in help_text("Ctrl", False)
    assert "Copy Path" in help_text("Ctrl", False)
