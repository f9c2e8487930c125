from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from . import feeds, views
from .cache import conditional

tracker_patterns = [
    path("", views.scorecard, name="scorecard"),
    path("recommendations/", views.recommendation_list, name="recommendation_list"),
    path(
        "recommendations/<slug:code>/",
        views.recommendation_detail,
        name="recommendation_detail",
    ),
    path(
        "recommendations/<slug:code>/feed/",
        conditional(feeds.RecommendationFeed()),
        name="recommendation_feed",
    ),
    path("stages/<slug:slug>/", views.stage_detail, name="stage_detail"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/<slug:slug>/", views.document_detail, name="document_detail"),
    # The addresses of the fact-sheet-only tracker, kept working.
    path(
        "factsheets/",
        RedirectView.as_view(
            pattern_name="tracker:document_list", permanent=True, query_string=True
        ),
    ),
    path(
        "factsheets/<slug:slug>/",
        RedirectView.as_view(pattern_name="tracker:document_detail", permanent=True),
    ),
    path("search/", views.site_search, name="site_search"),
    path("essay/", views.essay, name="essay"),
    path("about/", views.about, name="about"),
    path("scorecard.csv", views.scorecard_csv, name="scorecard_csv"),
    path("scorecard.json", views.scorecard_json, name="scorecard_json"),
    path("links.csv", views.links_csv, name="links_csv"),
    path("feed/", conditional(feeds.StatusChangesFeed()), name="feed"),
]

urlpatterns = [
    path("", include((tracker_patterns, "tracker"))),
    path("admin/", admin.site.urls),
]
