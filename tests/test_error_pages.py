"""A wrong address or a server error still shows the site, not Django's bare pages."""

import pytest
from django.templatetags.static import static
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.views.defaults import server_error

from tracker.context_processors import SITE_NAME


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_an_unknown_page_is_the_sites_own_not_found_page(client):
    response = client.get(reverse("tracker:recommendation_detail", args=["nope"]))
    content = response.content.decode()
    assert response.status_code == 404
    assert "<h1>Page not found</h1>" in content
    assert '<nav aria-label="Main">' in content and 'role="search"' in content
    assert f"<title>Page not found · {SITE_NAME}</title>" in content


@pytest.mark.django_db
@override_settings(DEBUG=False)
def test_a_server_error_page_needs_neither_the_database_nor_the_context_processors(
    django_assert_num_queries,
):
    """`server_error` renders 500.html without a request context; it must not query either,
    since the database may be what failed."""
    with django_assert_num_queries(0):
        response = server_error(RequestFactory().get("/"))
    content = response.content.decode()
    assert response.status_code == 500
    assert f"<title>Server error · {SITE_NAME}</title>" in content
    assert f'href="{static("tracker/site.css")}"' in content
    assert f'<a href="{reverse("tracker:scorecard")}">go to the scorecard</a>' in content
