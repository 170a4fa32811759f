#!/usr/bin/env bash
# What the tests run for real (no mocks): Redis, and Chromium for the demo's browser test.
# Installs missing ones from Debian's packages when we may (root with apt-get); otherwise says
# what to install.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
[ -x "${BOT_CHROMIUM:-/usr/bin/chromium}" ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing ${missing[*]} (Debian packages) for the tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  systemctl disable --now redis-server >/dev/null 2>&1 || true   # tests start their own
  exit 0
fi
echo "error: the tests need: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]});" \
     "for a Chromium elsewhere set BOT_CHROMIUM=/path/to/chromium" >&2
exit 1
