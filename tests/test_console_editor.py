"""The console's CodeEditor on a real Tk (Xvfb): keys, events, highlighting, find/replace."""

import time

import pytest

pytest.importorskip("tkinter")

from dgenerate_console.editor import CodeEditor  # noqa: E402
from dgenerate_console.editor.find import MATCH_TAG, open_find  # noqa: E402
from dgenerate_console.editor.highlighter import TAG_PREFIX  # noqa: E402
from dgenerate_console.editor.widget import ERROR_TAG  # noqa: E402
from dgenerate_console.themes import THEMES, get_theme  # noqa: E402
from dgenerate_core.script.lexer import ROOT_STATE, lex_line  # noqa: E402

CONTROL, SHIFT = 0x4, 0x1


@pytest.fixture
def editor(tk_root):
    ed = CodeEditor(tk_root, theme=get_theme("dgenerate"))
    ed.pack(fill="both", expand=True)
    events = []
    for name in ("<<Submit>>", "<<HistoryPrevious>>", "<<HistoryNext>>", "<<ToggleMultiline>>"):
        ed.bind(name, lambda e, name=name: events.append(name))
    ed.events = events
    tk_root.update()
    ed.text.focus_force()
    tk_root.update()
    return ed


def press(ed, keysym, state=0):
    ed.text.event_generate("<KeyPress>", keysym=keysym, state=state)
    ed.update()


def type_text(ed, text):
    for ch in text:
        if ch == "#":
            press(ed, "numbersign", SHIFT)
        else:
            press(ed, {" ": "space", "-": "minus"}.get(ch, ch))


def tags_of(ed, index):
    return {t[len(TAG_PREFIX):] for t in ed.text.tag_names(index) if t.startswith(TAG_PREFIX)}


def test_single_line_keys(editor):
    type_text(editor, "abc")
    press(editor, "Return")
    assert editor.events == ["<<Submit>>"]
    assert editor.get_text() == "abc"  # Enter never inserts a newline here
    press(editor, "Up")
    press(editor, "Down")
    press(editor, "Up", CONTROL)  # not with Ctrl
    assert editor.events == ["<<Submit>>", "<<HistoryPrevious>>", "<<HistoryNext>>"]
    press(editor, "Insert")
    assert editor.events[-1] == "<<ToggleMultiline>>"
    editor.text.mark_set("insert", "end-1c")  # Ctrl+Up moved the cursor (the Text default)
    press(editor, "Return", SHIFT)
    assert editor.get_text() == "abc\n"
    assert editor.events.count("<<Submit>>") == 1


def test_multiline_keys_and_gutter(editor, tk_root):
    assert not editor.multiline and not editor.gutter.winfo_ismapped()
    editor.set_multiline(True)
    tk_root.update()
    assert editor.multiline and editor.gutter.winfo_ismapped()
    type_text(editor, "  a")
    press(editor, "Return")
    type_text(editor, "b")
    assert editor.get_text() == "  a\n  b"  # Enter keeps the indentation
    press(editor, "Up")
    assert editor.events == []  # no history paging in multiline mode
    press(editor, "space", CONTROL)
    assert editor.events == ["<<Submit>>"]
    tk_root.update()
    assert editor.gutter.drawn[:2] == [1, 2]
    editor.set_multiline(False)
    tk_root.update()
    assert not editor.gutter.winfo_ismapped()


def test_text_methods(editor):
    editor.set_text("\\print hello")
    assert editor.get_text() == "\\print hello"
    editor.text.tag_add("sel", "1.7", "1.12")
    editor.insert_text("world")
    assert editor.get_text() == "\\print world"
    editor.insert_text("!")
    assert editor.get_text() == "\\print world!"
    editor.clear()
    assert editor.get_text() == ""
    assert not editor.undo()  # set_text/clear reset the undo history


def test_highlighting_tags(editor):
    editor.set_text('\\set name "v $HOME" # note\nmodel --model-type sdxl --output-size 512x512')
    editor.highlighter.flush()
    assert "Keyword" in tags_of(editor, "1.1")
    assert "Name.Variable" in tags_of(editor, "1.6")
    assert "Literal.String.Double" in tags_of(editor, "1.11")
    assert "Name.Variable.Global" in tags_of(editor, "1.14")
    assert "Comment.Single" in tags_of(editor, "1.21")
    assert "Name.Class" in tags_of(editor, "2.0")
    assert "Name.Attribute" in tags_of(editor, "2.7")
    assert "Literal.Number" in tags_of(editor, "2.39")
    colour = editor.text.tag_cget(TAG_PREFIX + "Keyword", "foreground")
    assert colour == THEMES["dgenerate"].tokens["Keyword"]


def test_typing_updates_highlighting(editor, tk_root):
    editor.set_multiline(True)
    editor.set_text("\\print a")
    editor.highlighter.flush()
    editor.text.mark_set("insert", "1.6")
    type_text(editor, " #")
    tk_root.update()
    editor.highlighter.flush()
    assert "Comment.Single" in tags_of(editor, "1.7")
    assert "Comment.Single" in tags_of(editor, "1.9")  # the ' a' after '#' is now comment


def _big_script(lines):
    block = ["\\set prompt \"a photo of a cat\" # comment",
             "stabilityai/stable-diffusion-2-1 --prompts {{ prompt }} \\",
             "    --output-size 512x512",
             "    --inference-steps 30",
             "{% for i in range(2) %}",
             "    \\print {{ i }}",
             "{% endfor %}",
             ""]
    return "\n".join((block * (lines // len(block) + 1))[:lines])


def _expected_states(text):
    states, state = [], ROOT_STATE
    for line in text.split("\n"):
        _, state = lex_line(line, state)
        states.append(state)
    return states


def _tokens_tagged_right(ed, line_numbers):
    text = ed.get_text().split("\n")
    state = ROOT_STATE
    starts = {}
    for number, line in enumerate(text, start=1):
        starts[number] = state
        _, state = lex_line(line, state)
    for number in line_numbers:
        tokens, _ = lex_line(text[number - 1], starts[number])
        col = 0
        for token, value in tokens:
            name = str(token)[len("Token."):]
            want = set() if name.startswith("Text") else {name}
            for k in range(len(value)):  # every character carries exactly its token's tag
                assert tags_of(ed, f"{number}.{col + k}") == want, (number, col, value, name)
            col += len(value)


def test_incremental_highlighting_of_a_5000_line_script(editor, tk_root):
    editor.set_multiline(True)
    script = _big_script(5000)
    editor.set_text(script)
    editor.highlighter.flush()
    assert editor.highlighter.ends == _expected_states(script)
    # a one-character edit near the top re-lexes only a couple of lines
    before = editor.highlighter.relexed
    editor.text.insert("10.3", "x")
    tk_root.update()
    editor.highlighter.flush()
    assert editor.highlighter.relexed - before == 1
    # an edit in the middle that changes the state (a Jinja comment left open) runs on until
    # the states agree again; closing it costs as little again
    before = editor.highlighter.relexed
    editor.text.insert("2501.0", "{# open\n")
    editor.highlighter.flush()
    assert editor.highlighter.relexed - before > 2000
    before = editor.highlighter.relexed
    editor.text.insert("2502.0", "#}")
    editor.highlighter.flush()
    assert editor.highlighter.relexed - before > 2000
    before = editor.highlighter.relexed
    editor.text.insert("2600.0", "\\print y\n")
    editor.text.delete("20.0", "22.0")
    editor.highlighter.flush()
    assert editor.highlighter.relexed - before <= 10
    assert editor.highlighter.ends == _expected_states(editor.get_text())
    _tokens_tagged_right(editor, [1, 2, 3, 9, 10, 11, 2499, 2500, 2501, 2502, 2503, 2598, 2599,
                                  2600, 4998])


def test_chunked_highlighting_stays_interruptible(editor, tk_root):
    editor.set_text(_big_script(5000))
    assert editor.highlighter.pending
    chunks = 0
    give_up = time.monotonic() + 30
    while editor.highlighter.pending and time.monotonic() < give_up:
        tk_root.update()  # the idle job runs in time-boxed chunks between events
        chunks += 1
        time.sleep(0.002)
    assert not editor.highlighter.pending
    assert chunks > 1
    assert editor.highlighter.ends == _expected_states(editor.get_text())


def test_undo_redo(editor):
    editor.set_multiline(True)
    type_text(editor, "ab")
    editor.text.edit_separator()
    type_text(editor, "c")
    press(editor, "z", CONTROL)
    assert editor.get_text() == "ab"
    press(editor, "Z", CONTROL | SHIFT)
    assert editor.get_text() == "abc"
    editor.undo()
    editor.undo()
    assert editor.get_text() == ""
    assert not editor.undo()


def test_mark_error_line(editor):
    editor.set_multiline(True)
    editor.set_text("a\nb\nc")
    editor.mark_error_line(2)
    assert [str(i) for i in editor.text.tag_ranges(ERROR_TAG)] == ["2.0", "3.0"]
    assert editor.error_line == 2
    editor.mark_error_line(99)  # clamped to the last line
    assert str(editor.text.tag_ranges(ERROR_TAG)[0]) == "3.0"
    editor.text.mark_set("insert", "1.0")
    type_text(editor, "x")  # the next edit clears it
    assert editor.text.tag_ranges(ERROR_TAG) == ()
    assert editor.error_line is None


def test_indent_unindent_comment_keys(editor):
    editor.set_multiline(True)
    editor.set_text("a\nb\nc")
    editor.text.tag_add("sel", "1.0", "2.1")
    press(editor, "Tab")
    assert editor.get_text() == "    a\n    b\nc"
    press(editor, "ISO_Left_Tab", SHIFT)
    assert editor.get_text() == "a\nb\nc"
    editor.text.tag_remove("sel", "1.0", "end")
    editor.text.tag_add("sel", "2.0", "3.1")
    press(editor, "numbersign", SHIFT)
    assert editor.get_text() == "a\n# b\n# c"
    editor.text.tag_remove("sel", "1.0", "end")
    editor.text.tag_add("sel", "2.0", "3.1")
    press(editor, "numbersign", SHIFT)
    assert editor.get_text() == "a\nb\nc"
    editor.text.tag_remove("sel", "1.0", "end")
    editor.text.mark_set("insert", "1.1")
    press(editor, "numbersign", SHIFT)  # no selection: an ordinary '#'
    press(editor, "Tab")  # no selection: four spaces
    assert editor.get_text() == "a#    \nb\nc"
    editor.undo()  # the typing is one undo step, each line operation another
    assert editor.get_text() == "a\nb\nc"
    editor.undo()
    assert editor.get_text() == "a\n# b\n# c"


def test_format_code_key_and_undo(editor):
    editor.set_multiline(True)
    editor.set_text("model   \n--seeds 1\n{% if x %}\n\\print y\n{% endif %}")
    press(editor, "F", CONTROL | SHIFT)
    assert editor.get_text() == "model\n    --seeds 1\n{% if x %}\n    \\print y\n{% endif %}"
    editor.highlighter.flush()
    assert "Keyword" in tags_of(editor, "4.5")
    editor.undo()
    assert editor.get_text() == "model   \n--seeds 1\n{% if x %}\n\\print y\n{% endif %}"


def test_theme_and_word_wrap(editor):
    editor.set_text("\\print x # c")
    editor.highlighter.flush()
    editor.set_theme(THEMES["nord"])
    assert editor.text.cget("background") == THEMES["nord"].background
    assert editor.text.tag_cget(TAG_PREFIX + "Comment.Single", "foreground") == \
        THEMES["nord"].tokens["Comment"]
    editor.set_theme(THEMES["none"])
    assert editor.text.tag_cget(TAG_PREFIX + "Comment.Single", "foreground") == ""
    editor.set_word_wrap(False)
    assert editor.text.cget("wrap") == "none" and not editor.word_wrap
    editor.set_word_wrap(True)
    assert editor.text.cget("wrap") == "word"


def test_find_dialog(editor, tk_root):
    editor.set_multiline(True)
    editor.set_text("model a\nModel b\nmodel c")
    press(editor, "f", CONTROL)
    dialog = open_find(editor.text)
    dialog.find_var.set("model")
    assert len(editor.text.tag_ranges(MATCH_TAG)) == 6
    dialog.case_var.set(True)
    assert len(editor.text.tag_ranges(MATCH_TAG)) == 4
    editor.text.mark_set("insert", "1.1")
    assert dialog.find_next()
    assert [str(i) for i in editor.text.tag_ranges("sel")] == ["3.0", "3.5"]
    assert dialog.find_next()  # wraps around
    assert [str(i) for i in editor.text.tag_ranges("sel")] == ["1.0", "1.5"]
    assert dialog.find_previous()
    assert [str(i) for i in editor.text.tag_ranges("sel")] == ["3.0", "3.5"]
    dialog.regex_var.set(True)
    dialog.find_var.set("(")
    assert dialog.status.get().startswith("bad regex")
    assert not dialog.replace_mode
    dialog.close()
    assert editor.text.tag_ranges(MATCH_TAG) == ()


def test_replace(editor):
    editor.set_multiline(True)
    editor.set_text("--seeds 1\n--seeds 22\n--other 3")
    press(editor, "r", CONTROL)
    dialog = open_find(editor.text, replace=True)
    assert dialog.replace_mode
    dialog.regex_var.set(True)
    dialog.find_var.set(r"--(\w+) (\d+)")
    dialog.replace_var.set(r"--\1 \{2}0")
    editor.text.mark_set("insert", "1.0")
    assert dialog.find_next()
    dialog.replace_one()
    assert editor.get_text() == "--seeds 10\n--seeds 22\n--other 3"
    assert dialog.replace_all() == 3
    assert editor.get_text() == "--seeds 100\n--seeds 220\n--other 30"
    editor.undo()  # replace all is one undo step
    assert editor.get_text() == "--seeds 10\n--seeds 22\n--other 3"
    dialog.regex_var.set(False)
    dialog.find_var.set("--")
    dialog.replace_var.set(r"\1")
    dialog.replace_all()
    assert editor.get_text() == "\\1seeds 10\n\\1seeds 22\n\\1other 3"


def test_find_on_a_read_only_text(tk_root):
    import tkinter as tk

    text = tk.Text(tk_root)
    text.pack()
    text.insert("1.0", "error: x\nok\nerror: y")
    text.configure(state="disabled")
    dialog = open_find(text, replace=True)
    assert not dialog.replace_mode  # never replaces in a read-only pane
    dialog.find_var.set("error")
    assert len(text.tag_ranges(MATCH_TAG)) == 4
    assert dialog.find_next()
    assert dialog.replace_all() == 0
    assert text.get("1.0", "end-1c") == "error: x\nok\nerror: y"


@pytest.mark.parametrize("seed", [1234, 7, 99])
def test_random_edits_keep_highlighting_exact(editor, seed):
    import random

    rng = random.Random(seed)
    pieces = ["\n", "{#", "#}", "{{ x }}", "{% if a %}", '"', "'", "\\", " \\\n", "# c",
              "--seeds 1",
              "\\set v", "\n-", "abc", "$HOME", "\n\n"]
    editor.set_multiline(True)
    editor.set_text(_big_script(60))
    for step in range(150):
        end = editor.text.index("end-1c")
        line = rng.randint(1, int(end.split(".")[0]))
        col = rng.randint(0, len(editor.text.get(f"{line}.0", f"{line}.end")))
        where = f"{line}.{col}"
        choice = rng.random()
        if choice < 0.6:
            editor.text.insert(where, rng.choice(pieces))
        elif choice < 0.9:
            editor.text.delete(where, f"{where} + {rng.randint(1, 30)} chars")
        else:
            editor.undo()
        if step % 7 == 0:
            editor.highlighter.flush()
    editor.highlighter.flush()
    assert editor.highlighter.ends == _expected_states(editor.get_text())
    _tokens_tagged_right(editor, range(1, len(editor.get_text().split("\n")) + 1))


def test_column_block_selection(editor, tk_root):
    editor.set_multiline(True)
    editor.set_text("abcdef\nab\nabcdef\nxyz")
    tk_root.update()
    block = editor.block
    x0, y0, _, _ = editor.text.bbox("1.1")
    x1, y1, _, _ = editor.text.bbox("3.4")
    editor.text.event_generate("<Alt-Button-1>", x=x0 + 1, y=y0 + 1)
    editor.text.event_generate("<Alt-B1-Motion>", x=x1 + 1, y=y1 + 1)
    assert block.active
    assert block.block_text() == "bcd\nb\nbcd"
    assert [str(i) for i in editor.text.tag_ranges("sel")] == ["1.1", "1.4", "2.1", "2.2",
                                                               "3.1", "3.4"]
    editor.text.event_generate("<<Copy>>")
    assert editor.text.clipboard_get() == "bcd\nb\nbcd"
    press(editor, "Z", SHIFT)  # typing replaces the block on every row
    assert editor.get_text() == "aZef\naZ\naZef\nxyz"
    press(editor, "Y", SHIFT)  # ... and keeps typing in the column
    assert editor.get_text() == "aZYef\naZY\naZYef\nxyz"
    press(editor, "BackSpace")
    assert editor.get_text() == "aZef\naZ\naZef\nxyz"
    editor.undo()
    assert editor.get_text() == "aZYef\naZY\naZYef\nxyz"
    block.select((1, 0), (2, 1))
    press(editor, "Down", 0x8 | SHIFT)  # Alt+Shift+Down extends the block
    assert block.block_text() == "a\na\na"
    press(editor, "Right", 0x8)  # so does Alt+Right
    assert block.block_text() == "aZ\naZ\naZ"
    press(editor, "Left", 0x8)
    editor.text.event_generate("<<Cut>>")
    assert editor.get_text() == "ZYef\nZY\nZYef\nxyz"
    press(editor, "Escape")
    assert not block.active


def test_line_numbers_follow_scrolling_and_fonts(editor, tk_root):
    editor.set_multiline(True)
    editor.set_text("\n".join(f"line {i}" for i in range(1, 301)))
    editor.text.configure(font="Courier 12")
    tk_root.update()
    assert editor.gutter.drawn[0] == 1
    editor.text.see("250.0")
    tk_root.update()
    assert 250 in editor.gutter.drawn and 1 not in editor.gutter.drawn


def test_characters_outside_the_bmp(editor):
    editor.set_text('\\print "a 😀 b" $HOME 😀 --seeds')
    editor.highlighter.flush()
    # Tk counts the emoji as two columns: tags must still sit on the right characters
    assert "Name.Variable.Global" in tags_of(editor, "1.16")
    assert tags_of(editor, "1.15") == set()
    assert tags_of(editor, "1.21") == set()  # the space after $HOME
    assert "Keyword" in tags_of(editor, "1.0")
    dialog = open_find(editor.text)
    dialog.find_var.set("b")
    editor.text.mark_set("insert", "1.0")
    assert dialog.find_next()
    assert editor.text.get("sel.first", "sel.last") == "b"
    dialog.find_var.set("--seeds")
    assert dialog.find_next()
    assert editor.text.get("sel.first", "sel.last") == "--seeds"
    assert dialog.find_previous()
    assert editor.text.get("sel.first", "sel.last") == "--seeds"
