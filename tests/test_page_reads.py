"""Public pages read the columns they show: not search's text of each recommendation
(kilobytes a row), nor the essay's whole text where only its title is cited, nor the
documents' columns that their list does not show."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker.essay_text import annotated_blocks
from tracker.models import Recommendation

from .factories import make_action, make_essay, make_link, make_recommendation, make_stage

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked():
    essay = make_essay(body="The essay asks: should do thing one.")
    recommendation = make_recommendation(stage=make_stage(essay=essay), quote="should do thing one")
    return make_link(recommendation=recommendation, action=make_action())


def sql_of(client, url):
    cache.clear()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return " ".join(query["sql"] for query in queries)


def test_pages_that_show_recommendations_leave_their_search_text_unread(client, linked):
    recommendation = linked.recommendation
    for url in [
        recommendation.get_absolute_url(),
        recommendation.stage.get_absolute_url(),
        linked.action.factsheet.get_absolute_url(),
        reverse("tracker:essay"),
    ]:
        assert "search_text" not in sql_of(client, url), url


def test_the_recommendation_page_leaves_the_essays_text_unread(linked):
    found = Recommendation.objects.detail_page(linked.recommendation.code)
    assert {"body", "footnotes"} <= found.stage.essay.get_deferred_fields()


def test_a_quote_is_marked_in_each_paragraph_that_holds_it_whole():
    asked = make_recommendation(quote="ban it")
    across = make_recommendation(quote="ban it\n\nnow")  # Across a paragraph break: never.
    body = "## Ban it\n\nFirst, ban it, ban it.\n\nThen ban it\n\nnow."
    blocks = annotated_blocks(body, [asked, across])
    marked = [block.html.count("<mark>") for block in blocks]
    badges = [block.html.count(f'id="q-{asked.code}"') for block in blocks]
    assert marked == [0, 1, 1, 0] and badges == [0, 1, 1, 0]
    assert f'id="q-{across.code}"' not in "".join(block.html for block in blocks)


def test_the_documents_list_reads_only_what_its_rows_show(client, linked):
    sql = sql_of(client, reverse("tracker:document_list"))
    assert '"footnotes"' not in sql and '"checksum"' not in sql and '"imported_at"' not in sql
