#!/usr/bin/env bash
# Re-vendor the console's front-end libraries from the npm registry (never a CDN at run time).
# Pinned versions; the files are committed, so neither `make demo` nor the tests need npm.
set -euo pipefail
HTMX=2.0.7
ECHARTS=5.6.0
SWAGGER=5.35.0
dest="$(cd "$(dirname "$0")/.." && pwd)/src/finbrain/platform/console/static/vendor"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "htmx.org@$HTMX" "echarts@$ECHARTS" "swagger-ui-dist@$SWAGGER" >/dev/null
mkdir htmx echarts swagger
tar -xzf htmx.org-$HTMX.tgz -C htmx
tar -xzf echarts-$ECHARTS.tgz -C echarts
tar -xzf swagger-ui-dist-$SWAGGER.tgz -C swagger
cp htmx/package/dist/htmx.min.js "$dest/htmx.min.js"
cp echarts/package/dist/echarts.min.js "$dest/echarts.min.js"
cp echarts/package/LICENSE "$dest/LICENSE-echarts"
cp htmx/package/LICENSE "$dest/LICENSE-htmx"
# The API docs page (/docs) must work offline too: Swagger UI served locally.
cp swagger/package/swagger-ui-bundle.js swagger/package/swagger-ui.css "$dest/"
cp swagger/package/LICENSE "$dest/LICENSE-swagger-ui"
{
  echo "htmx.org $HTMX (0BSD) dist/htmx.min.js"
  echo "echarts $ECHARTS (Apache-2.0) dist/echarts.min.js"
  echo "swagger-ui-dist $SWAGGER (Apache-2.0) swagger-ui-bundle.js swagger-ui.css"
  (cd "$dest" && sha256sum htmx.min.js echarts.min.js swagger-ui-bundle.js swagger-ui.css)
} > "$dest/VERSIONS"
cat "$dest/VERSIONS"
