"""The editors' admin site: the review queue named as such, first on the index with its count."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.urls import reverse


class TrackerAdminSite(admin.AdminSite):
    def get_app_list(self, request, app_label=None):
        apps = super().get_app_list(request, app_label)
        on_index = request.resolver_match is not None and request.resolver_match.url_name == "index"
        for app in apps:
            for model in app["models"]:
                if model["object_name"] == "Link":
                    model["name"] = "Review queue"
                    if model.get("admin_url"):
                        model["admin_url"] = review_queue_url()
                    if on_index:  # The count costs a query: the index only, not every page.
                        from .models import Link

                        model["name"] = f"Review queue ({Link.objects.pending().count()} pending)"
            # The queue first: it is where editors work.
            app["models"].sort(key=lambda model: model["object_name"] != "Link")
        return apps


def review_queue_url():
    """The queue as editors open it: pending suggestions for recommendations without evidence."""
    return reverse("admin:tracker_link_changelist") + "?coverage=no_evidence"


class TrackerAdminConfig(AdminConfig):
    default_site = "tracker.admin_site.TrackerAdminSite"
