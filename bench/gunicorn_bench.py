"""The production server settings (config/gunicorn.py: preload, the post-fork hooks) without the access log,
for the bench figures: a log line per request would be measured too (bench/harness.py passes the workers,
threads and worker class of the setting it runs on the command line, which win over these)."""

from config.gunicorn import *  # noqa: F401,F403

accesslog = None
