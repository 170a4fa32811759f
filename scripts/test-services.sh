#!/usr/bin/env bash
# Services the tests start for real (no mocks): Redis. Installs it from Debian's packages when it
# is missing and we may (root with apt-get); otherwise says what to install.
set -euo pipefail
if command -v redis-server >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "setup: installing redis-server (Debian package) for the tests"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  systemctl disable --now redis-server >/dev/null 2>&1 || true   # tests start their own
  exit 0
fi
echo "error: the tests need redis-server. Install it (Debian/Ubuntu: sudo apt-get install redis-server)" >&2
exit 1
