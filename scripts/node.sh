# Sourced by ./test: the reference mini-program's tests run under Node, its pages in Tencent's
# miniprogram-simulate (npm). Installs Debian's nodejs and npm when missing and we may, then the mini-program's
# locked npm packages when they are missing or the lock changed; otherwise those tests skip outside CI and fail
# in CI (tests/test_miniprogram.py).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's nodejs and npm for the mini-program's tests..." >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm) \
            >/tmp/banshi-apt-node.log 2>&1 || echo "warning: nodejs could not be installed (see /tmp/banshi-apt-node.log)" >&2
    fi
fi
if command -v npm >/dev/null 2>&1; then
    _banshi_lock=miniprogram/package-lock.json
    _banshi_stamp=miniprogram/node_modules/.banshi-lock
    if [ ! -f "$_banshi_stamp" ] || ! cmp -s "$_banshi_lock" "$_banshi_stamp"; then
        echo "installing the mini-program's npm packages (npm ci)..." >&2
        if (cd miniprogram && npm ci --no-audit --no-fund --loglevel=error) >/tmp/banshi-npm.log 2>&1; then
            cp "$_banshi_lock" "$_banshi_stamp"
        else
            echo "warning: npm ci failed (see /tmp/banshi-npm.log)" >&2
        fi
    fi
    unset _banshi_lock _banshi_stamp
fi
