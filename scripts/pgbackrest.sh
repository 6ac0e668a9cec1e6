# Sourced by ./test: the backup drill (tests/backup/) runs Debian's pgBackRest against a PostgreSQL it starts.
# Installed from Debian's packages when missing and we may (waiting up to 5 minutes for another apt to finish);
# otherwise the drill skips outside CI and fails in CI.
if ! command -v pgbackrest >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's pgbackrest for the backup drill..." >&2
        _banshi_apt=(apt-get -o DPkg::Lock::Timeout=300 -y -qq)
        (DEBIAN_FRONTEND=noninteractive "${_banshi_apt[@]}" install pgbackrest \
            || ("${_banshi_apt[@]}" update && DEBIAN_FRONTEND=noninteractive "${_banshi_apt[@]}" install pgbackrest)) \
            >/tmp/banshi-apt-pgbackrest.log 2>&1 \
            || echo "warning: pgbackrest could not be installed (see /tmp/banshi-apt-pgbackrest.log)" >&2
        unset _banshi_apt
    fi
fi
