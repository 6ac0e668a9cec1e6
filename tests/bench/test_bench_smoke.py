"""The benchmarks keep working: a tiny run prints their JSON figure (no timing is asserted)."""

import json
import os
import subprocess
import sys

import pytest

from bench.harness import ROOT

pytestmark = pytest.mark.integration


def needs_wrk(result: subprocess.CompletedProcess) -> None:
    """Figures that only wrk drives: skip without it, but CI installs it (scripts/wrk.sh) and must have it."""
    if "wrk is not installed" in result.stderr:
        if os.environ.get("CI") == "true":
            pytest.fail("wrk is not installed (scripts/wrk.sh installs Debian's package)")
        pytest.skip("wrk is not installed")


def test_read_endpoint_figure_runs_and_reports_its_reference():
    result = subprocess.run([sys.executable, "bench/read_endpoint.py", "--seconds", "0.5", "--clients", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["figure"] == "read_endpoint"
    assert figure["subject_result"]["requests"] > 0 and figure["subject_result"]["errors"] == 0
    assert figure["reference_result"]["requests"] > 0
    assert figure["ratio"] == pytest.approx(figure["subject_result"]["rps"] / figure["reference_result"]["rps"],
                                            abs=0.001)


def test_booking_cpu_figure_counts_the_hot_paths_statements():
    """A booking of a slot its process already knows: the bearer read and three statements, and no job enqueued
    by the web process (the outbox dispatcher takes the confirmation)."""
    result = subprocess.run([sys.executable, "bench/booking_cpu.py", "--count", "20"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["figure"] == "booking_cpu" and figure["bookings"] == 20
    assert figure["statements_per_booking"] == 4 and figure["jobs_enqueued_per_booking"] == 0
    assert figure["cpu_ms_per_booking"] > 0


def test_console_window_figure_renders_the_full_queue_against_a_page_of_the_same_size():
    result = subprocess.run([sys.executable, "bench/console_window.py", "--seconds", "0.5", "--clients", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["figure"] == "console_window" and figure["page_bytes"] > 10_000
    assert figure["subject_result"]["statuses"] == {"200": figure["subject_result"]["requests"]} != {"200": 0}
    assert figure["reference_result"]["statuses"] == {"200": figure["reference_result"]["requests"]}


def test_booking_figure_runs_and_never_overbooks_the_hot_slot():
    result = subprocess.run([sys.executable, "bench/booking.py", "--seconds", "1", "--clients", "4",
                             "--hot-clients", "12"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["subject_result"]["statuses"].get("201", 0) > 0 and figure["subject_result"]["errors"] == 0
    hot = figure["hot_slot"]
    assert hot["exactly_capacity"] is True and hot["booked"] == hot["capacity"] == 3
    assert hot["slots_over_capacity"] == 0
    assert set(hot["result"]["statuses"]) <= {"201", "409"}


def test_reminder_fan_out_figure_runs_and_counts_exactly_once():
    result = subprocess.run([sys.executable, "bench/reminders.py", "--count", "60"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["statuses"] == {"sent": 60}
    assert figure["delivered"] == 60 and figure["duplicates"] == 0 and figure["lost"] == 0
    assert figure["reference_rate"] > 0 and figure["worker_peak_rss_mb"] > 0


def test_application_progress_figure_runs_against_its_reference():
    result = subprocess.run([sys.executable, "bench/application_progress.py", "--seconds", "0.5", "--clients", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["subject_result"]["statuses"] == {"200": figure["subject_result"]["requests"]}
    assert figure["reference_result"]["requests"] > 0


def test_licence_sweep_figure_reads_due_rows_through_the_index():
    result = subprocess.run([sys.executable, "bench/licence_sweep.py", "--count", "20000"], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    # A plain or bitmap index scan depending on the table's size; never a sequential scan.
    assert any(node.endswith("Index Scan using ix_licence_next_reminder") for node in figure["plan_nodes"])
    assert not any("Seq Scan" in node for node in figure["plan_nodes"])
    assert figure["plan_rows_read"] == figure["due_today"] > 0
    assert figure["notifications"] == figure["reminded"] == figure["due_today"]
    assert figure["second_run_reminded"] == 0


def test_guide_search_figure_reports_hit_rates_and_latency_at_two_sizes():
    result = subprocess.run([sys.executable, "bench/guide.py", "--size", "400", "--large", "900"], cwd=ROOT,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    small, large = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert small["figure"] == "guide search (400 entries)" and large["figure"] == "guide search (900 entries)"
    assert small["questions"] >= 150 and small["top3"] >= 0.9 and small["top1"] >= 0.75
    assert large["p95_ms"] > 0 and large["reference_p95_ms"] > 0 and large["ratio"] > 1


def test_feedback_figures_run_against_their_references():
    result = subprocess.run([sys.executable, "bench/feedback.py", "--seconds", "0.5", "--clients", "2",
                             "--ratings", "5000"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    filing, stats = (json.loads(line) for line in result.stdout.strip().splitlines()[-2:])
    assert filing["figure"] == "feedback_filing" and set(filing["subject_result"]["statuses"]) == {"201"}
    assert stats["figure"] == "rating_stats" and set(stats["subject_result"]["statuses"]) == {"200"}
    assert stats["aggregate"]["aggregate_rows"] <= 365


def test_survey_invitation_figure_schedules_every_event_once():
    result = subprocess.run([sys.executable, "bench/surveys.py", "--count", "3000"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["scheduled"] == 3000 and figure["duplicates"] == 0 and figure["undispatched"] == 0
    assert figure["reference_rate"] > 0


def test_a_short_fault_injection_soak_keeps_every_invariant():
    result = subprocess.run([sys.executable, "bench/soak.py", "--seconds", "15", "--reminders", "1000",
                             "--clients", "4", "--pg-outage", "2", "--redis-pause", "3"], cwd=ROOT,
                            capture_output=True, text=True, timeout=900)
    figure = json.loads([line for line in result.stdout.splitlines() if '"figure"' in line][-1])
    assert figure["events"] == ["web worker SIGKILLed (the master starts another)",
                                "worker SIGKILLed and replaced", "Redis paused (hung) for 3 s",
                                "Redis killed and restarted empty", "PostgreSQL refused connections for 2 s"]
    assert figure["acknowledged_bookings"] > 0 and figure["lost_bookings"] == 0
    assert figure["feedback_load"]["requests"] > 0
    assert figure["unknown_notifications"]["reached_wechat"] <= figure["unknown_notifications"]["rows"]
    assert figure["slots_over_capacity"] == 0 and figure["slots_with_drift"] == 0
    assert figure["duplicates"] == 0 and figure["lost"] == 0 and figure["failed_without_reason"] == 0
    assert figure["readyz_after"] == 200 and figure["booking_after"] in (201, 409)
    line = figure["waitlist"]     # seats freed, held and confirmed through the same faults
    assert line["cancels_acknowledged"] > 0 and line["offers"] > 0 and line["holds"] is True
    assert line["entries_holding_two"] == 0 and line["confirmed_without_booking"] == 0
    assert figure["invariants_hold"] is True and result.returncode == 0


def test_the_report_skips_stray_lines_and_logs_go_to_stderr():
    """bench/run appends every figure script's stdout to results.jsonl: a log line there once crashed the
    report. Logs now go to stderr, and the report keeps only figure lines whatever else it is given."""
    lines = "\n".join([
        '{"event": "calendar.no_data", "level": "warning"}',   # a log line
        "not json at all",
        '{"figure": "read_endpoint", "subject": "GET /api/v1/me", "ratio": 0.2, "target_ratio": 0.5}',
        '{"figure": "booking", "ratio": 0.3, "target_ratio": 0.25',   # cut short
    ])
    report = subprocess.run([sys.executable, "bench/report.py"], input=lines, cwd=ROOT, capture_output=True,
                            text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "read_endpoint" in report.stdout and "calendar" not in report.stdout
    logged = subprocess.run([sys.executable, "-c", "from miniapp_api.platform.observability import "
                             "configure_logging; import structlog; configure_logging(); "
                             "structlog.get_logger('x').warning('calendar.no_data')"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert logged.stdout == "" and "calendar.no_data" in logged.stderr


def test_growth_figure_compares_the_same_loads_before_and_after_the_tables_grow():
    result = subprocess.run([sys.executable, "bench/growth.py", "--seconds", "1", "--clients", "2",
                             "--small-appointments", "100", "--large-appointments", "2000",
                             "--large-notifications", "20000"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    needs_wrk(result)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["figure"] == "growth" and set(figure["ratios"]) == {"booking", "me", "appointments", "messages"}
    for run in (figure["small"], figure["large"]):
        assert run["booking"]["statuses"].get("201", 0) > 0 and run["booking"]["errors"] == 0
        assert run["me"]["statuses"] == {"200": run["me"]["requests"]} != {"200": 0}
    assert figure["ratio"] == min(figure["ratios"].values())


def test_servers_figure_runs_the_same_loads_under_a_named_server():
    result = subprocess.run([sys.executable, "bench/servers.py", "--seconds", "1", "--clients", "2",
                             "--only", "gunicorn-sync-4"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    needs_wrk(result)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert [row["server"] for row in figure["servers"]] == ["gunicorn-sync-4"]
    row = figure["servers"][0]
    assert row["booking"]["statuses"].get("201", 0) > 0 and row["read_me"]["errors"] == 0


def test_policy_matching_figure_matches_once_and_reaches_every_eligible_inbox():
    result = subprocess.run([sys.executable, "bench/policies.py", "--items", "40", "--businesses", "1500",
                             "--citizens", "6000"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["figure"] == "policy matching" and figure["matches"] > 0
    assert figure["second_run_new_matches"] == 0
    assert figure["broad_policy_messages"] == figure["broad_policy_eligible"] > 0
    assert figure["meets_target"] is True


def test_upload_figure_stores_every_photo_and_reports_both_references():
    result = subprocess.run([sys.executable, "bench/uploads.py", "--seconds", "0.5", "--clients", "2"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["subject_result"]["statuses"] == {"201": figure["subject_result"]["requests"]} != {"201": 0}
    assert figure["reference_result"]["statuses"] == {"201": figure["reference_result"]["requests"]}
    assert figure["plain_write_per_second"] > 0 and figure["image_mb"] > 0.5


def test_batch_figure_creates_every_member_and_reports_its_reference():
    result = subprocess.run([sys.executable, "bench/batches.py"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    figure = json.loads(result.stdout.strip().splitlines()[-1])
    assert figure["created"] == figure["members"] == 1000
    assert figure["rate"] > 0 and figure["reference_rate"] > 0
