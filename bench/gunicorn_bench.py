"""The production server settings (config/gunicorn.py: preload, the post-fork hooks) for the bench figures
(bench/harness.py passes the workers, threads and worker class of the setting it runs on the command line, which
win over these). The access log is the app's (ACCESS_LOG), off under the bench's BANSHI_ENV=testing unless a
figure turns it on, as bench/servers.py does; gunicorn writes none of its own."""

from config.gunicorn import *  # noqa: F401,F403

accesslog = None
