"""The tracker's settings, with a floor view added to the URLs for the page benchmark."""

from tracker.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["*"]
