from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"

    def ready(self):
        # The tracker's own system checks; the functions each SQLite connection is given.
        from . import checks, full_text  # noqa: F401
