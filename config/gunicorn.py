"""gunicorn settings shared by the Procfile and `banshi dev`.

The access log names method, path, status, size and time, never the query string or the referer: they
carry citizens' coordinates (`?lat=&lng=`), search words and references. Its logger writes the tokens of
signed file links and certificate verification paths as `<redacted>` (platform/observability.py).
"""

accesslog = "-"
logger_class = "miniapp_api.platform.observability.AccessLogger"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
workers = 2
threads = 4
