#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests when it is missing and we may
# (root with apt-get), with a small CJK font so the Chinese pages' screenshots show glyphs, not
# boxes. Elsewhere it only says what to do; the e2e tests then skip with a notice.
set -u
have_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; }
[ -x /usr/bin/chromium ] && have_font && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium and a CJK font for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null && exit 0
  [ -x /usr/bin/chromium ] && exit 0  # the font is a nicety; the browser is what tests need
  echo "could not install chromium" >&2
  exit 1
fi
[ -x /usr/bin/chromium ] && exit 0
echo "chromium is missing: install Debian's 'chromium' package to run the browser tests" >&2
exit 0
