"""gunicorn settings shared by the Procfile and `banshi dev`.

The access log names method, path, status, size and time, never the query string or the referer: they
carry citizens' coordinates (`?lat=&lng=`), search words and references.
"""

accesslog = "-"
access_log_format = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
workers = 2
threads = 4
