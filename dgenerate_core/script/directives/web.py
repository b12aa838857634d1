r"""\download and \import_plugins."""

from __future__ import annotations

from dgenerate_core.errors import DgenerateError, ScriptError
from dgenerate_core.script.directives.argparser import DirectiveParser
from dgenerate_core.registries import script as registry
from dgenerate_core.registries.script import builtin
from dgenerate_core.script.variables import check_define
from dgenerate_core import plugins, webcache


@builtin("download", r"""
Download a file and store its path in a template variable: \download NAME URL [-o PATH] [-x] [-t]

Without -o the file goes to the web cache ($DGENERATE_CACHE/web) and is reused while it is fresh.
With -o FILE it is written there, and an existing FILE is reused. With -o DIR/ (a trailing slash)
the file goes into that directory, named by the server or the URL. -x / --overwrite always
downloads again. -t / --text allows text/* content, which is refused by default because it is
usually an error or login page.
""", once=True)
def _download(ctx, args: list[str]) -> int:
    parser = DirectiveParser("download")
    parser.add_argument("variable", help="template variable that receives the file path")
    parser.add_argument("url", help="the URL to download")
    parser.add_argument("-o", "--output", default=None,
                        help="a file path, or a directory ending in / (default: the web cache)")
    parser.add_argument("-x", "--overwrite", action="store_true",
                        help="download again even when the file exists")
    parser.add_argument("-t", "--text", action="store_true",
                        help="accept text/* content (refused by default)")
    ns = parser.parse(args)
    if ns is None:
        return 0
    check_define(ns.variable, ctx.reserved, registry.FUNCTIONS)

    try:
        path = webcache.download(ns.url, output=ns.output, overwrite=ns.overwrite,
                                 text=ns.text, offline=ctx.offline)
    except DgenerateError as ex:
        raise ScriptError(f"\\download: {ex}") from None
    ctx.set_variable(ns.variable, path.replace("\\", "/"))
    return 0


@builtin("import_plugins", r"""
Load plugin modules, like --plugin-modules: \import_plugins PATH_OR_MODULE ...

A plugin is a folder with __init__.py, a .py file, or an installed module name. Directives and
template functions it defines are available from the next line on.
""")
def _import_plugins(ctx, args: list[str]) -> int:
    if not args:
        raise ScriptError("\\import_plugins: expected at least one plugin path or module name")

    plugins.load_plugin_modules(args)
    return 0
