# Sourced by ./test and bench/run: wrk (Debian) drives the HTTP benchmark figures and their smoke tests.
# Installed from Debian's packages when missing and we may; otherwise the figures fall back to the Python load
# generator, and the smoke tests that need wrk skip outside CI and fail in CI (tests/bench/).
if ! command -v wrk >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's wrk for the benchmark figures..." >&2
        (apt-get install -y -qq wrk || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)) \
            >/tmp/banshi-apt-wrk.log 2>&1 || echo "warning: wrk could not be installed (see /tmp/banshi-apt-wrk.log)" >&2
    fi
fi
