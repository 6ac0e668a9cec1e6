"""RQ jobs: functions that take ids, run in an app context, and are safe to run twice."""
