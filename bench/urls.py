from django.shortcuts import render
from django.urls import path

from tracker.urls import urlpatterns as tracker_urlpatterns


def floor(request):
    """The cheapest page possible: the same base template, no database query."""
    return render(request, "base.html", {})


urlpatterns = [path("__floor__/", floor, name="floor"), *tracker_urlpatterns]
