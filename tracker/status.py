"""A recommendation's status on any date, from its accepted links in date order.

The rules are one pure function, `status_on`, over the status-bearing links
(implements, partly implements, goes against), each dated by its action's
document:

- no such link yet: *No action found*;
- implementing evidence: *Implemented*; only partial evidence: *Partly
  implemented* (any implementing link outranks partial ones);
- a contrary action before any evidence: *Contrary action* (acted against,
  never implemented);
- a contrary action after evidence: *Reversed*; later evidence makes it
  implemented (or partly implemented) again;
- on one day, evidence counts before contrary actions, so an action undone
  the day it was taken reads *Reversed*, whatever order the links were made in.

An editor's override wins from its date (`status_override_since`; always,
when there is none). The stored `Recommendation.status` is the status today.
"""

import datetime
from dataclasses import dataclass, field
from itertools import groupby

from django import forms
from django.db.models import Case, FilteredRelation, Q, Value, When
from django.utils import timezone

from .models import Link, LinkQuerySet, Recommendation, Written

Status = Recommendation.Status
IMPLEMENTS, PARTIAL, CONTRARY = (
    Link.Relation.IMPLEMENTS,
    Link.Relation.PARTIAL,
    Link.Relation.CONTRARY,
)
# The links a status is computed from; "related" links never change it.
STATUS_RELATIONS = (IMPLEMENTS, PARTIAL, CONTRARY)
_STATUS_RELATIONS = Written(*STATUS_RELATIONS)  # Written into SQLite's SQL.
# The essay's administration took office that day: `as_of` earlier than this is refused.
RECORD_START = datetime.date(2021, 1, 20)

# Same-day order: evidence first, then contrary actions.
_DAY_ORDER = {IMPLEMENTS: 0, PARTIAL: 0, CONTRARY: 1}


def _step(status, relation):
    if relation == IMPLEMENTS:
        return Status.IMPLEMENTED
    if relation == PARTIAL:
        return status if status == Status.IMPLEMENTED else Status.PARTIAL
    if relation == CONTRARY:
        if status in (Status.IMPLEMENTED, Status.PARTIAL):
            return Status.REVERSED
        if status == Status.NOT_FOUND:
            return Status.CONTRARY
    return status


def status_steps(events):
    """[(date, status at the end of that day)] for each day with an event, in date order.

    `events` are (date, relation) pairs in any order; other relations are ignored.
    """
    ordered = sorted(
        (e for e in events if e[1] in _DAY_ORDER), key=lambda e: (e[0], _DAY_ORDER[e[1]])
    )
    status, steps = Status.NOT_FOUND, []
    for day, day_events in groupby(ordered, key=lambda e: e[0]):
        for _, relation in day_events:
            status = _step(status, relation)
        steps.append((day, status))
    return steps


def status_on(events, on, *, override="", override_since=None):
    """The status on the date `on` (the end of that day)."""
    if override and (override_since is None or override_since <= on):
        return override
    status = Status.NOT_FOUND
    for day, day_status in status_steps(events):
        if day > on:
            break
        status = day_status
    return status


def today():
    return timezone.localdate()


@dataclass
class StatusRecord:
    """What decides one recommendation's status: its override and its dated links."""

    override: str = ""
    override_since: datetime.date | None = None
    events: list = field(default_factory=list)
    stored: str = Status.NOT_FOUND  # the public status today, as stored
    stage_id: int | None = None

    def status_on(self, on):
        return status_on(
            self.events, on, override=self.override, override_since=self.override_since
        )

    def override_holds_on(self, on):
        return bool(self.override) and (self.override_since is None or self.override_since <= on)

    def evidence_count_on(self, on):
        return sum(1 for day, relation in self.events if day <= on and relation != CONTRARY)

    def latest_on(self, on):
        """The date of the latest evidence or reversal on or before `on` (None if none)."""
        return max((day for day, _ in self.events if day <= on), default=None)

    def latest_evidence_on(self, on):
        """The date of the latest implementing evidence on or before `on` (None if none)."""
        return max(
            (day for day, relation in self.events if day <= on and relation != CONTRARY),
            default=None,
        )


def status_records(recommendations=None):
    """{recommendation pk: StatusRecord} for every recommendation (or those given), one query."""
    queryset = Recommendation.objects.all() if recommendations is None else recommendations
    rows = (
        queryset.annotate(
            counted=FilteredRelation(
                "links",
                condition=LinkQuerySet.accepted_condition("links__")
                & Q(links__relation__in=_STATUS_RELATIONS),
            )
        )
        .order_by()
        .values_list(
            "pk",
            "status",
            "stage_id",
            "status_override",
            "status_override_since",
            "counted__relation",
            "counted__action__factsheet__published",
        )
    )
    records = {}
    for pk, stored, stage_id, override, since, relation, published in rows:
        record = records.get(pk)
        if record is None:
            record = records[pk] = StatusRecord(override, since, [], stored, stage_id)
        if relation:
            record.events.append((published, relation))
    return records


def annotate_on(queryset, records, on):
    """Annotate `status_on_date` and `evidence_on_date` from the records (no extra query)."""
    by_status, by_count = {}, {}
    for pk, record in records.items():
        by_status.setdefault(record.status_on(on), []).append(pk)
        by_count.setdefault(record.evidence_count_on(on), []).append(pk)
    return queryset.annotate(
        status_on_date=_case(by_status, Value(Status.NOT_FOUND.value)),
        evidence_on_date=_case(by_count, Value(0)),
    )


def _case(values, default):
    whens = [When(pk__in=pks, then=Value(value)) for value, pks in sorted(values.items())]
    return Case(*whens, default=default) if whens else default


class AsOfField(forms.DateField):
    """`as_of=YYYY-MM-DD`: not before the record starts; a date after today means today."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        date = super().clean(value)
        if date is None:
            return None
        if date < RECORD_START:
            raise forms.ValidationError(
                f"The record starts on {RECORD_START:%Y-%m-%d}; give a date from then on.",
                code="too_early",
            )
        return min(date, today())


class AsOfForm(forms.Form):
    as_of = AsOfField(label="Status on")


class InvalidAsOf(ValueError):
    pass


def as_of_from(request):
    """The `as_of` date asked for (None for today); raises InvalidAsOf with the reason."""
    form = AsOfForm(request.GET)
    if not form.is_valid():
        raise InvalidAsOf(" ".join(form.errors["as_of"]))
    return form.cleaned_data["as_of"]
