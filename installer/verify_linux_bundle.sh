#!/usr/bin/env bash
# Verify the Linux bundle from the bundle ALONE (no venv, no PYTHONPATH, a bare PATH):
#   dgenerate --version, dgenerate --help, a tiny generation from a locally built model, and the
#   console on Xvfb opening a .dgen given on its command line (--run) and running it to an image.
#
#   installer/verify_linux_bundle.sh [--build] [PYTHON]
#     --build   build the bundle first (installer/build_bundle.py), timing it
#     PYTHON    the Python with the project's test dependencies, used ONLY to build the tiny
#               random-weight model (default: .venv/bin/python, else python3)
# Needs Xvfb. Prints the bundle size and the times. .ci/run calls it with --build before the
# tests (see docs/decisions.md, "Bundles").
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
BUILD=0
if [[ "${1:-}" == "--build" ]]; then BUILD=1; shift; fi
PY="${1:-}"
if [[ -z "$PY" ]]; then if [[ -x .venv/bin/python ]]; then PY=.venv/bin/python; else PY=python3; fi; fi

if [[ $BUILD == 1 ]]; then
    start=$(date +%s)
    "$PY" installer/build_bundle.py
    echo "verify: build took $(( $(date +%s) - start )) s"
fi
B="$ROOT/installer/dist/dgenerate"
test -x "$B/dgenerate" && test -x "$B/dgenerate-console" || { echo "verify: no bundle at $B" >&2; exit 1; }
echo "verify: bundle size $(du -sh "$B" | cut -f1)"

WORK="$(mktemp -d)"
XPID=""
CPID=""
cleanup() {
    [[ -n "$CPID" ]] && kill "$CPID" 2>/dev/null || true
    [[ -n "$XPID" ]] && kill "$XPID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
# the bundle's environment: nothing of this checkout or of any venv
bare() { env -i PATH=/usr/bin:/bin HOME="$WORK/home" HF_HUB_OFFLINE=1 LANG=C.UTF-8 ${DISPLAY:+DISPLAY=$DISPLAY} "$@"; }
mkdir -p "$WORK/home"

bare "$B/dgenerate" --version | grep "^dgenerate v" && echo "verify: --version ok"
bare "$B/dgenerate" --help | grep -c -- "--image-seeds" && echo "verify: --help ok"

# a tiny random-weight SD model, built with the project's Python (the bundle has no test code)
PYTHONPATH="$ROOT" "$PY" -c "
import sys, torch
torch.set_num_threads(1)
from tests.tiny_models import _Tokenizers, build_sd
build_sd(_Tokenizers(sys.argv[1] + '/tok')).save_pretrained(sys.argv[1] + '/model')
" "$WORK"
start=$(date +%s)
(cd "$WORK" && bare "$B/dgenerate" "$WORK/model" --device cpu --dtype float32 --output-size 64 \
    --inference-steps 2 --seeds 1 --prompts "a red chair" --output-path "$WORK/cli_out")
ls "$WORK"/cli_out/*.png >/dev/null && echo "verify: tiny generation ok ($(( $(date +%s) - start )) s)"

# the console, on Xvfb, given a .dgen on its command line; --run runs it at once
mkdir -p "$WORK/scripts"
cat > "$WORK/scripts/tiny.dgen" <<DGEN
$WORK/model --device cpu --dtype float32 --output-size 64 --inference-steps 2 --seeds 2 --prompts "a boat" --output-path console_out
DGEN
DISPLAY=:97
Xvfb "$DISPLAY" -screen 0 1280x1024x24 -nolisten tcp >/dev/null 2>&1 &
XPID=$!
sleep 2
export DISPLAY
bare "$B/dgenerate-console" --run "$WORK/scripts/tiny.dgen" >"$WORK/console.log" 2>&1 &
CPID=$!
for _ in $(seq 1 180); do
    if ls "$WORK"/scripts/console_out/*.png >/dev/null 2>&1; then break; fi
    kill -0 "$CPID" 2>/dev/null || break
    sleep 1
done
if ls "$WORK"/scripts/console_out/*.png >/dev/null 2>&1; then
    echo "verify: console ran the .dgen to an image"
else
    echo "verify: the console wrote no image" >&2
    cat "$WORK/console.log" >&2
    exit 1
fi
echo "verify: all checks passed"
