from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"

    def ready(self):
        from . import checks  # noqa: F401 - registers the tracker's own system checks
        from . import full_text  # noqa: F401 - gives each SQLite connection its functions
