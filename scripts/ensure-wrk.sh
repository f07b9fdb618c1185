#!/usr/bin/env bash
# Installs Debian's wrk (HTTP load generator) for `make bench AREA=risk` when it is missing and we
# may (root with apt-get). Elsewhere it only says what to do; the HTTP section then skips.
set -u
command -v wrk >/dev/null 2>&1 && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian's wrk for the HTTP benchmark"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null && exit 0
  echo "could not install wrk" >&2
  exit 1
fi
echo "wrk is missing: install Debian's 'wrk' package to run the HTTP benchmark" >&2
exit 0
