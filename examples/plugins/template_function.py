"""Example template function plugin: ``{{ example_shout("hi", 2) }}`` or ``\\setp x example_shout("hi")``."""

from dgenerate_core.plugins import template_function


@template_function("example_shout")
def shout(text: str, times: int = 1) -> str:
    """Upper-case TEXT and repeat it TIMES times, separated by spaces."""
    return " ".join([str(text).upper()] * int(times))
