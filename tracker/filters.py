"""Query-string filters for the public list and the downloads (the same parameters for both)."""

import re

import django_filters
from django import forms
from django.db.models import F, Sum, Value

from .compiled import NO_SLUG, CompiledQuery
from .models import Administration, Document, DocumentSet, Link, Recommendation, Stage
from .status import AsOfField, annotate_on, status_records

MAX_QUERY_LENGTH = 200
SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")
FACTSHEET_CHOICES = 30


# The menus' (slug, label) pairs: the same SQL on every list page, compiled once per
# process (`compiled.CompiledQuery`); compiling the documents' took longer than the rest of
# the form.
_OFFERED_STAGES = CompiledQuery(
    lambda: (
        Stage.objects.filter(essay__in=Document.objects.main_essay().values("pk"))
        .order_by("position")
        .values_list("slug", "name")
    )
)
_OFFERED_DOCUMENTS = CompiledQuery(
    lambda: Document.objects.recently_cited().values_list("slug", "title")[:FACTSHEET_CHOICES]
)
# The (slug, label) of the row a query string chose, when its menu does not offer it.
_DOCUMENT_CHOSEN = CompiledQuery(
    lambda slug: Document.objects.filter(slug=slug).values_list("slug", "title"), NO_SLUG
)
_STAGE_CHOSEN = CompiledQuery(
    lambda slug: Stage.objects.filter(slug=slug).values_list("slug", "name"), NO_SLUG
)


class AsOfFilter(django_filters.Filter):
    field_class = AsOfField


class SortFilter(django_filters.OrderingFilter):
    """`sort`: one of the public orders, each with its tie-breaks.

    Without one, a search sorts by relevance and anything else in essay order;
    "relevance" without a search is essay order. With `as_of`, status and
    evidence sort by their values on that date.
    """

    AS_OF_FIELDS = {"status": "status_on_date", "-evidence_count": "-evidence_on_date"}

    def __init__(self, *, sorts, **kwargs):
        self.sorts = sorts
        kwargs["choices"] = [(key, label) for key, (label, _) in sorts.items()]
        super().__init__(**kwargs)

    def chosen(self, value):
        """The sort key that applies: the one asked for, or the default."""
        searched = bool(self.parent.form.cleaned_data.get("q"))
        sort = next((param for param in value or () if param), "")
        if sort == "relevance" and not searched:
            return "essay"
        return sort or ("relevance" if searched else "essay")

    def get_ordering_value(self, param):
        return self.sorts[param][1]

    def filter(self, qs, value):
        ordering = self.get_ordering_value(self.chosen(value))
        if self.parent.as_of_date:
            ordering = [self.AS_OF_FIELDS.get(field, field) for field in ordering]
        return qs.order_by(*ordering)


class RecommendationFilter(django_filters.FilterSet):
    """stage, status, document, evidence, q and sort; an invalid value makes the form invalid."""

    # Old parameter names still accepted: {alias: parameter}.
    ALIASES = {"factsheet": "document"}

    SORTS = {
        "essay": ("Essay order", ["stage__position", "position"]),
        "title": ("Title A–Z", ["title"]),
        "status": ("Status", ["status", "stage__position", "position"]),
        "evidence": ("Most evidence", ["-evidence_count", "stage__position", "position"]),
        "changed": (
            "Recently changed",
            [F("last_changed").desc(nulls_last=True), "stage__position", "position"],
        ),
        "relevance": ("Relevance (with a search)", ["-relevance", "stage__position", "position"]),
    }

    q = django_filters.CharFilter(
        label="Search",
        method="filter_search",
        max_length=MAX_QUERY_LENGTH,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    stage = django_filters.ModelChoiceFilter(
        label="Stage",
        field_name="stage",
        to_field_name="slug",
        queryset=Stage.objects.order_by("position"),
        empty_label="Any stage",
    )
    status = django_filters.ChoiceFilter(
        label="Status",
        choices=Recommendation.Status.choices,
        empty_label="Any status",
        method="filter_status",
    )
    document = django_filters.CharFilter(
        label="Document",
        method="filter_document",
        max_length=200,
        widget=forms.Select,
    )
    evidence = django_filters.ChoiceFilter(
        label="Evidence",
        choices=[("yes", "With evidence"), ("no", "Without evidence")],
        method="filter_evidence",
        empty_label="With or without",
    )
    as_of = AsOfFilter(
        label="As of (YYYY-MM-DD)",
        method="filter_as_of",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    # Last, so that the search has annotated relevance before it sorts.
    sort = SortFilter(label="Sort by", sorts=SORTS, empty_label=None)

    class Meta:
        model = Recommendation
        fields = ["q", "stage", "status", "document", "evidence", "as_of", "sort"]

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and any(alias in data for alias in self.ALIASES):
            data = data.copy()
            for alias, name in self.ALIASES.items():
                if alias in data:
                    if name not in data:
                        data[name] = data[alias]
                    del data[alias]
        super().__init__(data, *args, **kwargs)

    def get_form_class(self):
        # Made once per process and filter class: making its fields took a third of the form's
        # cost, and nothing in them depends on the request (each form's menus are filled by
        # `_offer`).
        made = type(self).__dict__.get("_made_form_class")
        if made is None:
            made = type(self)._made_form_class = super().get_form_class()
        return made

    def offer_documents(self):
        """Fill the document menu, for a page that shows the form.

        It offers the documents most recently cited as evidence (an archive has
        thousands); any document's slug in the query string still filters.
        """
        self._offer("document", _OFFERED_DOCUMENTS(), _DOCUMENT_CHOSEN, "Any document")

    def offer_stages(self):
        """Fill the stage menu, for a page that shows the form.

        It offers the main essay's stages, the ones the scorecard shows (other essays'
        would repeat their names); any stage's slug in the query string still filters.
        """
        self._offer("stage", _OFFERED_STAGES(), _STAGE_CHOSEN, "Any stage")

    def _offer(self, name, offered, chosen_row, empty_label):
        """Set the menu of field `name` to the (slug, label) pairs `offered`, plus the pair
        `chosen_row(slug)` gives for the slug the query string chose if it is not among them."""
        choices = list(offered)
        chosen = self.data.get(name, "") if self.data else ""
        if SLUG.fullmatch(chosen) and chosen not in dict(choices):
            choices += chosen_row(chosen)
        self.form.fields[name].widget.choices = [("", empty_label), *choices]

    def filter_search(self, queryset, name, value):
        value = " ".join(value.replace("\x00", " ").split())
        return queryset.search(value) if value else queryset.annotate(relevance=Value(0))

    @property
    def as_of_date(self):
        """The date asked for with `as_of` (None: today's public statuses)."""
        return self.form.cleaned_data.get("as_of") if self.is_bound and self.is_valid() else None

    def filter_queryset(self, queryset):
        if self.as_of_date:
            # Statuses and evidence on that date, computed from one query over the links.
            queryset = annotate_on(queryset, status_records(), self.as_of_date)
            queryset = queryset.with_last_changed(on=self.as_of_date)
        return super().filter_queryset(queryset)

    def filter_as_of(self, queryset, name, value):
        return queryset  # Applied first, in `filter_queryset`.

    def filter_status(self, queryset, name, value):
        return queryset.filter(**{"status_on_date" if self.as_of_date else "status": value})

    def filter_document(self, queryset, name, slug):
        evidence = Link.objects.evidence().filter(action__factsheet__slug=slug)
        if self.as_of_date:
            evidence = evidence.filter(action__factsheet__published__lte=self.as_of_date)
        return queryset.filter(pk__in=evidence.values("recommendation_id"))

    def filter_evidence(self, queryset, name, value):
        count = "evidence_on_date" if self.as_of_date else "evidence_count"
        return (
            queryset.filter(**{f"{count}__gt": 0})
            if value == "yes"
            else queryset.filter(**{count: 0})
        )

    @property
    def applied_sort(self):
        """The sort that applies ("essay" for an unbound or invalid filter)."""
        if not (self.is_bound and self.is_valid()):
            return "essay"
        return self.filters["sort"].chosen(self.form.cleaned_data.get("sort"))


class DocumentFilter(django_filters.FilterSet):
    """The documents list: by kind and by administration."""

    kind = django_filters.ChoiceFilter(
        label="Kind",
        choices=[c for c in Document.Kind.choices if c[0] != Document.Kind.ESSAY],
        empty_label="Any kind",
    )
    administration = django_filters.ModelChoiceFilter(
        label="Administration",
        field_name="administration",
        to_field_name="slug",
        queryset=Administration.objects.order_by("took_office"),
        empty_label="Any administration",
    )

    class Meta:
        model = Document
        fields = ["kind", "administration"]

    def count(self):
        """How many documents the filter keeps, from the stored figures of their sets
        (`DocumentSet`, kept by the database's triggers): counting the documents themselves
        read every one of them (15 ms at x10 on PostgreSQL)."""
        sets = DocumentSet.objects.exclude(kind=Document.Kind.ESSAY)
        # The filters themselves, on the sets: their fields are the sets' keys.
        for name, value in (self.form.cleaned_data if self.is_bound else {}).items():
            sets = self.filters[name].filter(sets, value)
        return sets.aggregate(documents=Sum("document_count", default=0))["documents"]
