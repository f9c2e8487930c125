"""Small helpers that build rows for tests; each takes overrides as keyword arguments."""

import datetime
import itertools

from tracker import tally
from tracker.models import Action, Administration, Document, Link, Recommendation, Stage

_sequence = itertools.count(1)


def make_essay(**fields):
    number = next(_sequence)
    values = {
        "kind": Document.Kind.ESSAY,
        "slug": f"essay-{number}",
        "title": f"Essay {number}",
        "published": datetime.date(2021, 1, 22),
        "source_path": f"essay-{number}.txt",
        "checksum": "0" * 64,
    }
    return Document.objects.create(**(values | fields))


def make_stage(**fields):
    number = next(_sequence)
    essay = fields.pop("essay", None) or make_essay()
    values = {"slug": f"stage-{number}", "name": f"Stage {number}", "position": number}
    return Stage.objects.create(essay=essay, **(values | fields))


def make_recommendation(**fields):
    number = next(_sequence)
    stage = fields.pop("stage", None) or make_stage()
    values = {
        "code": f"recommendation-{number}",
        "title": f"Do thing {number}",
        "statement": f"The administration should do thing {number}.",
        "quote": f"should do thing {number}",
        "position": number,
    }
    recommendation = Recommendation(stage=stage, **(values | fields))
    recommendation.save()
    recommendation.search_text = recommendation.build_search_text()
    recommendation.save(update_fields=["search_text"])
    tally.refresh({recommendation.pk: recommendation.stored_status_record()})
    return recommendation


def make_factsheet(**fields):
    number = next(_sequence)
    values = {
        "kind": Document.Kind.FACTSHEET,
        "slug": f"factsheet-{number}",
        "title": f"Fact sheet {number}",
        "url": f"https://www.whitehouse.gov/fact-sheet-{number}/",
        "published": datetime.date(2024, 1, 1),
        "source_path": f"factsheet-{number}.md",
        "checksum": f"{number:064d}",
    }
    return Document.objects.create(**(values | fields))


def make_action(**fields):
    number = next(_sequence)
    factsheet = fields.pop("factsheet", None) or make_factsheet()
    text = fields.pop("text", f"We did thing {number}.")
    values = {"position": number, "key": f"key-{number}", "text": text, "markdown": text}
    return Action.objects.create(factsheet=factsheet, **(values | fields))


def make_link(**fields):
    recommendation = fields.pop("recommendation", None) or make_recommendation()
    action = fields.pop("action", None) or make_action()
    values = {
        "relation": Link.Relation.IMPLEMENTS,
        "review": Link.Review.ACCEPTED,
        "reason": "It does the thing.",
    }
    link = Link.objects.create(recommendation=recommendation, action=action, **(values | fields))
    # As every editorial path does (`Recommendation.refresh_status`), leaving the stored
    # status to the tests that set it.
    tally.refresh({recommendation.pk: recommendation.stored_status_record()})
    return link


def make_administration(**fields):
    number = next(_sequence)
    values = {
        "slug": f"administration-{number}",
        "name": f"Administration {number}",
        "president": f"President {number}",
        "took_office": datetime.date(2021, 1, 20),
    }
    return Administration.objects.create(**(values | fields))


def make_administrations():
    """The two administrations of seeds/administrations.yaml: (biden, trump); `seed` may have
    loaded them already."""
    biden, _ = Administration.objects.get_or_create(
        slug="biden",
        defaults={
            "name": "Biden administration",
            "president": "Joseph R. Biden Jr.",
            "took_office": datetime.date(2021, 1, 20),
            "left_office": datetime.date(2025, 1, 20),
        },
    )
    trump, _ = Administration.objects.get_or_create(
        slug="trump-2",
        defaults={
            "name": "Second Trump administration",
            "president": "Donald J. Trump",
            "took_office": datetime.date(2025, 1, 20),
        },
    )
    return biden, trump


def make_dated_link(recommendation, published, relation="implements", **document_fields):
    """An accepted link to an action of a new document dated `published`."""
    document = make_factsheet(published=published, **document_fields)
    return make_link(
        recommendation=recommendation,
        action=make_action(factsheet=document),
        relation=relation,
        reason=f"{relation} on {published}.",
    )
