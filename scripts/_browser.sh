# Sourced by scripts/test: make sure a Chromium for the browser tests is on this machine.
# Debian/Ubuntu's chromium (and its driver) are installed with apt when missing and apt
# is usable (root, or passwordless sudo); otherwise the browser tests skip and say why.
# CRM_NO_BROWSER_INSTALL=1 skips the install attempt. CRM_CHROMIUM names another binary.
ensure_browser() {
  local found
  for found in "${CRM_CHROMIUM:-}" /usr/bin/chromium /usr/bin/chromium-browser; do
    if [ -n "$found" ] && [ -x "$found" ]; then
      export CRM_CHROMIUM="$found"
      return 0
    fi
  done
  if [ -n "${CRM_NO_BROWSER_INSTALL:-}" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "== no Chromium found and no apt to install it: the browser tests will skip"
    return 0
  fi
  local sudo=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "== no Chromium found (install it with: sudo apt-get install chromium): browser tests will skip"
      return 0
    fi
  fi
  echo "== installing Chromium for the browser tests (apt-get install chromium chromium-driver)"
  if $sudo apt-get update -qq >/dev/null 2>&1 &&
     DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1; then
    [ -x /usr/bin/chromium ] && export CRM_CHROMIUM=/usr/bin/chromium
  else
    echo "== could not install Chromium with apt: the browser tests will skip"
  fi
  return 0
}
