"""Inserted paths and tokens are quoted so the .dgen tokenizer reads them back unchanged."""

import pytest
from hypothesis import given, settings, strategies as st

from dgenerate_core.script.tokens import shell_split
from dgenerate_console.insert.quoting import force_quote, quote_path


def read_back(text):
    return shell_split(text, env=True, expand=True)


@pytest.mark.parametrize("path, quoted", [
    ("/home/me/images/cat.png", "/home/me/images/cat.png"),
    ("/home/me/my images/cat.png", "'/home/me/my images/cat.png'"),
    ("C:\\Users\\me\\cat.png", "'C:\\\\Users\\\\me\\\\cat.png'"),
    ("C:\\Program Files\\x y\\cat.png", "'C:\\\\Program Files\\\\x y\\\\cat.png'"),
    ("/tmp/it's.png", "'/tmp/it\\'s.png'"),
    ('/tmp/say "hi".png', "'/tmp/say \"hi\".png'"),
    ("/tmp/$HOME/a.png", "'/tmp/$HOME/a.png'"),
    ("/tmp/a*b.png", "'/tmp/a*b.png'"),
    ("~/x.png", "'~/x.png'"),
    ("/tmp/#1.png", "'/tmp/#1.png'"),
])
def test_quote_path(path, quoted):
    assert quote_path(path) == quoted
    assert read_back(quote_path(path)) == [path]


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1))
def test_any_path_reads_back_as_one_token(path):
    assert read_back(quote_path(path)) == [path]


def test_force_quote_always_double_quotes():
    assert force_quote("plain") == '"plain"'
    assert read_back(force_quote('a "b" \\ c $HOME %PATH%')) == ['a "b" \\ c $HOME %PATH%']
