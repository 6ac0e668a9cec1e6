# Sourced by ./test: the browser tests drive Debian's Chromium (Playwright never downloads a browser here).
# Installs chromium and a CJK font from Debian's packages when missing and we may; otherwise the browser
# tests skip outside CI and fail in CI (tests/console/conftest.py).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM_PATH:-}" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's chromium and fonts-wqy-zenhei for the browser tests..." >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-zenhei) \
            >/tmp/banshi-apt.log 2>&1 || echo "warning: chromium could not be installed (see /tmp/banshi-apt.log)" >&2
    fi
fi
