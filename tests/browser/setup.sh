#!/usr/bin/env bash
# Installs the browser tests' one npm package (playwright-core, pinned by package-lock.json) and checks that Debian's
# Chromium is there: Playwright drives that browser and never downloads one of its own.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm >/dev/null || { echo "npm not found: apt-get install nodejs npm" >&2; exit 1; }
[[ -x /usr/lib/chromium/chromium || -x /usr/bin/chromium ]] || { echo "Chromium not found: apt-get install chromium" >&2; exit 1; }
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2
