"""`make soak`: public load and editors' writes at once, then check that nothing was lost.

gunicorn serves a fresh PostgreSQL database on loopback; wrk loads the public
pages for 60 seconds while an editor, through the admin over HTTP, accepts and
rejects suggestions and overrides statuses. Afterwards: no 5xx, every write
in the database and its history, the history consistent with the statuses.
"""

import argparse
import http.cookiejar
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

from bench.serving import gunicorn

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "tracker_soak"
PORT = 8766
PASSWORD = "soak-editor-password-1"
PUBLIC = [
    "/",
    "/recommendations/",
    "/recommendations/?status=not_found",
    "/recommendations/?q=council",
    "/recommendations/rejoin-un-human-rights-council/",
    "/recommendations/close-guantanamo/",
    "/documents/2024-12-11-human-rights-day/",
    "/essay/",
    "/scorecard.csv",
    "/feed/",
]
WRK_SCRIPT = """
local paths = {%(paths)s}
local counter = 0
local threads = {}
server_errors = 0

setup = function(thread) table.insert(threads, thread) end
request = function()
  counter = counter %% #paths + 1
  return wrk.format("GET", paths[counter])
end
response = function(status, headers, body)
  if status >= 500 then server_errors = server_errors + 1 end
end
done = function(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + thread:get("server_errors") end
  io.write(string.format("SERVER_ERRORS %%d\\n", total))
end
"""


def environment():
    return {
        **os.environ,
        "DATABASE_URL": f"{PG_SERVER}/{DATABASE}",
        "SECRET_KEY": "soak-only-secret-key",
        "HTTPS": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "PYTHONWARNINGS": "ignore",
    }


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], env=environment(), cwd=ROOT, check=True)


def prepare():
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as server:
        server.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        server.execute(f"CREATE DATABASE {DATABASE}")
    manage("migrate", "--no-input", "-v0")
    manage("seed")
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import Group, User;"
        f"u = User.objects.create_user('editor', password='{PASSWORD}', is_staff=True);"
        "u.groups.add(Group.objects.get(name='Editors'))",
    )


class Editor:
    """An editor working through the admin over HTTP, recording every write made."""

    def __init__(self):
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.writes = []
        self.responses = []
        self.rng = random.Random(7)

    def get(self, path):
        with self.opener.open(f"http://127.0.0.1:{PORT}{path}", timeout=30) as response:
            self.responses.append(response.status)
            return response.read().decode()

    def post(self, path, data):
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path))[1]
        body = urllib.parse.urlencode({"csrfmiddlewaretoken": token, **data}, doseq=True)
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}{path}",
            data=body.encode(),
            headers={"Referer": f"http://127.0.0.1:{PORT}{path}"},
        )
        try:
            with self.opener.open(request, timeout=30) as response:
                self.responses.append(response.status)
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            self.responses.append(error.code)
            return error.code, error.read().decode()

    def log_in(self):
        status, _ = self.post(
            "/admin/login/?next=/admin/", {"username": "editor", "password": PASSWORD}
        )
        if status >= 400:
            raise RuntimeError(f"editor login failed: {status}")

    def review_some_links(self):
        queue = self.get("/admin/tracker/link/?review=suggested")
        ids = re.findall(r'name="_selected_action" value="(\d+)"', queue)
        if not ids:
            return
        chosen = self.rng.sample(ids, min(len(ids), self.rng.randint(1, 3)))
        action = self.rng.choice(
            ["accept_implements", "accept_partial", "accept_related", "reject"]
        )
        reason = f"Soak test decision {len(self.writes) + 1}."
        self.post(
            "/admin/tracker/link/?review=suggested",
            {"action": action, "_selected_action": chosen, "reason": reason, "index": 0},
        )
        self.writes.append(
            {"kind": "links", "ids": [int(i) for i in chosen], "action": action, "reason": reason}
        )

    def override_a_status(self, recommendation_ids):
        pk = self.rng.choice(recommendation_ids)
        path = f"/admin/tracker/recommendation/{pk}/change/"
        form = self.get(path)
        version = re.search(r'name="seen_version" value="(\d+)"', form)[1]
        status = self.rng.choice(["contrary", "implemented", "partial", "not_found", ""])
        reason = f"Soak test override {len(self.writes) + 1}." if status else ""
        data = {
            "status_override": status,
            "status_reason": reason,
            "seen_version": version,
            "links-TOTAL_FORMS": 0,
            "links-INITIAL_FORMS": 0,
            "links-MIN_NUM_FORMS": 0,
            "links-MAX_NUM_FORMS": 1000,
        }
        # No inline form is sent: the recommendation's links stay as they are.
        code, _ = self.post(path, data)
        if code == 302:
            self.writes.append(
                {"kind": "override", "id": int(pk), "status": status, "reason": reason}
            )


def run_editor(seconds, recommendation_ids):
    editor = Editor()
    editor.log_in()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if editor.rng.random() < 0.7:
            editor.review_some_links()
        else:
            editor.override_a_status(recommendation_ids)
    return editor


def verify(editor):
    """Check every write against the database and the history (bench/soak_checks.py)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as writes:
        json.dump(editor.writes, writes)
    result = subprocess.run(
        [sys.executable, "-m", "bench.soak_checks", writes.name],
        env=environment(), cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def recommendation_ids():
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from tracker.models import Recommendation;"
         "print(list(Recommendation.objects.values_list('pk', flat=True)))"],
        env=environment(), cwd=ROOT, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    prepare()
    ids = recommendation_ids()
    with gunicorn(environment(), PORT, "/about/", threads=2):
        with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
            script.write(WRK_SCRIPT % {"paths": ", ".join(f'"{p}"' for p in PUBLIC)})
        load = subprocess.Popen(
            ["wrk", "-t2", "-c16", f"-d{args.seconds}s", "--latency", "-s", script.name,
             f"http://127.0.0.1:{PORT}"],
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        editor = run_editor(args.seconds, ids)
        output, _ = load.communicate(timeout=args.seconds + 60)
    checks = verify(editor)
    report = {
        "seconds": args.seconds,
        "public_requests": int(re.search(r"(\d+) requests in", output)[1]),
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1]),
        "latency": dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)", output, re.MULTILINE)),
        "public_5xx": int(re.search(r"SERVER_ERRORS (\d+)", output)[1]),
        "socket_errors": sum(
            int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", output)
        ),
        "editor_requests": len(editor.responses),
        "editor_5xx": sum(1 for status in editor.responses if status >= 500),
        "editor_writes": len(editor.writes),
        **checks,
    }
    print(json.dumps(report, indent=2))
    ok = not (report["public_5xx"] or report["editor_5xx"] or report["problems"])
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
