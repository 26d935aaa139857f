#!/usr/bin/env bash
# Builds the article editor's bundle (ProseMirror and src/*.js) into the theme's static files,
# from the npm packages pinned in package-lock.json. The built file is committed, so `cargo run`
# and CI need no Node; `build.sh --check` rebuilds into a temporary file and fails if the
# committed bundle differs from what its sources give. Prints the bundle's size and, when
# Chromium and the browser tests' packages are installed, the editor's time to interactive.
set -euo pipefail
cd "$(dirname "$0")"
OUT=../themes/default/static/editor.js

npm ci --no-audit --no-fund --loglevel=error >/dev/null
BUILT="$(mktemp --suffix=.js)"
trap 'rm -f "$BUILT"' EXIT
node_modules/.bin/esbuild src/main.js --bundle --minify --format=iife --target=es2020 \
  --legal-comments=none --charset=utf8 --log-level=warning --outfile="$BUILT"
{
  echo "/* Broadsheet article editor, built by editor/build.sh from editor/src and ProseMirror (MIT). */"
  cat "$BUILT"
} >"$BUILT.with-header"
mv "$BUILT.with-header" "$BUILT"

if [ "${1:-}" = "--check" ]; then
  if ! cmp -s "$BUILT" "$OUT"; then
    echo "themes/default/static/editor.js does not match editor/src: run editor/build.sh" >&2
    exit 1
  fi
  echo "editor bundle matches its sources"
else
  cp "$BUILT" "$OUT"
fi

bytes=$(wc -c <"$OUT")
gzipped=$(gzip -9 -c "$OUT" | wc -c)
echo "editor_bundle_bytes=$bytes"
echo "editor_bundle_gzip_bytes=$gzipped"
if [ -x /usr/bin/chromium ] && [ -d ../e2e/node_modules/playwright-core ]; then
  node measure.mjs "$OUT"
fi
