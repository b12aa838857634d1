"""``--sub-command civitai-links`` (and ``\\civitai_links``): list the direct download links of
every model file on a CivitAI model page, in the manual's format::

    Models at: https://civitai.com/models/122822?modelVersionId=133832
    ==================================================================
    CCXL (Model): https://civitai.com/api/download/models/133832?format=SafeTensor&size=full&fp=fp16

The page is read through CivitAI's public API (``/api/v1/models/ID`` or, with
``modelVersionId``, ``/api/v1/model-versions/ID``). ``DGENERATE_TEST_CIVITAI_API`` replaces the
API's scheme and host for the tests (a loopback server); it is not a user setting.
"""

from __future__ import annotations

import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Sequence

from dgenerate_core.errors import DgenerateError, UsageError
from dgenerate_core.registries.subcommands import register_sub_command
from dgenerate_core.subcommands.base import SubCommand
from dgenerate_core.subcommands.image_process import _HelpShown, _Parser
from dgenerate_core.webcache import USER_AGENT, offline_from_env

API = "https://civitai.com"
TEST_API_ENV = "DGENERATE_TEST_CIVITAI_API"
DESCRIPTION = ("Fetch the direct download links of every model file on a CivitAI model page. "
               "The links can be given to dgenerate as models, it downloads them into the web "
               "cache.")
_MODEL_PATH = re.compile(r"^/models/(\d+)(?:/[^/]*)?/?$")
#: file metadata that selects the file in a download link, in link order
_LINK_KEYS = ("format", "size", "fp")


def build_parser(prog: str) -> _Parser:
    p = _Parser(prog=prog, description=DESCRIPTION, allow_abbrev=False)
    p.add_argument("urls", nargs="+", metavar="URL",
                   help="CivitAI model page URLs, e.g. https://civitai.com/models/4384/dreamshaper "
                        "or https://civitai.com/models/122822?modelVersionId=133832.")
    p.add_argument("-t", "--token", help="CivitAI API token: used to read the page and appended "
                                         "to every link (token=...).")
    p.add_argument("-ofm", "--offline-mode", action="store_true",
                   help="Download nothing (this sub-command then cannot run).")
    p.add_argument("-v", "--verbose", action="store_true", help="Enable debug output.")
    return p


def parse_page_url(url: str, prog: str) -> tuple[str, str]:
    """``("models" | "model-versions", id)`` of a CivitAI model page URL."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    match = _MODEL_PATH.match(parts.path)
    if parts.scheme not in ("http", "https") or host not in ("civitai.com", "www.civitai.com") \
            or not match:
        raise UsageError(f'{prog}: "{url}" is not a CivitAI model page URL '
                         "(https://civitai.com/models/ID[/NAME][?modelVersionId=ID])")
    version = urllib.parse.parse_qs(parts.query).get("modelVersionId", [""])[0]
    if version:
        if not version.isdigit():
            raise UsageError(f'{prog}: "{url}": modelVersionId must be a number')
        return "model-versions", version
    return "models", match.group(1)


def _get_json(path: str, token: str | None, url: str, prog: str) -> Any:
    base = _api_base()
    headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base}/api/v1/{path}", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as ex:
        raise DgenerateError(f'{prog}: cannot read "{url}": HTTP Error {ex.code}: '
                             f"{ex.reason}") from None
    except (urllib.error.URLError, OSError) as ex:
        raise DgenerateError(f'{prog}: cannot read "{url}": '
                             f"{getattr(ex, 'reason', ex)}") from None
    except ValueError:
        raise DgenerateError(f'{prog}: cannot read "{url}": CivitAI answered something that is '
                             "not JSON") from None


def _api_base() -> str:
    return os.environ.get(TEST_API_ENV, "").rstrip("/") or API


def file_link(file: dict, token: str | None) -> str:
    """The download link of one file: its ``downloadUrl`` with the selecting metadata."""
    parts = urllib.parse.urlsplit(str(file.get("downloadUrl", "")))
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k not in _LINK_KEYS
             and k not in ("type", "token")]
    if file.get("type") and file.get("type") != "Model":
        query.append(("type", str(file["type"])))
    meta = file.get("metadata") or {}
    query += [(k, str(meta[k])) for k in _LINK_KEYS if meta.get(k)]
    if token:
        query.append(("token", token))
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def links_of(data: dict, kind: str, token: str | None) -> list[tuple[str, str]]:
    """``(title, link)`` of every file of the page's versions; titles are made unique with the
    file name."""
    versions = [data] if kind == "model-versions" else list(data.get("modelVersions") or [])
    entries = []
    for version in versions:
        for file in version.get("files") or []:
            title = f"{version.get('name') or data.get('name') or 'model'} " \
                    f"({file.get('type') or 'Model'})"
            entries.append((title, str(file.get("name") or ""), file_link(file, token)))
    counts: dict[str, int] = {}
    for title, _, _ in entries:
        counts[title] = counts.get(title, 0) + 1
    return [(f"{title} {name}".strip() if counts[title] > 1 else title, link)
            for title, name, link in entries]


def civitai_links(args: Sequence[str], prog: str = "civitai-links", offline: bool = False) -> int:
    """Print the links of every page named; returns the exit status."""
    try:
        ns = build_parser(prog).parse_args(list(args))
    except _HelpShown as shown:
        return shown.status
    if offline or ns.offline_mode or offline_from_env():
        raise UsageError(f"{prog}: cannot list CivitAI links in offline mode (it reads the "
                         "CivitAI API)")
    pages = [(url, *parse_page_url(url, prog)) for url in ns.urls]
    blocks = []
    for url, kind, ident in pages:
        data = _get_json(f"{kind}/{ident}", ns.token, url, prog)
        if not isinstance(data, dict):
            raise DgenerateError(f'{prog}: cannot read "{url}": unexpected answer from CivitAI')
        head = f"Models at: {url}"
        lines = [head, "=" * len(head)]
        lines += [f"{title}: {link}" for title, link in links_of(data, kind, ns.token)] \
            or ["(no model files)"]
        blocks.append("\n".join(lines))
    sys.stdout.write("\n\n".join(blocks) + "\n")
    sys.stdout.flush()
    return 0


@register_sub_command
class CivitAILinksSubCommand(SubCommand):
    """Utility to fetch hard links for every model on a CivitAI page.

    API token is optional, it will simply append it to the generated hard links for you.

    Examples:

        dgenerate --sub-command civitai-links https://civitai.com/models/4384/dreamshaper

        dgenerate --sub-command civitai-links https://civitai.com/models/4384/dreamshaper --token $CIVIT_AI_TOKEN

    See: dgenerate --sub-command civitai-links --help
    """

    NAMES = ("civitai-links",)

    def __call__(self) -> int:
        return civitai_links(self.args, "dgenerate --sub-command civitai-links",
                             self.local_files_only)
