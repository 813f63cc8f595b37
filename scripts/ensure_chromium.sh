#!/usr/bin/env bash
# Browser tests need Debian's Chromium (Playwright's own browser download does not work offline).
# Installs it with apt-get when it is missing and we are root; otherwise says what to do.
set -eu
if [ -x /usr/bin/chromium ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "installing Debian's chromium for the browser tests (once)..." >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
else
  echo "warning: /usr/bin/chromium is missing: run 'sudo apt-get install chromium' (browser tests will fail)" >&2
fi
