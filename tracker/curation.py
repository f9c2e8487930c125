"""What editors do to links and statuses, in one place for the admin, the seeds and the tests.

Every change goes through here so that statuses are re-derived and their
history records who changed what, and why.
"""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .cache import published_data_changed
from .models import (
    Action,
    Administration,
    Document,
    EditorSource,
    Link,
    Recommendation,
    bulk_update_new_versions,
)
from .text import STATUS_REASON_MAX_LENGTH, check_editor_text


class CurationError(ValueError):
    """An editorial change that would break a rule (e.g. an accepted link without a reason)."""


class StaleLinks(CurationError):
    """Links changed by someone else since the page that asked for the change was loaded."""


STALE_LINKS = (
    "{count} of the selected links changed since this page was loaded (another editor "
    "decided on them), so nothing was saved. Reload the page to see their decisions, "
    "then decide again."
)


@transaction.atomic
def review_links(links, *, review, relation="", reason="", user=None, expected_versions=None):
    """Accept (with a relation and a one-line reason) or reject the given links.

    `expected_versions` ({link pk: version}) holds the versions the editor saw:
    if any of those links changed since, nothing is saved (`StaleLinks`), as
    the edit forms refuse a stale save. Links it does not name are not checked.

    Returns the number of links changed. Re-derives the status of every
    recommendation concerned and records why it changed.
    """
    reason = " ".join(reason.split())
    if review == Link.Review.ACCEPTED and not (relation and reason):
        raise CurationError("Accepting a link needs a relation and a one-line public reason.")
    if len(reason) > Link._meta.get_field("reason").max_length:
        raise CurationError("Keep the reason to one line of at most 300 characters.")
    if problem := check_editor_text(reason, field="link reason"):
        raise CurationError(problem)
    changed = list(Link.objects.select_for_update().filter(pk__in=[link.pk for link in links]))
    expected_versions = expected_versions or {}
    stale = [
        link
        for link in changed
        if link.pk in expected_versions and expected_versions[link.pk] != link.version
    ]
    if stale:
        raise StaleLinks(STALE_LINKS.format(count=len(stale)))
    now = timezone.now()
    for link in changed:
        link.review = review
        link.relation = relation if review == Link.Review.ACCEPTED else link.relation
        link.reason = reason or link.reason
        link.reviewed_by = user
        link.reviewed_at = now
        link.source_changed = False
    bulk_update_new_versions(
        Link,
        changed,
        ["review", "relation", "reason", "reviewed_by", "reviewed_at", "source_changed"],
    )
    refresh_statuses(changed, user=user, reason=reason)
    published_data_changed()
    return len(changed)


@transaction.atomic
def refresh_statuses(links, *, user=None, reason="", record=True):
    """Re-derive the status of the links' recommendations; the reason defaults to the links'.

    `record=False` writes no history (a seed load: where the record starts, not news).
    """
    by_recommendation = {}
    for link in links:
        by_recommendation.setdefault(link.recommendation_id, []).append(link)
    # Locked and read afresh, in one order: another editor's decision on one of them may have
    # just committed, and two editors' sets of recommendations must not lock crosswise.
    fresh = Recommendation.objects.select_for_update().filter(pk__in=by_recommendation)
    for recommendation in fresh.order_by("pk"):
        changed = by_recommendation[recommendation.pk]
        why = reason or "; ".join(dict.fromkeys(filter(None, map(_history_reason, changed))))
        recommendation.refresh_status(user=user, reason=why, links=changed, record=record)


# A reopened link keeps the reason of the decision it had: not why the status moved.
REOPENED_REASON = "Decision reopened: back in the review queue."


def _history_reason(link):
    return REOPENED_REASON if link.is_reopened else link.reason


def deletion_reason(user):
    name = user.get_username() if user is not None else "an editor"
    return f"Deleted by {name}."


def is_deletion_reason(reason):
    """Whether `reason` is one `deletion_reason` wrote: it speaks of that link, not its text."""
    return re.fullmatch(r"Deleted by .+\.", reason) is not None


@transaction.atomic
def save_link_edits(saved, deleted=(), *, user=None):
    """Save links edited by hand (admin forms), stamp the reviewer, re-derive statuses.

    Putting a decided link back to review ("suggested") is a decision too, stamped
    as one (`Link.is_reopened`): the next `seed` keeps it over an older decision in
    seeds/curation.yaml, and the suggester does not delete it. A machine suggestion
    saved as one stays unstamped.

    Deleting a link an editor decided on (or reopened) is a decision too: an
    accepted or reopened link becomes a rejection ("Deleted by <editor>.") and a
    rejected one stays, so that neither the next `seed` nor the suggester brings
    it back. Only machine suggestions are deleted outright. Returns the links
    kept as rejections.
    """
    now = timezone.now()
    stored_reviews = dict(
        Link.objects.filter(pk__in=[link.pk for link in saved if link.pk is not None]).values_list(
            "pk", "review"
        )
    )
    for link in saved:
        reopened = stored_reviews.get(link.pk, Link.Review.SUGGESTED) != Link.Review.SUGGESTED
        if link.review != Link.Review.SUGGESTED or reopened or link.is_reopened:
            link.reviewed_by, link.reviewed_at = user, now
            link.source_changed = False
        link.save()
    # As stored: a form's instance may carry the edits of a form marked for deletion.
    deleted = list(Link.objects.select_for_update().filter(pk__in=[link.pk for link in deleted]))
    kept = []
    for link in deleted:
        if link.review == Link.Review.SUGGESTED and not link.is_reopened:
            link.delete()
            continue
        if link.review != Link.Review.REJECTED:
            link.review, link.reason = Link.Review.REJECTED, deletion_reason(user)
        link.reviewed_by, link.reviewed_at = user, now
        link.source_changed = False
        link.save()
        kept.append(link)
    refresh_statuses([*saved, *deleted], user=user)
    published_data_changed()
    return kept


@transaction.atomic
def set_override(recommendation, *, status, reason, since=None, user=None, record=True):
    """Override the derived status with a public reason; an empty status removes the override.

    The override holds from `since` (always, when None); before it the links decide.
    `record=False` writes no history (a seed load).
    """
    reason = reason.strip()
    if status and not reason:
        raise CurationError("Overriding a status needs a public reason.")
    if since and since > timezone.localdate():
        raise CurationError("The override's date cannot be in the future.")
    if problem := check_editor_text(
        reason, field="status reason", max_length=STATUS_REASON_MAX_LENGTH
    ):
        raise CurationError(problem)
    stored_override, stored_reason = (
        Recommendation.objects.filter(pk=recommendation.pk)
        .values_list("status_override", "status_reason")
        .first()
    ) or ("", "")
    # A removal is recorded even when the status stays: the decision the next seed respects.
    override_removed = bool(stored_override) and not status
    reason_removed = bool(stored_reason) and not reason
    recommendation.status_override = status
    recommendation.status_override_since = since if status else None
    recommendation.status_reason = reason
    removal = "Reason removed." if reason_removed else ""
    removal = "Override removed." if override_removed else removal
    recommendation.refresh_status(
        user=user,
        reason=reason or removal,
        decided=override_removed or reason_removed or (bool(status) and reason != stored_reason),
        record=record,
    )
    recommendation.save()
    published_data_changed()


def editor_source_slug(published, title):
    """A free slug for a new editor-entered source; the prefix keeps it apart from the
    imported documents' slugs, which are their file names."""
    base = EditorSource.SLUG_PREFIX + slugify(f"{published.isoformat()} {title}")[:183].rstrip("-")
    slug, number = base, 1
    while Document.objects.filter(slug=slug).exists():
        number += 1
        slug = f"{base}-{number}"
    return slug


@transaction.atomic
def save_editor_source(source, *, passage, user=None, record=True):
    """Store an editor-entered source (an `EditorSource`) and its one action, the quoted
    passage; return it.

    The source belongs to the administration in office on its date, as every document
    does: the administration names the period in which it falls; the source's author is
    its publisher (a court filing is not the administration's act). The statuses of the
    recommendations it is linked to are re-derived, since a new date moves it in their
    timelines and a new passage changes what search finds; the administration is
    recomputed only when the date changed. `record=False`: no history
    (a seed load).
    """
    passage = " ".join(passage.split())
    if not passage:
        raise CurationError("Quote the passage of the source that is the evidence.")
    if problem := check_editor_text(
        passage, field="passage", max_length=EditorSource.PASSAGE_MAX_LENGTH, markdown=False
    ):
        raise CurationError(problem)
    source.kind, source.subtype, source.source_path = Document.Kind.EDITOR_SOURCE, "", ""
    stored_date = Document.objects.filter(pk=source.pk).values_list("published", flat=True)
    if source.pk is None or stored_date.first() != source.published:
        # Only then: an editor may have corrected the administration (DocumentAdmin).
        source.administration = Administration.objects.in_office_on(source.published)
    if not source.slug:
        source.slug = editor_source_slug(source.published, source.title)
    try:  # EditorSource.clean: a publisher, an address, characters a page can show.
        source.full_clean(exclude=["checksum", "source_path"])
    except ValidationError as error:
        raise CurationError(
            "; ".join(f"{name}: {' '.join(messages)}" for name, messages in error)
        ) from None
    source.save()
    action = source.actions.filter(key=EditorSource.PASSAGE_KEY).first()
    if action is None:
        Action.objects.create(
            factsheet=source,
            key=EditorSource.PASSAGE_KEY,
            position=1,
            text=passage,
            markdown=passage,
        )
    elif action.text != passage:
        action.text = action.markdown = passage
        action.save(update_fields=["text", "markdown"])
        # As when a document's text changes upstream: the links decided on the old words
        # go back to the review queue's "source changed" filter.
        Link.objects.reviewed().filter(action=action).update(source_changed=True)
    linked = Link.objects.accepted().filter(action__factsheet=source)
    refresh_statuses(
        list(linked),
        user=user,
        reason=f"Editor-entered source edited: {source.title}.",
        record=record,
    )
    published_data_changed()
    return source


CITED_ALREADY = (
    "An editor already decided on this source for this recommendation; change that "
    "decision on the link's own page (the source's links, below)."
)


@transaction.atomic
def cite_editor_source(source, recommendation, *, relation, reason, user=None):
    """Link the source's passage to a recommendation, accepted with a relation and a public
    reason, as an editor decides on any action (`review_links`).

    A link already decided on (accepted, or rejected: a deletion) is refused: this form
    did not show it, so it must not overwrite it; its own page, which checks versions, does.
    """
    action = Action.objects.get(factsheet=source, key=EditorSource.PASSAGE_KEY)
    link, _ = Link.objects.get_or_create(recommendation=recommendation, action=action)
    link = Link.objects.select_for_update().get(pk=link.pk)
    if link.review != Link.Review.SUGGESTED:
        raise CurationError(CITED_ALREADY)
    # Read under lock in this transaction: no version can have moved since.
    review_links([link], review=Link.Review.ACCEPTED, relation=relation, reason=reason, user=user)
