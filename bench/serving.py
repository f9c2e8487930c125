"""gunicorn on loopback for the HTTP benchmark and the soak."""

import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@contextmanager
def gunicorn(environment, port, probe_path, *, threads=1):
    """Serve the tracker with two workers until the block ends."""
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tracker.wsgi:application", "--workers", "2",
         "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         # gunicorn.conf.py is read too; its access log would only slow the load test down.
         "--access-logfile", "/dev/null"],
        env=environment, cwd=ROOT,
    )  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{port}{probe_path}")
        yield server
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _wait(url):
    for _ in range(100):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url}")
