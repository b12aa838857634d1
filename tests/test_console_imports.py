"""The console's former import circles stay broken: the menus get the application as a callbacks
object, and the viewer's base imports its menu (never the other way round)."""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")


@pytest.mark.parametrize("upper, lower", [
    ("dgenerate_console.app", "dgenerate_console.menus"),
    ("dgenerate_console.viewer.base", "dgenerate_console.viewer.menu"),
    ("dgenerate_console.client", "dgenerate_core.protocol"),
])
def test_no_import_circle(upper, lower):
    graph = grimp.build_graph("dgenerate_console", "dgenerate_core",
                              include_external_packages=False)
    assert graph.direct_import_exists(importer=upper, imported=lower)
    assert not graph.chain_exists(importer=lower, imported=upper)
