"""The one help-block layout shared by the processor, prompt plugin, quantizer, directive,
function and sub-command help."""

from dgenerate_core.helpwrap import block, paragraphs


def test_prose_is_rewrapped_under_the_indent_at_100_columns():
    lines = paragraphs("word " * 60)
    assert lines[-1] == "" and len(lines) > 3
    assert all(line.startswith("    ") and len(line) <= 100 for line in lines[:-1])


def test_examples_and_lists_keep_their_lines():
    text = """
        Intro text
        that wraps.

        Example:

            dgenerate model --prompts "a"   --seeds 1

        - first item
        - second item
        """
    lines = paragraphs(text)
    assert lines[0] == "    Intro text that wraps."
    assert '        dgenerate model --prompts "a"   --seeds 1' in lines
    assert "    - first item" in lines and "    - second item" in lines


def test_a_block_is_titled_and_underlined_as_wide_as_its_widest_line():
    text = block("name", "x " * 70)
    first, blank, *body, underline = text.split("\n")
    assert first == "name:" and blank == ""
    assert set(underline) == {"="} and len(underline) == max(len(line) for line in body)
