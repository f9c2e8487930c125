"""`make slowclient`: do slow-header clients take the site offline? Directly and behind nginx.

Serves a fresh SQLite database with gunicorn as gunicorn.conf.py configures it,
and again behind nginx with deploy/nginx/tracker.conf (TLS left out: plain HTTP
on loopback, everything else as shipped). Meanwhile N clients open connections
and send their request headers one line every few seconds, reconnecting when
the server hangs up, while a probe asks for the scorecard once a second. Reports
how many probes were answered. Everything runs on 127.0.0.1 and stops by itself.
"""

import argparse
import json
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN_PORT = 8771
NGINX_PORT = 8772


def environment(folder):
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{folder}/db.sqlite3",
        "SECRET_KEY": "slow-client-test-only-secret-key",
        "HTTPS": "0",
        "BEHIND_PROXY": "1",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "GUNICORN_BIND": f"127.0.0.1:{GUNICORN_PORT}",
        "PYTHONWARNINGS": "ignore",
    }


def nginx_site(static_root):
    """The shipped site, on plain HTTP on loopback in front of the test's gunicorn."""
    site = (ROOT / "deploy/nginx/tracker.conf").read_text(encoding="utf-8")
    site = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", site, count=1, flags=re.S)
    site = re.sub(r"\s*listen \[::\]:443[^;]*;", "", site)
    site = re.sub(r"listen 443[^;]*;", f"listen 127.0.0.1:{NGINX_PORT};", site)
    site = re.sub(r"\s*ssl_certificate(_key)?\s[^;]*;", "", site)
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{GUNICORN_PORT};")
    return site.replace("/srv/tracker/staticfiles/", f"{static_root}/")


def nginx_conf(folder):
    temp = {name: Path(folder, name) for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir()
    Path(folder, "tracker.conf").write_text(nginx_site(ROOT / "tracker/static"))
    conf = Path(folder, "nginx.conf")
    conf.write_text(
        f"""daemon off;
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/nginx-error.log warn;
events {{ worker_connections 512; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path {temp["body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};
    include {folder}/tracker.conf;
}}
"""
    )
    return conf


def slow_client(port, stop, interval, counts):
    """Dribble request headers, one line per interval; reconnect whenever the server hangs up."""
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as connection:
                counts["connections"] += 1
                connection.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                line = 0
                while not stop.wait(interval):
                    line += 1
                    connection.sendall(f"X-Slow-{line}: {'x' * 20}\r\n".encode())
        except OSError:
            counts["hung_up"] += 1
            stop.wait(0.5)


def probe(port, seconds):
    answered, latencies, total = 0, [], 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        total += 1
        start = time.monotonic()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3) as response:
                if response.status == 200:
                    answered += 1
                    latencies.append(time.monotonic() - start)
        except OSError:
            pass
        time.sleep(max(0.0, 1 - (time.monotonic() - start)))
    return {
        "probes": total,
        "answered": answered,
        "median_ms": round(1000 * statistics.median(latencies)) if latencies else None,
    }


def attack(port, clients, seconds, interval):
    stop = threading.Event()
    counts = {"connections": 0, "hung_up": 0}
    threads = [
        threading.Thread(target=slow_client, args=(port, stop, interval, counts), daemon=True)
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    time.sleep(2)  # Let every slow client connect first.
    result = probe(port, seconds)
    stop.set()
    for thread in threads:
        thread.join(timeout=interval + 6)
    return {"slow_clients": clients, **result, "slow_connections": counts["connections"]}


def wait_for(port):
    for _ in range(150):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing answers on port {port}")


def stop_process(process):
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        process.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=30, help="How long to probe each setup.")
    parser.add_argument("--interval", type=float, default=5, help="Seconds between header lines.")
    args = parser.parse_args()
    if not shutil.which("nginx"):
        sys.exit("nginx is not installed (apt install nginx-light).")
    report = {"gunicorn": "gunicorn.conf.py defaults (2 workers x 4 threads, gthread)"}
    with tempfile.TemporaryDirectory(prefix="slowclient-") as folder:
        env = environment(folder)
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], env=env, cwd=ROOT, check=True)
        subprocess.run([*manage, "seed"], env=env, cwd=ROOT, check=True, capture_output=True)
        with Path(folder, "gunicorn.log").open("w") as log:
            server = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"],
                env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            wait_for(GUNICORN_PORT)
            report["direct"] = attack(GUNICORN_PORT, args.clients, args.seconds, args.interval)
            conf = nginx_conf(folder)
            subprocess.run(["nginx", "-t", "-q", "-c", str(conf)], check=True)
            proxy = subprocess.Popen(["nginx", "-c", str(conf)])
            try:
                wait_for(NGINX_PORT)
                report["nginx"] = attack(NGINX_PORT, args.clients, args.seconds, args.interval)
            finally:
                stop_process(proxy)
        finally:
            stop_process(server)
    print(json.dumps(report, indent=2))
    behind_nginx = report["nginx"]
    sys.exit(0 if behind_nginx["answered"] == behind_nginx["probes"] else 1)


if __name__ == "__main__":
    main()
