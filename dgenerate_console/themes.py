"""Colour themes of the console: the window colours and the syntax colours of the editor.

Token colours are keyed by pygments token names without the ``Token.`` prefix ("Comment",
"Name.Variable", "String.Escape" ...); :meth:`Theme.token_colour` falls back to the parent token.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Theme", "THEMES", "DEFAULT_THEME", "get_theme", "theme_names"]

DEFAULT_THEME = "dgenerate"


@dataclass(frozen=True)
class Theme:
    """The colours of one theme (``#rrggbb`` strings)."""

    name: str
    background: str
    foreground: str
    selection_background: str
    selection_foreground: str
    insert: str
    error: str
    info: str
    line_number_background: str
    line_number_foreground: str
    error_line_background: str
    find_highlight_background: str
    tokens: dict[str, str] = field(default_factory=dict)

    def token_colour(self, token: str) -> str | None:
        """The colour of a token name ("Name.Variable.Global"), else of its nearest parent."""
        name = token[len("Token."):] if token.startswith("Token.") else token
        if name.startswith("Literal."):  # pygments' String and Number live under Literal
            name = name[len("Literal."):]
        while name:
            colour = self.tokens.get(name)
            if colour is not None:
                return colour
            name = name.rpartition(".")[0]
        return None

    @property
    def warning(self) -> str:
        """Warnings on stderr: amber, distinct from the error colour (black for ``none``)."""
        if self.name == "none":
            return self.foreground
        return "#e5c07b" if self.dark else "#9a5b00"

    @property
    def echo(self) -> str:
        """Echoed commands: the quiet colour of the line numbers."""
        return self.line_number_foreground

    @property
    def panel(self) -> str:
        """Menus, dialogs and bars: the gutter's background, a shade off the text's."""
        return self.line_number_background

    @property
    def dark(self) -> bool:
        """True when the background is dark (luminance under one half)."""
        r, g, b = (int(self.background[i:i + 2], 16) for i in (1, 3, 5))
        return (0.299 * r + 0.587 * g + 0.114 * b) < 128


def _palette(comment: str, keyword: str, string: str, number: str, option: str, variable: str,
             function: str, model: str, preproc: str, escape: str, operator: str,
             other: str) -> dict[str, str]:
    """Token colours from a theme's main palette entries."""
    return {
        "Comment": comment, "Comment.Hashbang": comment, "Comment.Preproc": preproc,
        "Comment.Multiline": comment,
        "Keyword": keyword, "Keyword.Pseudo": keyword, "Keyword.Constant": number,
        "String": string, "String.Escape": escape,
        "Number": number,
        "Name.Attribute": option, "Name.Other": other, "Name.Tag": function,
        "Name.Variable": variable, "Name.Variable.Global": variable,
        "Name.Function": function, "Name.Class": model,
        "Operator": operator, "Punctuation": operator,
    }


def _theme(name: str, bg: str, fg: str, sel_bg: str, sel_fg: str, cursor: str, error: str,
           info: str, gutter_bg: str, gutter_fg: str, error_line: str, find: str,
           tokens: dict[str, str]) -> Theme:
    return Theme(name, bg, fg, sel_bg, sel_fg, cursor, error, info, gutter_bg, gutter_fg,
                 error_line, find, tokens)


_THEMES = [
    _theme("none", "#ffffff", "#000000", "#c0c0c0", "#000000", "#000000", "#000000", "#000000",
           "#ffffff", "#000000", "#ffd0d0", "#ffff80", {}),
    _theme("dgenerate", "#1e1e24", "#e0e0e6", "#3e4a6b", "#ffffff", "#f0f0f0", "#ff6b6b",
           "#7fd1ff", "#26262e", "#7a7a8a", "#5a1f24", "#6b5a00",
           _palette(comment="#6a9955", keyword="#c586c0", string="#ce9178", number="#b5cea8",
                    option="#4fc1ff", variable="#9cdcfe", function="#dcdcaa", model="#4ec9b0",
                    preproc="#d7ba7d", escape="#d7ba7d", operator="#d4d4d4", other="#8fa8c8")),
    _theme("ayu-dark", "#0b0e14", "#bfbdb6", "#273747", "#e6e1cf", "#e6b450", "#f07178",
           "#59c2ff", "#0d1017", "#5a6378", "#3a1a1e", "#6c5980",
           _palette(comment="#5c6773", keyword="#ff8f40", string="#aad94c", number="#d2a6ff",
                    option="#59c2ff", variable="#f07178", function="#ffb454", model="#95e6cb",
                    preproc="#e6b673", escape="#95e6cb", operator="#f29668", other="#bfbdb6")),
    _theme("ayu-light", "#fcfcfc", "#5c6166", "#d1e4f4", "#5c6166", "#ff9940", "#e65050",
           "#399ee6", "#f8f9fa", "#8a9199", "#ffe0e0", "#ecd9ff",
           _palette(comment="#adaeb1", keyword="#fa8d3e", string="#86b300", number="#a37acc",
                    option="#399ee6", variable="#f07171", function="#f2ae49", model="#4cbf99",
                    preproc="#e6ba7e", escape="#4cbf99", operator="#ed9366", other="#5c6166")),
    _theme("dracula", "#282a36", "#f8f8f2", "#44475a", "#f8f8f2", "#f8f8f0", "#ff5555",
           "#8be9fd", "#21222c", "#6272a4", "#5c2a33", "#665e2a",
           _palette(comment="#6272a4", keyword="#ff79c6", string="#f1fa8c", number="#bd93f9",
                    option="#8be9fd", variable="#ffb86c", function="#50fa7b", model="#8be9fd",
                    preproc="#ff79c6", escape="#ff79c6", operator="#ff79c6", other="#f8f8f2")),
    _theme("github-dark", "#0d1117", "#c9d1d9", "#264f78", "#ffffff", "#c9d1d9", "#f85149",
           "#58a6ff", "#0d1117", "#6e7681", "#4b1c1f", "#5a4b00",
           _palette(comment="#8b949e", keyword="#ff7b72", string="#a5d6ff", number="#79c0ff",
                    option="#79c0ff", variable="#ffa657", function="#d2a8ff", model="#7ee787",
                    preproc="#ff7b72", escape="#79c0ff", operator="#ff7b72", other="#c9d1d9")),
    _theme("mariana", "#303841", "#d8dee9", "#4e5a65", "#ffffff", "#f9ae58", "#ec5f66",
           "#6699cc", "#303841", "#7d8894", "#5a3438", "#6b5a2e",
           _palette(comment="#a6acb9", keyword="#c695c6", string="#99c794", number="#f9ae58",
                    option="#6699cc", variable="#f97b58", function="#5fb4b4", model="#5fb4b4",
                    preproc="#ec5f66", escape="#ec5f66", operator="#f97b58", other="#d8dee9")),
    _theme("monokai", "#272822", "#f8f8f2", "#49483e", "#f8f8f2", "#f8f8f0", "#f92672",
           "#66d9ef", "#2f3029", "#75715e", "#5a1f33", "#5e5a2a",
           _palette(comment="#75715e", keyword="#f92672", string="#e6db74", number="#ae81ff",
                    option="#66d9ef", variable="#fd971f", function="#a6e22e", model="#a6e22e",
                    preproc="#f92672", escape="#ae81ff", operator="#f92672", other="#f8f8f2")),
    _theme("nord", "#2e3440", "#d8dee9", "#434c5e", "#eceff4", "#d8dee9", "#bf616a",
           "#88c0d0", "#2e3440", "#4c566a", "#4b3038", "#5e5a3a",
           _palette(comment="#616e88", keyword="#81a1c1", string="#a3be8c", number="#b48ead",
                    option="#88c0d0", variable="#d8dee9", function="#88c0d0", model="#8fbcbb",
                    preproc="#5e81ac", escape="#ebcb8b", operator="#81a1c1", other="#d8dee9")),
    _theme("one-dark-pro", "#282c34", "#abb2bf", "#3e4451", "#ffffff", "#528bff", "#e06c75",
           "#61afef", "#282c34", "#495162", "#4f2a30", "#5c5530",
           _palette(comment="#7f848e", keyword="#c678dd", string="#98c379", number="#d19a66",
                    option="#61afef", variable="#e06c75", function="#61afef", model="#e5c07b",
                    preproc="#c678dd", escape="#56b6c2", operator="#56b6c2", other="#abb2bf")),
    _theme("readthedocs", "#fcfcfc", "#404040", "#b8d6f4", "#000000", "#404040", "#c0392b",
           "#2980b9", "#f3f6f6", "#8a8a8a", "#fdecea", "#fff3a0",
           _palette(comment="#8a8a80", keyword="#007020", string="#4070a0", number="#208050",
                    option="#0e84b5", variable="#bb60d5", function="#06287e", model="#0e84b5",
                    preproc="#007020", escape="#4070a0", operator="#666666", other="#404040")),
    _theme("solarized-dark", "#002b36", "#839496", "#073642", "#93a1a1", "#93a1a1", "#dc322f",
           "#268bd2", "#073642", "#586e75", "#3b2030", "#4a4a10",
           _palette(comment="#586e75", keyword="#859900", string="#2aa198", number="#d33682",
                    option="#268bd2", variable="#b58900", function="#268bd2", model="#cb4b16",
                    preproc="#cb4b16", escape="#dc322f", operator="#859900", other="#839496")),
]

THEMES: dict[str, Theme] = {theme.name: theme for theme in _THEMES}


def get_theme(name: str | None) -> Theme:
    """The named theme; an unknown or missing name gives the default theme."""
    return THEMES.get(name or "", THEMES[DEFAULT_THEME])


def theme_names() -> list[str]:
    """Theme names in menu order (``none`` first, then alphabetical)."""
    return ["none"] + sorted(n for n in THEMES if n != "none")
