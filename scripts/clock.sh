# Sourced by ./test: Debian's faketime for the runs at 03:00 and 23:30 Shanghai time (CI). Installed from
# Debian's packages when missing and we may; in CI a missing faketime fails the run, elsewhere they are skipped.
if ! command -v faketime >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing Debian's faketime for the night-clock runs..." >&2
        (apt-get install -y -qq faketime || (apt-get update -qq && apt-get install -y -qq faketime)) \
            >/tmp/banshi-apt-faketime.log 2>&1 || echo "warning: faketime could not be installed" >&2
    fi
fi

# The suites that meet the clock (the simulator, the console, jobs and everything that starts workers,
# bookings, reminders, surveys, feedback), run again with the wall clock at 03:00 and at 23:30 in
# Asia/Shanghai. libfaketime fakes this process only: tests/conftest.py drops LD_PRELOAD for its children
# (Chromium, Node, workers, gunicorn, redis-server, which faketime breaks or which run on the test's own
# clock through CLOCK_START), and the monotonic clock stays real so threads wait as they should.
CLOCK_SUITES=(tests/simulator tests/console tests/jobs tests/notifications tests/feedback tests/surveys
              tests/applications tests/appointments tests/ratings tests/identity tests/licences)

clock_runs() {
    local day status=0
    if ! command -v faketime >/dev/null 2>&1; then
        if [ "${CI:-}" = true ]; then echo "faketime is required in CI for the night-clock runs" >&2; return 1; fi
        echo "no faketime: the night-clock runs are skipped" >&2; return 0
    fi
    day=$(date -u +%Y-%m-%d)
    # 19:00 UTC is 03:00 the next morning in Shanghai; 15:30 UTC is 23:30 the same evening.
    for at in "$day 19:00:00" "$day 15:30:00"; do
        echo "=== the clock-sensitive suites with the wall clock at @$at UTC ===" >&2
        FAKETIME_DONT_FAKE_MONOTONIC=1 BANSHI_FAKETIME="$at" faketime -f "@$at" \
            .venv/bin/python -m pytest -p no:cacheprovider "${CLOCK_SUITES[@]}" -q || status=1
    done
    return $status
}
