"""gunicorn settings, named by the Procfile's `web:` line and `banshi dev` (granian was measured and not adopted:
docs/operations.md "Serving").

gunicorn writes no access log of its own: the app writes the privacy-reviewed one (method, path, status, size and
time; never the query string or the referer, which carry citizens' coordinates `?lat=&lng=`, search words and
references; file and certificate tokens `<redacted>`) whatever the server (miniapp_api/platform/observability.py
AccessLog, ACCESS_LOG), so the same line comes out under granian too.

Memory (bench/README.md, "Web worker memory"): the app is built once in the master (`preload_app`) and the
workers are forked from it, so the imported code, the models' validators and the tables are shared pages
(copy-on-write) rather than one copy per worker. `create_app` opens no connection and starts no thread; the
forked worker still forgets the master's database pools and Redis connections before serving (`post_fork`).
Before each fork the master's objects are moved out of the garbage collector's generations (`gc.freeze`): a
collection in a worker would otherwise write to every object's header and copy the pages they share.
"""

import gc
import sys

accesslog = None
workers = 2
threads = 4
worker_class = "gthread"
timeout = 30            # a worker silent this long is killed and replaced
graceful_timeout = 30   # on SIGTERM, requests in flight get this long to finish
preload_app = True


def pre_fork(server, worker):
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    # Only what the master loaded (another app under these settings, e.g. the bench's bare Flask, has none).
    for module, holder in (("miniapp_api.platform.db", "db"), ("miniapp_api.platform.queues", "redis_store")):
        if module in sys.modules:
            getattr(sys.modules[module], holder).after_fork()
