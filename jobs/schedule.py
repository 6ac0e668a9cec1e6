"""Periodic jobs, declared as data. Cron strings are read in Asia/Shanghai time.

Each entry must be safe to run twice: the scheduler claims every fire time in
Redis so two schedulers enqueue it once, but a job may still be retried.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str          # dotted path of the job function
    cron: str          # minute hour day month weekday, Asia/Shanghai
    queue: str = "sweeps"
    job_timeout: int = 600


SCHEDULE: tuple[Periodic, ...] = (
    Periodic("purge-expired-sessions", "jobs.maintenance.purge_expired_sessions", "30 3 * * *"),
    Periodic("purge-by-retention", "jobs.maintenance.purge_by_retention", "40 3 * * *", job_timeout=3600),
    Periodic("link-business-representatives", "jobs.maintenance.link_business_representatives", "50 2 * * *"),
    # 政策快享: every rule in force against everyone (ages and registration months move on), after the registry
    # link sweep so newly linked representatives hear of their businesses' matches; then the one reminder.
    Periodic("match-policies", "jobs.policies.match_nightly", "20 3 * * *", job_timeout=3600),
    Periodic("policy-reminders", "jobs.policies.remind_and_expire", "0 10 * * *"),
    # Uploads nobody attached within a week, and blobs of requests that died before their record committed.
    Periodic("sweep-files", "jobs.files.sweep_files", "10 4 * * *", job_timeout=3600),
    Periodic("erase-closed-accounts", "jobs.maintenance.erase_closed_accounts", "*/10 * * * *"),
    # Hourly rather than nightly: the new day opens just after midnight, and changed
    # opening hours reach the slots within the hour.
    Periodic("fill-booking-horizons", "jobs.booking.fill_booking_horizons", "5 * * * *"),
    Periodic("mark-no-shows", "jobs.booking.mark_no_shows", "*/5 * * * *"),
    # Every minute: a held seat that runs out should reach the next person at once.
    Periodic("expire-waitlist-offers", "jobs.booking.expire_waitlist_offers", "* * * * *"),
    Periodic("enqueue-due-notifications", "jobs.notifications.enqueue_due_notifications", "* * * * *"),
    Periodic("mark-stuck-notifications", "jobs.notifications.mark_stuck_notifications", "*/5 * * * *"),
    Periodic("dispatch-pending-events", "jobs.events.dispatch_pending_events", "*/5 * * * *"),
    Periodic("flag-overdue-materials", "jobs.applications.flag_overdue_materials", "10 0 * * *"),
    # 09:00 so the reminders are not held back by quiet hours; the sweep catches up on missed days.
    Periodic("licence-expiry-reminders", "jobs.applications.licence_expiry_reminders", "0 9 * * *",
             job_timeout=3600),
    # Hourly in working hours: a 督办 is raised the morning a deadline has passed.
    Periodic("feedback-sla", "jobs.feedback.feedback_sla_sweep", "15 8-18 * * *"),
    Periodic("feedback-unchecked", "jobs.feedback.sweep_unchecked_feedback", "*/15 * * * *"),
    Periodic("rectifications-overdue", "jobs.feedback.rectification_sweep", "20 8 * * *"),
    Periodic("survey-invitations", "jobs.surveys.send_due_invitations", "*/5 * * * *"),
    Periodic("survey-reminders", "jobs.surveys.remind_and_expire", "30 * * * *"),
    Periodic("survey-monthly-campaign", "jobs.surveys.monthly_campaign", "0 10 1 * *"),
    Periodic("survey-quarterly-audit", "jobs.surveys.quarterly_audit", "0 10 1 1,4,7,10 *"),
)
