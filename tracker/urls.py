from django.contrib import admin
from django.urls import include, path

from . import feeds, views

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
        feeds.RecommendationFeed(),
        name="recommendation_feed",
    ),
    path("stages/<slug:slug>/", views.stage_detail, name="stage_detail"),
    path("factsheets/", views.factsheet_list, name="factsheet_list"),
    path("factsheets/<slug:slug>/", views.factsheet_detail, name="factsheet_detail"),
    path("essay/", views.essay, name="essay"),
    path("about/", views.about, name="about"),
    path("scorecard.csv", views.scorecard_csv, name="scorecard_csv"),
    path("scorecard.json", views.scorecard_json, name="scorecard_json"),
    path("links.csv", views.links_csv, name="links_csv"),
    path("feed/", feeds.StatusChangesFeed(), name="feed"),
]

urlpatterns = [
    path("", include((tracker_patterns, "tracker"))),
    path("admin/", admin.site.urls),
]
