"""gunicorn settings shared by the Procfile and `banshi dev`.

The access log names method, path, status, size and time, never the query string or the referer: they
carry citizens' coordinates (`?lat=&lng=`), search words and references. Its logger writes the tokens of
signed file links and certificate verification paths as `<redacted>` (platform/observability.py).

Memory (bench/README.md, "Web worker memory"): the app is built once in the master (`preload_app`) and the
workers are forked from it, so the imported code, the models' validators and the tables are shared pages
(copy-on-write) rather than one copy per worker. `create_app` opens no connection and starts no thread; the
forked worker still forgets the master's database pools and Redis connections before serving (`post_fork`).
Before each fork the master's objects are moved out of the garbage collector's generations (`gc.freeze`): a
collection in a worker would otherwise write to every object's header and copy the pages they share.
"""

import gc
import sys

accesslog = "-"
logger_class = "miniapp_api.platform.observability.AccessLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
workers = 2
threads = 4
preload_app = True


def pre_fork(server, worker):
    gc.collect()
    gc.freeze()


def post_fork(server, worker):
    # Only what the master loaded (another app under these settings, e.g. the bench's bare Flask, has none).
    for module, holder in (("miniapp_api.platform.db", "db"), ("miniapp_api.platform.queues", "redis_store")):
        if module in sys.modules:
            getattr(sys.modules[module], holder).after_fork()
