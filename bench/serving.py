"""gunicorn on loopback for the HTTP benchmark and the soak."""

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def gunicorn(environment, port, probe_path, *, threads=None, workers=None):
    """Serve the tracker until the block ends: with the shipped gunicorn.conf.py, or with the
    given number of workers and threads."""
    sizes = [*(["--workers", str(workers)] if workers else []),
             *(["--threads", str(threads)] if threads else [])]  # fmt: skip
    return _serving(
        [sys.executable, "-m", "gunicorn", "tracker.wsgi:application", *sizes,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         # gunicorn.conf.py is read too; its access log would only slow the load test down.
         "--access-logfile", "/dev/null"],
        f"http://127.0.0.1:{port}{probe_path}",
        env=environment,
    )  # fmt: skip


def cpu_seconds(server):
    """CPU time used so far by a server started here: its own, its ended workers' and its
    live workers'. Per request, it is swayed far less than requests per second by whatever
    else the machine is running (Linux only: read from /proc)."""
    ticks = _stat(server.pid)[11:15]  # utime, stime and the ended workers' cutime, cstime
    for worker in Path(f"/proc/{server.pid}/task/{server.pid}/children").read_text().split():
        with contextlib.suppress(FileNotFoundError):  # Ended since it was listed.
            ticks += _stat(worker)[11:13]
    return sum(int(tick) for tick in ticks) / os.sysconf("SC_CLK_TCK")


def _stat(pid):
    """The fields of /proc/PID/stat after the command name (which may hold spaces)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def datasette(database, port, probe_path):
    """Serve a SQLite file with Datasette (one process) until the block ends: the peer the
    tracker's pages and downloads are compared with. Query CSVs may return every row."""
    return _serving(
        [sys.executable, "-m", "datasette", "serve", str(database), "--port", str(port),
         "--host", "127.0.0.1", "--setting", "max_returned_rows", "1000000",
         "--setting", "sql_time_limit_ms", "60000", "--setting", "num_sql_threads", "4"],
        f"http://127.0.0.1:{port}{probe_path}",
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


@contextmanager
def _serving(command, probe_url, **popen):
    """Start a server, wait until it answers at `probe_url`, stop it when the block ends."""
    server = subprocess.Popen(command, cwd=ROOT, **popen)
    try:
        _wait(probe_url)
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
    raise RuntimeError(f"the server did not answer at {url}")
