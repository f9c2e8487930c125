"""Scale the whole record tenfold with real sentences: documents, essays, recommendations, links.

Everything is written with bulk inserts straight into the database; the
importer's own speed is measured on the real record, not here.
"""

import random
import re

from django.db import transaction
from django.db.models import Count, Q

from tracker import tally
from tracker.models import (
    Action,
    Document,
    Link,
    Recommendation,
    SiteVersion,
    Stage,
    StatusChange,
)
from tracker.search import stems_line

SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")
BATCH = 2000
SYNTHETIC_ESSAYS = 10
RELATIONS = ["implements", "implements", "partial", "related"]


def sentences_of(texts):
    found = []
    for text in texts:
        found.extend(s for s in SENTENCE.split(text) if 40 <= len(s) <= 400)
    return found


@transaction.atomic
def scale_up(factor=10, recommendations=3000, links=30000, seed=2021):
    """Add documents and actions up to `factor` times the real ones, and the given counts.

    Each new document copies a real one's kind, subtype and administration, so the mix of
    fact sheets and presidential actions, and of administrations, stays the record's."""
    rng = random.Random(seed)
    real_sheets = list(Document.objects.factsheets().annotate(n=Count("actions")))
    real_actions = list(Action.objects.values_list("text", "section", "lead_in"))
    sentences = sentences_of(text for text, _, _ in real_actions)
    sections = [section for _, section, _ in real_actions if section] or ["Actions"]
    new_sheets = _factsheets(rng, real_sheets, factor)
    _actions(rng, new_sheets, real_sheets, sentences, sections)
    new_recommendations = _recommendations(rng, sentences, recommendations)
    _links(rng, new_recommendations, links)
    SiteVersion.bump()  # Bulk writes send no signals.
    return {
        "documents": Document.objects.factsheets().count(),
        "actions": Action.objects.count(),
        "recommendations": Recommendation.objects.count(),
        "accepted_links": Link.objects.filter(review="accepted").count(),
    }


def _factsheets(rng, real_sheets, factor):
    sheets = []
    for number in range(len(real_sheets) * (factor - 1)):
        model = rng.choice(real_sheets)
        sheets.append(
            Document(
                kind=model.kind,
                subtype=model.subtype,
                administration_id=model.administration_id,
                slug=f"synthetic-{number:05d}",
                title=f"{model.title} (synthetic {number})",
                publisher="The White House",
                url=f"https://example.org/synthetic/{number}/",
                published=model.published,  # In office on the same day as its model.
                source_path=f"synthetic-{number:05d}.md",
                checksum=f"{number:064d}",
            )
        )
    return Document.objects.bulk_create(sheets, batch_size=BATCH)


def _actions(rng, new_sheets, real_sheets, sentences, sections):
    sizes = [max(1, sheet.n) for sheet in real_sheets]
    batch = []
    for sheet in new_sheets:
        section = rng.choice(sections)
        for position in range(1, rng.choice(sizes) + 1):
            text = " ".join(rng.sample(sentences, rng.choice([1, 2, 2, 3])))
            if rng.random() < 0.1:
                section = rng.choice(sections)
            batch.append(
                Action(
                    factsheet=sheet,
                    position=position,
                    key=f"s{sheet.pk}-{position}",
                    section=section,
                    text=text,
                    markdown=text,
                )
            )
        if len(batch) >= BATCH:
            Action.objects.bulk_create(batch, batch_size=BATCH)
            batch = []
    Action.objects.bulk_create(batch, batch_size=BATCH)


def _recommendations(rng, sentences, total):
    essay = Document.objects.essays().order_by("published").first()
    missing = total - Recommendation.objects.count()
    essays = [
        Document.objects.create(
            kind=Document.Kind.ESSAY,
            slug=f"synthetic-essay-{number}",
            title=f"Synthetic agenda {number}",
            author="Benchmark",
            published=essay.published,
            source_path=f"synthetic-essay-{number}.txt",
            checksum=f"{number:064d}",
            body=essay.body,
        )
        for number in range(SYNTHETIC_ESSAYS)
    ]
    stages = Stage.objects.bulk_create(
        Stage(essay=doc, slug=f"{doc.slug}-stage-{n}", name=f"Stage {n}", position=n)
        for doc in essays
        for n in range(1, 6)
    )
    batch = []
    for number in range(missing):
        statement = " ".join(rng.sample(sentences, 2))
        quote = rng.choice(sentences)
        title = quote.split(",")[0][:120]
        batch.append(
            Recommendation(
                code=f"synthetic-{number:05d}",
                stage=rng.choice(stages),
                position=number,
                title=title,
                statement=statement,
                quote=quote,
                search_text="\n".join(
                    [title, statement, quote, stems_line([title, statement, quote], title=title)]
                ),
            )
        )
    return Recommendation.objects.bulk_create(batch, batch_size=BATCH)


def _links(rng, recommendations, total):
    action_ids = list(Action.objects.values_list("pk", flat=True))
    existing = set(Link.objects.values_list("recommendation_id", "action_id"))
    pairs = set()
    while len(pairs) < total - Link.objects.filter(review="accepted").count():
        pair = (rng.choice(recommendations).pk, rng.choice(action_ids))
        if pair not in existing:
            pairs.add(pair)
    Link.objects.bulk_create(
        (
            Link(
                recommendation_id=recommendation_id,
                action_id=action_id,
                relation=rng.choice(RELATIONS),
                review="accepted",
                reason="Synthetic benchmark link.",
            )
            for recommendation_id, action_id in pairs
        ),
        batch_size=BATCH,
    )
    _derive_statuses(recommendations)


def _derive_statuses(recommendations):
    """Set statuses from the links in bulk, with one history entry per change."""
    ids = [r.pk for r in recommendations]
    accepted = Q(links__review="accepted")
    counts = {
        pk: (implements, partial)
        for pk, implements, partial in Recommendation.objects.filter(pk__in=ids)
        .annotate(
            implements=Count("links", filter=accepted & Q(links__relation="implements")),
            partial=Count("links", filter=accepted & Q(links__relation="partial")),
        )
        .values_list("pk", "implements", "partial")
    }
    changed, history = [], []
    for recommendation in recommendations:
        implements, partial = counts.get(recommendation.pk, (0, 0))
        status = "implemented" if implements else "partial" if partial else "not_found"
        if status != recommendation.status:
            recommendation.status = status
            changed.append(recommendation)
            history.append(
                StatusChange(
                    recommendation=recommendation,
                    from_status="not_found",
                    to_status=status,
                    reason="Synthetic benchmark link.",
                )
            )
    Recommendation.objects.bulk_update(changed, ["status"], batch_size=BATCH)
    StatusChange.objects.bulk_create(history, batch_size=BATCH)
    tally.refresh_all(Recommendation.objects.filter(pk__in=ids))
