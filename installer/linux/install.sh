#!/usr/bin/env bash
# Linux: install the bundle (installer/dist/dgenerate, or the folder of a release archive) for the
# current user in ONE command, with the menu entry, the .dgen MIME type and its icon:
#     installer/linux/install.sh [BUNDLE_DIR]          (uninstall: installer/linux/install.sh --uninstall)
# Files: ~/.local/lib/dgenerate/ (the bundle), ~/.local/bin/dgenerate and dgenerate-console
# (links), and the desktop files that "dgenerate-console --install-desktop" writes
# (python -m dgenerate_console.desktop install: ~/.local/share/applications, mime, icons).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
PREFIX="${PREFIX:-$HOME/.local}"
LIB="$PREFIX/lib/dgenerate"
BIN="$PREFIX/bin"

if [[ "${1:-}" == "--uninstall" ]]; then
    if [[ -x "$LIB/dgenerate-console" ]]; then
        "$LIB/dgenerate-console" -m dgenerate_console.desktop uninstall || true
    fi
    rm -f "$BIN/dgenerate" "$BIN/dgenerate-console"
    rm -rf "$LIB"
    echo "dgenerate removed from $PREFIX"
    exit 0
fi

SRC="${1:-}"
if [[ -z "$SRC" ]]; then
    for candidate in "$HERE/../dist/dgenerate" "$HERE/dgenerate" "$HERE"; do
        if [[ -x "$candidate/dgenerate" && -x "$candidate/dgenerate-console" ]]; then SRC="$candidate"; break; fi
    done
fi
if [[ -z "$SRC" || ! -x "$SRC/dgenerate-console" ]]; then
    echo "install.sh: no bundle found; build it with: python installer/build_bundle.py" >&2
    exit 1
fi
SRC="$(cd "$SRC" && pwd)"

mkdir -p "$LIB" "$BIN"
if [[ "$SRC" != "$LIB" ]]; then
    rm -rf "$LIB"
    cp -a "$SRC" "$LIB"
fi
ln -sf "$LIB/dgenerate" "$BIN/dgenerate"
ln -sf "$LIB/dgenerate-console" "$BIN/dgenerate-console"
# the menu entry and MIME type, pointing at the installed console (not at any Python)
"$LIB/dgenerate-console" -m dgenerate_console.desktop install
echo "dgenerate installed in $LIB; commands in $BIN"
case ":$PATH:" in *":$BIN:"*) ;; *) echo "note: add $BIN to your PATH to type dgenerate in a terminal" ;; esac
