# Sourced by ./test. In CI, after a whole-suite run, the suites that meet the clock (the simulator, the
# console, jobs and everything that starts workers, bookings, reminders, surveys, feedback, identity, the
# guidance report's days) run again with the wall clock at 03:00 and at 23:30 in Asia/Shanghai, today.
#
# The project's own clock does it: BANSHI_WALL_CLOCK starts the test process's clock (time-machine) at that
# instant for the whole session, and every process a test starts is given the test's instant (CLOCK_START).
# Debian's libfaketime was tried for this: under it time-machine's running clock jumped by the difference
# between the faked and the real time (4 hours here) and Chromium, Node and the embedded servers broke, so
# it is not used.
CLOCK_SUITES=(tests/simulator tests/console tests/jobs tests/notifications tests/feedback tests/surveys
              tests/applications tests/appointments tests/ratings tests/identity tests/licences tests/guidance
              tests/accounts tests/authority tests/businesses tests/test_miniprogram.py)

clock_runs() {
    # The two runs go side by side (two processes, each with its own database, Redis db and artifacts, and 20 of
    # PostgreSQL's 100 connections for the concurrency tests' threads, tests/concurrency.py): the
    # suites wait on the browser, workers and the network more than on the 2 cores, so together they take
    # little longer than one. Each run's output is printed whole when both are done.
    local day status=0 logs pids=() i=0 at
    day=$(date -u +%Y-%m-%d)
    logs=$(mktemp -d)
    # 19:00 UTC is 03:00 the next morning in Shanghai; 15:30 UTC is 23:30 the same evening.
    for at in "${day}T19:00:00+00:00" "${day}T15:30:00+00:00"; do
        i=$((i + 1))
        BANSHI_WALL_CLOCK="$at" BANSHI_TEST_DATABASE="banshi_clock_$i" BANSHI_TEST_REDIS_DB=$((9 + i)) \
            BANSHI_TEST_MAX_CONNECTIONS=20 \
            TEST_ARTIFACTS="${TEST_ARTIFACTS:-test-artifacts}/clock-$i" \
            .venv/bin/python -m pytest -p no:cacheprovider -q "${CLOCK_SUITES[@]}" >"$logs/$i.log" 2>&1 &
        pids+=($!)
    done
    i=0
    for at in "${day}T19:00:00+00:00" "${day}T15:30:00+00:00"; do
        wait "${pids[$i]}" || status=1
        i=$((i + 1))
        echo "=== the clock-sensitive suites with the wall clock at $at ===" >&2
        cat "$logs/$i.log" >&2
    done
    rm -rf "$logs"
    return $status
}
