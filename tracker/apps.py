from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"

    def ready(self):
        from . import cache  # noqa: F401 - connects the signals that invalidate cached pages
