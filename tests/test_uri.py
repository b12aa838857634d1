"""The shared PATH;key=value URI parser."""

import pytest
from hypothesis import given, settings, strategies as st

from dgenerate_core.errors import UsageError
from dgenerate_core.uri import (
    as_bool, as_float, as_int, format_uri, parse_uri, split_parts, unquote,
)


def test_path_only():
    uri = parse_uri("stabilityai/sd-vae")
    assert uri.path == "stabilityai/sd-vae" and uri.args == {} and uri.bare == []


def test_keys_any_order():
    a = parse_uri("AutoencoderKL;model=x/y;dtype=float16;subfolder=vae")
    b = parse_uri("AutoencoderKL;subfolder=vae;dtype=float16;model=x/y")
    assert a.path == b.path == "AutoencoderKL"
    assert a.args == b.args == {"model": "x/y", "dtype": "float16", "subfolder": "vae"}


def test_quoted_values_and_nested_uri():
    uri = parse_uri('unet/path;quantizer="bnb;bits=8";revision=\'main branch\'')
    assert uri.args == {"quantizer": "bnb;bits=8", "revision": "main branch"}
    nested = parse_uri(uri.args["quantizer"], option="--quantizer")
    assert nested.path == "bnb" and nested.get_int("bits") == 8


def test_nested_quotes_of_the_other_kind_survive():
    uri = parse_uri("""x;prompt='a "b;c" d';k=v""")
    assert uri.args == {"prompt": 'a "b;c" d', "k": "v"}


def test_escaped_quote_inside_quotes():
    uri = parse_uri(r'x;prompt="say \"hi\"; now"')
    assert uri.args["prompt"] == 'say "hi"; now'


def test_whitespace_around_parts():
    uri = parse_uri(" path ; scale = 0.5 ;")
    assert uri.path == "path" and uri.args == {"scale": "0.5"}
    assert uri.get_float("scale") == 0.5


def test_quoted_path_with_semicolon():
    assert parse_uri('"dir;x/model.safetensors";scale=1').path == "dir;x/model.safetensors"


def test_url_path_with_equals_sign():
    uri = parse_uri("https://example.com/m.safetensors?download=true;scale=2")
    assert uri.path == "https://example.com/m.safetensors?download=true"
    assert uri.args == {"scale": "2"}


def test_unknown_key_names_option_and_key():
    with pytest.raises(UsageError, match=r"--loras URI: unknown argument 'scael'"):
        parse_uri("x;scael=1", known_keys=("scale", "revision"), option="--loras")


def test_known_keys_accept():
    uri = parse_uri("x;scale=1", known_keys=("scale",), option="--loras")
    assert uri.get("scale") == "1" and uri.get("revision", "main") == "main"


def test_duplicate_key():
    with pytest.raises(UsageError, match="'scale' given more than once"):
        parse_uri("x;scale=1;scale=2", option="--loras")


def test_bare_parts():
    with pytest.raises(UsageError, match="--vae URI: expected key=value"):
        parse_uri("AutoencoderKL;my_vae.safetensors")
    uri = parse_uri("AutoencoderKL;my_vae.safetensors;dtype=float16", allow_bare=True)
    assert uri.bare == ["my_vae.safetensors"] and uri.args == {"dtype": "float16"}


def test_errors():
    with pytest.raises(UsageError, match="unterminated"):
        parse_uri('x;a="open', option="--unet")
    with pytest.raises(UsageError, match="missing path"):
        parse_uri(";a=1")
    with pytest.raises(UsageError, match="missing key"):
        parse_uri("x;=1")


@pytest.mark.parametrize("text, value", [("true", True), ("False", False), ("1", True),
                                         ("0", False), ("yes", True), ("OFF", False)])
def test_as_bool(text, value):
    assert as_bool(text) is value


def test_typed_helpers_name_option_and_key():
    with pytest.raises(UsageError, match=r"--loras URI argument 'scale': expected a number"):
        as_float("big", "scale", "--loras")
    with pytest.raises(UsageError, match=r"--quantizer URI argument 'bits': expected an integer"):
        as_int("8.5", "bits", "--quantizer")
    with pytest.raises(UsageError, match="expected true or false"):
        as_bool("maybe", "extract", "--vae")
    uri = parse_uri("x;extract=true;bits=4", option="--vae")
    assert uri.get_bool("extract") is True and uri.get_int("bits") == 4
    assert uri.get_bool("missing", False) is False


def test_split_parts_and_unquote():
    assert split_parts("a, 'b, c', d", sep=",") == ["a", " 'b, c'", " d"]
    assert unquote("'x'") == "x" and unquote('"x') == '"x'


_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                max_size=10)


@settings(max_examples=80, deadline=None)
@given(path=_TEXT.filter(lambda s: s.strip() == s and s[0] not in "\"'" and "\\" not in s),
       args=st.dictionaries(st.from_regex(r"[a-z][a-z-]{0,6}", fullmatch=True),
                            _TEXT.filter(lambda s: s.strip() == s and "\\" not in s),
                            max_size=3))
def test_format_uri_round_trip(path, args):
    uri = parse_uri(format_uri(path, args))
    assert uri.path == path and uri.args == args


def test_quote_inside_a_word_is_literal():
    uri = parse_uri("O'Brien/model;prompt=it's")
    assert uri.path == "O'Brien/model" and uri.args == {"prompt": "it's"}
