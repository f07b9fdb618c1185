#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser tests when it is missing and we may
# (root with apt-get). Elsewhere it only says what to do; the e2e tests then skip with a notice.
set -u
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's chromium for the browser tests"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq chromium >/dev/null && exit 0
  echo "could not install chromium" >&2
  exit 1
fi
echo "chromium is missing: install Debian's 'chromium' package to run the browser tests" >&2
exit 0
