"""After the soak: is every editor write in the database, and is the history consistent?

Usage: python -m bench.soak_checks WRITES.json  (prints a JSON report)
"""

import json
import os
import sys
from itertools import pairwise

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
django.setup()

from tracker.models import Link, Recommendation, StatusChange  # noqa: E402


def final_writes(writes):
    """The last write to each link and each recommendation: what the database must show."""
    links, overrides = {}, {}
    for write in writes:
        if write["kind"] == "links":
            links.update(dict.fromkeys(write["ids"], write))
        else:
            overrides[write["id"]] = write
    return links, overrides


def check(writes):
    problems = []
    links, overrides = final_writes(writes)
    stored = Link.objects.in_bulk(list(links))
    for pk, write in links.items():
        expected = "rejected" if write["action"] == "reject" else "accepted"
        link = stored.get(pk)
        if link is None or (link.review, link.reason) != (expected, write["reason"]):
            problems.append(f"link {pk}: not {expected} with {write['reason']!r}")
    for pk, write in overrides.items():
        recommendation = Recommendation.objects.get(pk=pk)
        if recommendation.status_override != write["status"]:
            problems.append(f"recommendation {pk}: override {write['status']!r} missing")
    for recommendation in Recommendation.objects.all():
        problems += history_problems(recommendation)
    reasons = [write["reason"] for write in writes if write["reason"]]
    recorded = set(StatusChange.objects.values_list("reason", flat=True))
    return {
        "problems": problems,
        "history_entries": StatusChange.objects.count(),
        "writes_with_a_reason": len(reasons),
        "writes_whose_reason_is_in_the_history": sum(
            1 for reason in reasons if any(reason in entry for entry in recorded)
        ),
    }


def history_problems(recommendation):
    problems = []
    history = list(recommendation.status_changes.order_by("changed_at", "pk"))
    for before, after in pairwise(history):
        if before.to_status != after.from_status:
            problems.append(f"{recommendation.code}: history breaks at change {after.pk}")
    if history and history[-1].to_status != recommendation.status:
        problems.append(f"{recommendation.code}: history ends elsewhere than its status")
    expected = recommendation.status_override or recommendation.derived_status()
    if recommendation.status != expected:
        problems.append(f"{recommendation.code}: status is not what its links and override give")
    return problems


if __name__ == "__main__":
    with open(sys.argv[1], encoding="utf-8") as source:
        print(json.dumps(check(json.load(source))))
