"""Fetch one download in a process of its own and report the process's peak memory.

Usage: python -m bench.download /links.csv  (with DATABASE_URL and SECRET_KEY set)
"""

import json
import os
import resource
import sys
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
django.setup()

from django.test import Client  # noqa: E402


def main(url):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    rows, size = -1, 0
    for chunk in Client().get(url).streaming_content:
        rows += chunk.count(b"\r\n")
        size += len(chunk)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    print(
        json.dumps(
            {
                "rows": rows,
                "bytes": size,
                "seconds": round(seconds, 3),
                "peak_rss_mb": round(peak / 1024, 1),
                "rss_growth_mb": round((peak - before) / 1024, 1),
            }
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])
