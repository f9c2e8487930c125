from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"

    def ready(self):
        from . import (
            cache,  # noqa: F401 - connects the signals that invalidate cached pages
            checks,  # noqa: F401 - registers the tracker's own system checks
        )
