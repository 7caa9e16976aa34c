#!/usr/bin/env bash
# Makes sure headless Chromium and its WebDriver are here for the browser tests, and prints the
# chromedriver path on stdout:
#   export CONDUCT_CHROMEDRIVER=$(bash scripts/chromium.sh)
# Debian's own packages (chromium, chromium-driver), never a download by Selenium Manager: the same
# browser on every machine, versions that match each other, and no network at test time.
# Prints nothing and still exits 0 when they cannot be installed (not root, no apt-get, no network):
# this script never fails CI by itself. The `browser` test fixture decides instead — it skips on a
# developer's machine and fails when CI=true, so CI cannot pass without really running the browser tests.
set -uo pipefail

log() { echo "chromium.sh: $*" >&2; }

# chromedriver on PATH, or where Debian puts it; the browser must be there too, or the driver is useless.
driver_path() {
  local driver
  driver=$(command -v chromedriver 2>/dev/null) || driver=/usr/bin/chromedriver
  [ -x "$driver" ] || return 1
  command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || return 1
  echo "$driver"
}

install_chromium() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 || return 1
  log "installing chromium and chromium-driver from the Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  # Recommends would bring desktop services a test never uses; fonts it does need, for Vietnamese
  # letters in the screenshots instead of empty boxes.
  local packages="chromium chromium-driver fonts-dejavu-core fonts-liberation"
  # The package lists of a fresh machine may be stale or empty: refresh them only when the install fails.
  # shellcheck disable=SC2086  # the package names are words on purpose
  apt-get install -y -qq --no-install-recommends $packages >/dev/null 2>&1 \
    || { apt-get update -qq >/dev/null 2>&1 \
         && apt-get install -y -qq --no-install-recommends $packages >/dev/null 2>&1; }
}

main() {
  if ! driver_path >/dev/null; then
    install_chromium || { log "chromium/chromium-driver are not installed and could not be installed"; return 1; }
  fi
  local driver
  driver=$(driver_path) || { log "chromium installed but chromedriver or chromium not found"; return 1; }
  # A driver that does not start (missing libraries, wrong architecture) is as good as none.
  "$driver" --version >/dev/null 2>&1 || { log "$driver does not run"; return 1; }
  echo "$driver"
}

main || true
exit 0
