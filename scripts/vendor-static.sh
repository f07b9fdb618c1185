#!/usr/bin/env bash
# Re-vendor the console's front-end libraries from the npm registry (never a CDN at run time).
# Pinned versions; the files are committed, so neither `make demo` nor the tests need npm.
set -euo pipefail
HTMX=2.0.7
ECHARTS=5.6.0
dest="$(cd "$(dirname "$0")/.." && pwd)/src/finbrain/platform/console/static/vendor"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX" "echarts@$ECHARTS" >/dev/null
mkdir htmx echarts
tar -xzf htmx.org-$HTMX.tgz -C htmx
tar -xzf echarts-$ECHARTS.tgz -C echarts
cp htmx/package/dist/htmx.min.js "$dest/htmx.min.js"
cp echarts/package/dist/echarts.min.js "$dest/echarts.min.js"
cp echarts/package/LICENSE "$dest/LICENSE-echarts"
cp htmx/package/LICENSE "$dest/LICENSE-htmx"
{
  echo "htmx.org $HTMX (0BSD) dist/htmx.min.js"
  echo "echarts $ECHARTS (Apache-2.0) dist/echarts.min.js"
  (cd "$dest" && sha256sum htmx.min.js echarts.min.js)
} > "$dest/VERSIONS"
cat "$dest/VERSIONS"
