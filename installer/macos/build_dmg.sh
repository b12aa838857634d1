#!/usr/bin/env bash
# macOS: build the .app (installer/build_bundle.py) and wrap it in a compressed .dmg with an
# Applications link, so the user drags "Dgenerate Console" into Applications.
#     installer/macos/build_dmg.sh            -> installer/dist/dgenerate-<version>-macos-arm64.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
python installer/build_bundle.py
VERSION=$(python -c "import dgenerate_core; print(dgenerate_core.__version__)")
APP="installer/dist/Dgenerate Console.app"
test -x "$APP/Contents/MacOS/dgenerate-console" || { echo "no app at $APP" >&2; exit 1; }
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
cp -R "$APP" "$STAGE/"
ln -s /Applications "$STAGE/Applications"
DMG="installer/dist/dgenerate-$VERSION-macos-arm64.dmg"
rm -f "$DMG"
hdiutil create -volname "Dgenerate $VERSION" -srcfolder "$STAGE" -ov -format UDZO "$DMG"
echo "$DMG"
