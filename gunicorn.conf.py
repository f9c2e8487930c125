"""gunicorn settings for the tracker, read by `gunicorn tracker.wsgi` from this folder.

Run behind the reverse proxy in deploy/nginx/tracker.conf, which buffers slow
clients' requests and responses: gunicorn's threads then only ever talk to
nginx on loopback. Numbers come from the environment, with defaults for a
small (2-core) machine:

GUNICORN_BIND     address to listen on (default 127.0.0.1:8000: only nginx reaches it)
GUNICORN_WORKERS  processes (default 2)
GUNICORN_THREADS  threads per process (default 4)
GUNICORN_TIMEOUT  seconds a request may take before its worker is restarted (default 30)
"""

import gc
import os


def _positive(name, default):
    value = os.environ.get(name, "").strip() or str(default)
    if not value.isdigit() or int(value) < 1:
        raise SystemExit(f"{name} must be a positive whole number (got {value!r}).")
    return int(value)


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
wsgi_app = "tracker.wsgi:application"

# Threads in a few processes: a thread waiting on PostgreSQL does not hold a process.
worker_class = "gthread"
workers = _positive("GUNICORN_WORKERS", 2)
threads = _positive("GUNICORN_THREADS", 4)

# A request that takes longer than this is stuck: its worker is killed and replaced.
timeout = _positive("GUNICORN_TIMEOUT", 30)
# On restart or deploy, requests in flight get this long to finish.
graceful_timeout = 30
# Idle keep-alive connections (from nginx) are closed after this.
keepalive = 5
# Recycle each process now and then, so a slow leak cannot grow without bound. Not
# often: a new process loads Django again (about a second of CPU) and starts with an
# empty page cache, so it renders each page anew; at a thousand requests a second a
# limit of 2,000 did that every few seconds and was most of the slowest requests.
max_requests = 100_000
max_requests_jitter = 10_000

# Refuse oversized requests before Django sees them: the request line (method, path and
# query), the number of header fields and the size of each.
limit_request_line = 4094
limit_request_fields = 50
limit_request_field_size = 8190

# Trust X-Forwarded-* only from the proxy on this machine.
forwarded_allow_ips = "127.0.0.1,::1"

# One access line per request and the server's own log, both to stdout/stderr.
accesslog = "-"
errorlog = "-"
loglevel = "info"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(f)s" "%(a)s"'


def post_worker_init(worker):
    """Once Django and the tracker are loaded, set their objects aside from the garbage
    collector: a full collection then walks only what requests make, not the whole app,
    and pauses every request in the process for less time."""
    gc.freeze()
