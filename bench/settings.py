"""The tracker's settings, with a floor view added to the URLs for the page benchmark."""

import os

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["*"]

# BENCH_UNCACHED=1: no page cache, so every request renders (the peer comparison with
# Datasette, which caches nothing either).
if os.environ.get("BENCH_UNCACHED") == "1":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
