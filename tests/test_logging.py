"""With DEBUG off, a server error and the tracker's warnings are written to stderr."""

import io
import logging
import re
from logging import StreamHandler

import pytest
from django.urls import path

from tracker.urls import urlpatterns as tracker_urlpatterns


def fail(request):
    raise RuntimeError("the database went away")


# This module is also the URLconf of its tests: the site and one view that always fails.
urlpatterns = [path("boom/", fail), *tracker_urlpatterns]

pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture
def stderr_of():
    """What the configured stderr handler of a logger writes, read from a buffer instead."""
    swapped = []

    def capture(name):
        (handler,) = [h for h in logging.getLogger(name).handlers if type(h) is StreamHandler]
        buffer = io.StringIO()
        swapped.append((handler, handler.setStream(buffer)))
        return buffer

    yield capture
    for handler, stream in swapped:
        handler.setStream(stream)


def test_a_500_is_logged_to_stderr_in_one_line_with_its_traceback(client, settings, stderr_of):
    settings.DEBUG = False
    client.raise_request_exception = False
    err = stderr_of("django.request")

    response = client.get("/boom/")

    assert response.status_code == 500
    first = err.getvalue().splitlines()[0]
    assert re.match(
        r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ERROR django\.request \[pid \d+\] "
        r"Internal Server Error: /boom/$",
        first,
    ), first
    assert "RuntimeError: the database went away" in err.getvalue()


def test_the_trackers_warnings_are_logged_and_its_info_is_not(stderr_of):
    err = stderr_of("tracker")

    logging.getLogger("tracker.importers").warning("fact sheet %s refused", "x.md")
    logging.getLogger("tracker.importers").info("routine detail")

    assert re.search(
        r" WARNING tracker\.importers \[pid \d+\] fact sheet x\.md refused$", err.getvalue(), re.M
    )
    assert "routine detail" not in err.getvalue()
