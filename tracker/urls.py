from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import views

tracker_patterns = [
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path(
        "recommendations/<slug:code>/",
        views.recommendation_detail,
        name="recommendation_detail",
    ),
]

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="tracker:recommendation_list"), name="home"),
    path("", include((tracker_patterns, "tracker"))),
    path("admin/", admin.site.urls),
]
