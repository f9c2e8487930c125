import pickle
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DatabaseError, connection, connections, models, transaction
from django.db.backends.utils import CursorDebugWrapper, CursorWrapper
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator

from .addresses import slug_address
from .compiled import NO_ID, NO_SLUG, CompiledQuery, sqlite_literal
from .text import STATUS_REASON_MAX_LENGTH, validate_editor_markdown, validate_xml_text

# What the documents list shows of a document (`tracker_tags.document_rows`).
DOCUMENT_ROW_FIELDS = (
    "kind",
    "subtype",
    "executive_order_number",
    "administration",
    "slug",
    "title",
    "published",
)


class DocumentQuerySet(models.QuerySet):
    def essays(self):
        return self.filter(kind=Document.Kind.ESSAY)

    def main_essay(self):
        """The essay the site is about, as a queryset of one: the first imported (later ones
        may share its date, as the benchmark's ten synthetic essays do)."""
        return self.essays().order_by("published", "pk")[:1]

    def factsheets(self):
        """Every source of actions (fact sheets, presidential actions, editor-entered sources),
        not the essay."""
        return self.exclude(kind=Document.Kind.ESSAY)

    def imported(self):
        """The documents read from files: the record searched. Not the essay, and not the
        sources editors entered by hand, which no import may match, update or count."""
        return self.filter(kind__in=Document.IMPORTED_KINDS)

    def editor_sources(self):
        return self.filter(kind=Document.Kind.EDITOR_SOURCE)

    def recently_cited(self, links=300):
        """Documents cited by the latest `links` evidence links, newest document first.

        Bounded by the links read, not by the documents: walking documents newest first
        until enough are cited reads a thousand uncited ones when the latest documents
        (a new administration's) are rarely evidence.
        """
        latest = Link.objects.evidence().order_by("-pk").values("action__factsheet_id")[:links]
        return self.factsheets().filter(pk__in=latest).order_by("-published", "title")

    def for_factsheet_list(self):
        """The documents list's rows: only the columns a row shows (the others, the dates of
        its import and last save, its checksums, a JSON list of notes, cost more to read than
        the row itself)."""
        return (
            self.factsheets()
            .select_related("administration")
            .only(*DOCUMENT_ROW_FIELDS)
            .order_by("-published", "title")
        )

    def count_actions_and_evidence(self, factsheets):
        """Set `action_count` and `evidence_count` on a page of fact sheets (two queries)."""
        ids = [factsheet.pk for factsheet in factsheets]
        actions = dict(
            Action.objects.filter(factsheet__in=ids)
            .values_list("factsheet")
            .annotate(n=Count("pk"))
            .order_by()
        )
        evidence = dict(
            Link.objects.evidence()
            .filter(action__factsheet__in=ids)
            .values_list("action__factsheet")
            .annotate(n=Count("pk"))
            .order_by()
        )
        for factsheet in factsheets:
            factsheet.action_count = actions.get(factsheet.pk, 0)
            factsheet.evidence_count = evidence.get(factsheet.pk, 0)
        return factsheets

    def for_site_search(self, query):
        """The site search's documents: fact sheets and presidential actions whose title
        matches `query`, most relevant first, each with its administration
        (`tracker.full_text`)."""
        from .full_text import DOCUMENTS, matches
        from .search import parse

        terms = parse(query)
        return (
            matches(self.factsheets().select_related("administration"), terms, DOCUMENTS)
            if terms
            else []
        )

    def for_factsheet_page(self):
        actions = _factsheet_page_actions().prefetch_related(
            Prefetch("links", queryset=_factsheet_page_links(), to_attr="accepted_links")
        )
        return (
            self.factsheets()
            .select_related("administration")
            .prefetch_related(Prefetch("actions", queryset=actions, to_attr="current_actions"))
        )

    def factsheet_page(self, slug):
        """The document `slug` as `for_factsheet_page()` gives it, or None: three queries (the
        document, its current actions, their accepted links), whose SQL each process compiles
        once (`compiled.CompiledQuery`)."""
        found = _FACTSHEET_PAGE_DOCUMENT(slug)
        if not found:
            return None
        factsheet = found[0]
        links = {}
        for link in _FACTSHEET_PAGE_LINKS(factsheet.pk):  # In the page's order.
            links.setdefault(link.action_id, []).append(link)
        factsheet.current_actions = _FACTSHEET_PAGE_ACTIONS(factsheet.pk)
        for action in factsheet.current_actions:  # As the prefetches set them.
            Action.factsheet.field.set_cached_value(action, factsheet)
            action.accepted_links = links.get(action.pk, [])
            for link in action.accepted_links:
                Link.action.field.set_cached_value(link, action)
        return factsheet


def _factsheet_page_actions():
    return Action.objects.filter(withdrawn=False).order_by("position")


def _factsheet_page_links():
    return (
        Link.objects.accepted()
        .select_related("recommendation")
        .defer("recommendation__search_text")  # Search's, kilobytes a row: not shown.
        .order_by("recommendation__stage__position", "recommendation__position")
    )


# The document page's queries with a placeholder for the slug and the document's id (a
# string no slug can be, an id no row has), each compiled with it once per process. The
# links are those of every action of the document: a withdrawn action's are left unread.
_FACTSHEET_PAGE_DOCUMENT = CompiledQuery(
    lambda slug: (
        Document.objects.factsheets().select_related("administration").filter(slug=slug)[:2]
    ),
    NO_SLUG,
)
_FACTSHEET_PAGE_ACTIONS = CompiledQuery(
    lambda pk: _factsheet_page_actions().filter(factsheet_id=pk), NO_ID
)
_FACTSHEET_PAGE_LINKS = CompiledQuery(
    lambda pk: _factsheet_page_links().filter(action__factsheet_id=pk), NO_ID
)


class Document(models.Model):
    """A source the tracker reads: the essay of recommendations, or a fact sheet of actions."""

    class Kind(models.TextChoices):
        ESSAY = "essay", "Essay"
        FACTSHEET = "factsheet", "Fact sheet"
        PRESIDENTIAL_ACTION = "presidential_action", "Presidential action"
        # Evidence outside the record searched (a Federal Register notice, a State Department
        # release, a court filing), entered by an editor: one action, the quoted passage.
        EDITOR_SOURCE = "editor_source", "Editor-entered source"

    IMPORTED_KINDS = [Kind.FACTSHEET, Kind.PRESIDENTIAL_ACTION]

    class Subtype(models.TextChoices):
        EXECUTIVE_ORDER = "executive_order", "Executive order"
        MEMORANDUM = "memorandum", "Memorandum"
        PROCLAMATION = "proclamation", "Proclamation"
        NOTICE = "notice", "Notice"
        LETTER = "letter", "Letter or message"
        OTHER = "other", "Other presidential action"

    kind = models.CharField(max_length=20, choices=Kind)
    subtype = models.CharField(
        max_length=20,
        choices=Subtype,
        blank=True,
        help_text="For presidential actions: the instrument, read from the title and text.",
    )
    executive_order_number = models.PositiveIntegerField(
        null=True, blank=True, help_text="Where the text gives it."
    )
    administration = models.ForeignKey(
        "Administration",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documents",
        help_text="The administration in office on the document's date; editors may correct it.",
    )
    content_hash = models.CharField(
        max_length=64,
        blank=True,
        db_index=True,
        help_text="Hash of the title and actions, so a file published twice is stored once.",
    )
    needs_review = models.CharField(
        max_length=300,
        blank=True,
        help_text="Why editors should check it (e.g. its title disagrees with its file name).",
    )
    slug = models.SlugField(max_length=200, unique=True)
    title = models.CharField(max_length=500)
    author = models.CharField(max_length=200, blank=True)
    publisher = models.CharField(max_length=300, blank=True)
    url = models.URLField(max_length=2000, blank=True)
    published = models.DateField()
    licence = models.CharField(max_length=200, blank=True)
    tags = models.CharField(max_length=300, blank=True)
    source_path = models.CharField(
        max_length=500, help_text="File the document was imported from, relative to its folder."
    )
    checksum = models.CharField(max_length=64, help_text="SHA-256 of the imported file.")
    source_file = models.CharField(
        max_length=1000,
        blank=True,
        editable=False,
        help_text="Where the imported file was when it was last stored (its full path; empty: "
        "stored before locations were recorded). While that file is still there, another file "
        "with the same page is a duplicate, not a re-issue.",
    )
    parser_version = models.PositiveSmallIntegerField(
        default=0,
        editable=False,
        help_text="The version of the document parser that read the file "
        "(`document_parser.PARSER_VERSION`; 0: read before versions were recorded, or not a "
        "file the parser reads). An import reads an unchanged file again if it is another.",
    )
    body = models.TextField(
        blank=True, help_text="Essay: the repaired text, paragraphs separated by blank lines."
    )
    footnotes = models.JSONField(default=list, blank=True)
    imported_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by each save, so a stale form is refused."
    )

    objects = DocumentQuerySet.as_manager()

    class Meta:
        ordering = ["-published", "title"]
        indexes = [
            models.Index(fields=["kind", "-published"], name="document_kind_published"),
            models.Index(fields=["-published", "title"], name="document_order"),
            # A document set's first and last dates and latest save, read again when the
            # document that held one leaves the set (`tracker.document_sets`): one range of it.
            models.Index(
                fields=["kind", "administration", "published", "updated_at"],
                name="document_scope",
            ),
        ]

    # Set here because the body of Meta cannot see the choices above.
    Meta.constraints = [
        models.CheckConstraint(condition=Q(kind__in=Kind.values), name="document_kind_valid"),
        models.CheckConstraint(
            condition=Q(subtype__in=["", *Subtype.values]), name="document_subtype_valid"
        ),
        # The file tells the two apart: an imported document (or the essay) has one; an
        # editor-entered source has none, and says who published it and where to read it.
        models.CheckConstraint(
            condition=Q(kind=Kind.EDITOR_SOURCE) | ~Q(source_path=""),
            name="document_imported_has_file",
        ),
        models.CheckConstraint(
            condition=~Q(kind=Kind.EDITOR_SOURCE)
            | (Q(source_path="") & Q(subtype="") & ~Q(publisher="") & ~Q(url="")),
            name="document_editor_source_complete",
        ),
        # Only the files the document parser reads carry the version that read them.
        models.CheckConstraint(
            condition=Q(kind__in=IMPORTED_KINDS) | Q(parser_version=0),
            name="document_parser_version_imported_only",
        ),
    ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        save_new_version(self, super().save, args, kwargs)

    def get_absolute_url(self):
        if self.kind == self.Kind.ESSAY:
            return reverse("tracker:essay")
        return slug_address("tracker:document_detail", self.slug)

    @property
    def is_editor_source(self):
        return self.kind == self.Kind.EDITOR_SOURCE

    @property
    def kind_label(self):
        """ "Fact sheet", "Memorandum", "Executive order 14203", ..."""
        if self.subtype == self.Subtype.EXECUTIVE_ORDER and self.executive_order_number:
            return f"{self.get_subtype_display()} {self.executive_order_number}"
        return self.get_subtype_display() if self.subtype else self.get_kind_display()

    @property
    def working_url(self):
        """The address where the source can be read today (`record.working_url`)."""
        from .record import working_url

        return working_url(self.url, self.published)


DocumentManager = models.Manager.from_queryset(DocumentQuerySet)


class EditorSourceManager(DocumentManager):
    def get_queryset(self):
        return super().get_queryset().editor_sources()


class EditorSource(Document):
    """A source an editor entered by hand (its own admin): a Document of that kind, whose one
    action is the quoted passage, so it is linked, dated and exported like any action."""

    PASSAGE_KEY = "passage"
    PASSAGE_MAX_LENGTH = 5_000
    # Keeps its slug apart from the imported documents', which are their file names.
    SLUG_PREFIX = "editor-"

    objects: ClassVar[EditorSourceManager] = EditorSourceManager()

    class Meta:
        proxy = True
        verbose_name = "editor-entered source"
        ordering = ["-published", "title"]

    def clean(self):
        errors = {}
        for name in ("title", "publisher"):
            try:
                validate_xml_text(getattr(self, name))
            except ValidationError as error:
                errors[name] = error.messages
        for name, missing in [
            ("publisher", "Say who published it (e.g. Federal Register, Department of State)."),
            ("url", "Give the address where the source can be read."),
        ]:
            if not getattr(self, name).strip():
                errors.setdefault(name, [missing])
        if self.published and self.published > timezone.localdate():
            errors["published"] = ["Evidence cannot be dated in the future."]
        if errors:
            raise ValidationError(errors)

    @property
    def passage(self):
        """The quoted passage (its one action), read from prefetched actions if there are."""
        return next((a.text for a in self.actions.all() if a.key == self.PASSAGE_KEY), "")


class AdministrationQuerySet(models.QuerySet):
    def in_office_on(self, date):
        """The administration whose term covers `date` (the later one on an inauguration day)."""
        return (
            self.filter(took_office__lte=date)
            .filter(Q(left_office__isnull=True) | Q(left_office__gt=date))
            .order_by("-took_office")
            .first()
        )


class Administration(models.Model):
    """A presidential administration: every document belongs to the one in office on its date."""

    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    president = models.CharField(max_length=200)
    took_office = models.DateField(unique=True)
    left_office = models.DateField(null=True, blank=True, help_text="Empty while in office.")

    objects = AdministrationQuerySet.as_manager()

    class Meta:
        ordering = ["took_office"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_office__isnull=True) | Q(left_office__gt=models.F("took_office")),
                name="administration_left_after_took_office",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("tracker:document_list") + f"?administration={self.slug}"

    def clean(self):
        if self.left_office and self.left_office <= self.took_office:
            raise ValidationError(
                {"left_office": "An administration leaves office after it took it."}
            )


class Stage(models.Model):
    """A stage of work the essay asks for, taken from its section headings, in essay order."""

    essay = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="stages",
        limit_choices_to={"kind": Document.Kind.ESSAY},
    )
    slug = models.SlugField(max_length=100, unique=True)
    name = models.CharField(max_length=200)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["essay", "position"]
        constraints = [
            models.UniqueConstraint(fields=["essay", "position"], name="stage_position_unique"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return slug_address("tracker:stage_detail", self.slug)


class SearchScore(models.Expression):
    """A search's relevance in a row's search text, read in its stems line only
    (`search.STEMS_MARK`; the words as written before it would count again the words whose
    stem is the word itself): each occurrence of a `counted` pattern counts one, and on
    PostgreSQL each `titled` pattern found counts ten (SQLite finds those in its index
    instead, `RecommendationQuerySet.search`).

    SQLite counts with a Python function (`full_text.occurrences`): its REPLACE over long
    texts, once a pattern, was most of a search's time. PostgreSQL reads the text once, in a
    subquery of its own (OFFSET 0 keeps it apart), rather than decompressing it from its
    TOAST storage again for each pattern.
    """

    output_field = models.IntegerField()

    def __init__(self, text, counted, titled=()):
        super().__init__()
        self.text, self.counted, self.titled = text, list(counted), list(titled)

    def get_source_expressions(self):
        return [self.text]

    def set_source_expressions(self, expressions):
        (self.text,) = expressions

    def as_sqlite(self, compiler, connection, **extra_context):
        from .full_text import OCCURRENCES
        from .search import STEMS_MARK

        text, params = compiler.compile(self.text)
        placeholders = ", ".join("%s" for _ in self.counted)
        # As bytes: counting in them is several times faster than in text with accents.
        sql = f"{OCCURRENCES}(CAST({text} AS BLOB), %s, {placeholders})"
        return sql, [*params, STEMS_MARK, *self.counted]

    def as_postgresql(self, compiler, connection, **extra_context):
        from .search import STEMS_MARK

        text, params = compiler.compile(self.text)
        # The patterns are ASCII: the bytes a replacement removes are its characters.
        counts = [
            f"(OCTET_LENGTH(t) - OCTET_LENGTH(REPLACE(t, %s, ''))) / {len(pattern)}"
            for pattern in self.counted
        ]
        titles = ["CASE WHEN STRPOS(t, %s) > 0 THEN 10 ELSE 0 END" for _ in self.titled]
        score = " + ".join(["0", *counts, *titles])
        sql = f"(SELECT {score} FROM (SELECT SPLIT_PART({text}, %s, 2) AS t OFFSET 0) AS texts)"
        # The score's placeholders come first in the statement, then the text's.
        return sql, [*self.counted, *self.titled, *params, STEMS_MARK]


class RecommendationQuerySet(models.QuerySet):
    def with_evidence_count(self):
        """Annotate the number of accepted links that count as evidence (not merely related).

        A correlated subquery rather than a join: grouping the recommendations over every
        link row made each expression of the row (a search's relevance over the long
        search text) run once per link, and the list's count group them all again.
        """
        evidence = (
            Link.objects.evidence()
            .filter(recommendation=OuterRef("pk"))
            .order_by()
            .values("recommendation")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return self.annotate(evidence_count=Coalesce(Subquery(evidence), 0))

    def with_last_changed(self, on=None):
        """Annotate when the status last changed (None if never since import); with `on`,
        the last change made by that day."""
        changes = StatusChange.objects.made_by(on) if on else StatusChange.objects
        latest = (
            changes.filter(recommendation=OuterRef("pk"))
            .order_by("-changed_at")
            .values("changed_at")[:1]
        )
        return self.annotate(last_changed=Subquery(latest))

    def search(self, query):
        """Recommendations whose title, statement, quote, reason or evidence match `query`,
        with a `relevance`: every term required, accents ignored, acronyms expanded, words
        stemmed (`tracker.search`).

        PostgreSQL matches with its full-text search (stemmed, indexed); SQLite matches the
        stored stems line through its FTS5 index (`tracker.full_text.RECOMMENDATIONS`), so
        neither reads the texts that do not match. Both rank by the terms found in the
        title, then by how often they occur.
        """
        from django.db.models import Case, IntegerField, When

        from .full_text import recommendation_ids, stems_query, title_query
        from .search import parse

        terms = parse(query)
        if not terms:  # No word in it (punctuation only): nothing matches.
            return self.none().annotate(relevance=Value(0))
        sqlite = connection.vendor == "sqlite"
        # Relevance, the same on both databases: each occurrence of a term in the stems
        # line counts one, a term in the title ten. SQLite finds the title's terms (the
        # stems line's "t:" words) in its index rather than in each matching text.
        counted = [pattern for term in terms for pattern in term.patterns()]
        if sqlite:
            score = SearchScore(models.F("search_text"), counted)
            for term in terms:
                for phrase in term.phrases:
                    in_title = Q(pk__in=RawSQL(*recommendation_ids(title_query(phrase))))
                    score = score + Case(
                        When(in_title, then=Value(10)),
                        default=Value(0),
                        output_field=IntegerField(),
                    )
        else:
            titled = [pattern for term in terms for pattern in term.patterns("t:")]
            score = SearchScore(models.F("search_text"), counted, titled)
        if connection.vendor == "postgresql":
            # Matched by its full-text search (stemmed by PostgreSQL, accents folded by the
            # stems line) on the vector of the search text that PostgreSQL stores beside it
            # (a generated column, migration 0018), in a subquery of its own.
            vector = RawSQL("search_vector", [], output_field=SearchVectorField())
            terms_query = None
            for term in terms:
                alternatives = None
                for spelled in term.spelled:
                    phrase = SearchQuery(" ".join(spelled), search_type="phrase", config="english")
                    alternatives = phrase if alternatives is None else alternatives | phrase
                terms_query = alternatives if terms_query is None else terms_query & alternatives
            matching = Recommendation.objects.annotate(document=vector).filter(document=terms_query)
            return self.filter(pk__in=matching.values("pk")).annotate(relevance=score)
        return self.filter(pk__in=RawSQL(*recommendation_ids(stems_query(terms)))).annotate(
            relevance=score
        )

    def for_site_search(self, query):
        """The site search's recommendations: `search`, most relevant first, with their stage."""
        return (
            self.search(query)
            .select_related("stage")
            .order_by("-relevance", "stage__position", "position")
        )

    def for_list_page(self, searched=False):
        """The list's rows; the long search texts only for a search, whose snippets read them
        (on PostgreSQL, reading them took most of the list's query)."""
        rows = (
            self.select_related("stage")
            .with_evidence_count()
            .with_last_changed()
            .order_by("stage__position", "position")
        )
        return rows if searched else rows.defer("search_text")

    def for_detail_page(self):
        return self.select_related("stage", "stage__essay").prefetch_related(
            Prefetch("links", queryset=_detail_page_links(), to_attr="accepted_links"),
            Prefetch("status_changes", queryset=_detail_page_history(), to_attr="history"),
        )

    def detail_page(self, code):
        """The recommendation `code` as `for_detail_page()` gives it, or None: the same three
        queries, whose SQL each process compiles once (`compiled.CompiledQuery`), since
        compiling them took most of the page's time."""
        found = _DETAIL_PAGE_RECOMMENDATION(code)
        if not found:
            return None
        recommendation = found[0]
        recommendation.accepted_links = _DETAIL_PAGE_LINKS(recommendation.pk)
        for link in recommendation.accepted_links:  # As the prefetch sets it.
            Link.recommendation.field.set_cached_value(link, recommendation)
        recommendation.history = _DETAIL_PAGE_HISTORY(recommendation.pk)
        for change in recommendation.history:
            StatusChange.recommendation.field.set_cached_value(change, recommendation)
        return recommendation

    def for_scorecard(self):
        """The downloads' rows: `exports.scorecard_rows` adds each chunk's evidence."""
        return self.for_list_page()

    def refresh_search_texts(self):
        """Rebuild the stored search texts that differ from what `build_search_text` gives
        (after a change to how search reads them); returns how many changed."""
        stale = []
        for recommendation in self.only(
            "pk", "title", "statement", "quote", "status_reason", "search_text"
        ):
            text = recommendation.build_search_text()
            if text != recommendation.search_text:
                recommendation.search_text = text
                stale.append(recommendation)
        Recommendation.objects.bulk_update(stale, ["search_text"], batch_size=500)
        return len(stale)

    def status_totals(self):
        """{status: count} over the queryset, every status present.

        Counted over the queryset's rows by primary key, apart from its annotations: an
        annotation that joins link rows would make a grouping count links, not
        recommendations (the list's evidence count once did).
        """
        return self.status_totals_of(self.status_totals_query())

    def status_totals_query(self):
        """The (status, count) rows that `status_totals` reads."""
        return (
            Recommendation.objects.filter(pk__in=self.values("pk"))
            .order_by()
            .values_list("status")
            .annotate(n=Count("pk"))
        )

    @staticmethod
    def status_totals_of(rows):
        """{status: count} from (status, count) rows, every status present."""
        counts = dict(rows)
        return {status: counts.get(status, 0) for status in Recommendation.Status.values}


def _detail_page_links():
    return (
        Link.objects.accepted()
        .select_related("action__factsheet__administration")
        .order_by("action__factsheet__published", "action__position")
    )


def _detail_page_history():
    return StatusChange.objects.order_by("changed_at", "pk")


# The detail page's queries with a placeholder for the code and the recommendation's id: a
# string no slug can be and an id no row has, each compiled with it once per process.
_DETAIL_PAGE_RECOMMENDATION = CompiledQuery(
    lambda code: (
        Recommendation.objects.select_related("stage", "stage__essay")
        # Not shown, and long: search's text, and the essay's (the page cites its title).
        .defer("search_text", "stage__essay__body", "stage__essay__footnotes")
        .filter(code=code)[:2]
    ),
    NO_SLUG,
)
_DETAIL_PAGE_LINKS = CompiledQuery(
    lambda pk: _detail_page_links().filter(recommendation_id=pk), NO_ID
)
_DETAIL_PAGE_HISTORY = CompiledQuery(
    lambda pk: _detail_page_history().filter(recommendation_id=pk), NO_ID
)


class Recommendation(models.Model):
    """One concrete ask of the essay, quoted verbatim."""

    class Status(models.TextChoices):
        IMPLEMENTED = "implemented", "Implemented"
        PARTIAL = "partial", "Partly implemented"
        NOT_FOUND = "not_found", "No action found"
        CONTRARY = "contrary", "Contrary action"
        REVERSED = "reversed", "Reversed"

    code = models.SlugField(max_length=60, unique=True)
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="recommendations")
    subsection = models.CharField(
        max_length=200,
        blank=True,
        help_text="The essay's sub-heading the quote sits under, if any.",
    )
    position = models.PositiveIntegerField(
        help_text="Character offset of the quote in the essay's repaired text."
    )
    title = models.CharField(max_length=200)
    statement = models.TextField()
    quote = models.TextField()
    is_implied = models.BooleanField(
        default=False,
        help_text="The essay implies or suggests this ask rather than making it in so many words.",
    )
    status = models.CharField(
        max_length=20,
        choices=Status,
        default=Status.NOT_FOUND,
        help_text="The status shown to the public: the override if set, else derived from links.",
    )
    status_override = models.CharField(max_length=20, choices=Status, blank=True)
    status_override_since = models.DateField(
        null=True,
        blank=True,
        help_text="The date from which the override holds (empty: always); before it, the "
        "status follows the links.",
    )
    status_reason = models.TextField(
        blank=True,
        validators=[validate_editor_markdown, MaxLengthValidator(STATUS_REASON_MAX_LENGTH)],
        help_text="Public reason for the status (Markdown). Required with an override.",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by each save, so a stale form is refused."
    )
    search_text = models.TextField(
        blank=True,
        editable=False,
        help_text="Title, statement, quote, reason and accepted evidence, for search.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = RecommendationQuerySet.as_manager()

    class Meta:
        ordering = ["stage__position", "position"]
        indexes = [
            models.Index(fields=["status"], name="recommendation_status"),
            # A stage page's totals by status: read from the index alone, not from rows that
            # carry the long search text (the scorecard reads `StatusCount` instead).
            models.Index(fields=["stage", "status"], name="recommendation_stage_status"),
        ]

    # Set here because the body of Meta cannot see the choices above.
    Meta.constraints = [
        models.CheckConstraint(
            condition=Q(status__in=Status.values), name="recommendation_status_valid"
        ),
        models.CheckConstraint(
            condition=Q(status_override="") | Q(status=models.F("status_override")),
            name="recommendation_override_is_status",
        ),
        models.CheckConstraint(
            condition=Q(status_override="") | ~Q(status_reason=""),
            name="recommendation_override_has_reason",
        ),
    ]

    def __str__(self):
        return f"{self.code}: {self.title}"

    def save(self, *args, **kwargs):
        save_new_version(self, super().save, args, kwargs)

    def get_absolute_url(self):
        return slug_address("tracker:recommendation_detail", self.code)

    def clean(self):
        if self.status_override and not self.status_reason.strip():
            raise ValidationError(
                {"status_reason": "Give the public reason for overriding the status."}
            )
        if self.status_override_since and self.status_override_since > timezone.localdate():
            raise ValidationError(
                {"status_override_since": "The override's date cannot be in the future."}
            )

    @property
    def evidence_links(self):
        """From `for_detail_page()`: accepted links that implement the ask, fully or partly."""
        return [link for link in self.accepted_links if link.is_evidence]

    @property
    def contrary_links(self):
        """From `for_detail_page()`: accepted links to actions that go against the ask."""
        return [link for link in self.accepted_links if link.relation == Link.Relation.CONTRARY]

    def status_record(self):
        """From `for_detail_page()`: what decides the status, read from the prefetched links."""
        from .status import STATUS_RELATIONS, StatusRecord

        events = [
            (link.action.factsheet.published, link.relation)
            for link in self.accepted_links
            if link.relation in STATUS_RELATIONS
        ]
        return StatusRecord(
            self.status_override, self.status_override_since, events, self.status, self.stage_id
        )

    @property
    def related_links(self):
        return [link for link in self.accepted_links if link.relation == Link.Relation.RELATED]

    def build_search_text(self):
        """The parts as written, one a line, then their folded stems (`tracker.search`)."""
        from .search import stems_line

        evidence = self.links.accepted().select_related("action")
        parts = [self.title, self.statement, self.quote, self.status_reason]
        for link in evidence:
            parts += [link.reason, link.action.text]
        parts = [" ".join(part.split()) for part in parts if part]
        return "\n".join([*parts, stems_line(parts, title=self.title)])

    def stored_status_record(self):
        """What decides the status: the stored accepted links and this instance's override
        (`tracker.status`)."""
        from .status import status_records

        record = status_records(Recommendation.objects.filter(pk=self.pk)).get(self.pk)
        record.override, record.override_since = self.status_override, self.status_override_since
        return record

    @transaction.atomic
    def refresh_status(self, *, user=None, reason="", links=(), decided=False, record=True):
        """Set the public status (today's) from the override and the accepted links, and the
        recommendation's changes to the scorecard's counts over time (`tracker.tally`).

        Saves the recommendation if its status or search text changed. Records
        an entry in its history (who, why, the links that caused it) only when
        the public status changed, or when an editor decided on the override or
        the reason without changing it (`decided`); never with `record=False` (loading the
        seeds is not news: it is where the record starts).
        """
        from . import tally
        from .status import today

        # Locked before its links are read: editors deciding on it at once derive it in turn,
        # each from the others' committed decisions, not all from what was there before.
        locked = Recommendation.objects.select_for_update().filter(pk=self.pk)
        old_status = locked.values_list("status", flat=True).get()
        status_record = self.stored_status_record()
        self.status = status_record.status_on(today())
        search_text = self.build_search_text()
        status_changed = self.status != old_status
        if status_changed or search_text != self.search_text:
            self.search_text = search_text
            self.save()
        tally.refresh({self.pk: status_record})
        if not record:
            return self.status
        if self.status != old_status or decided:
            StatusChange.objects.create(
                recommendation=self,
                changed_by=user,
                from_status=old_status,
                to_status=self.status,
                reason=reason or (self.status_reason if self.status_override else ""),
                links=[link_snapshot(link) for link in links],
            )
        return self.status


def save_new_version(instance, super_save, args, kwargs):
    """Raise the row's version on every update: the basis of refusing stale forms."""
    if instance.pk is not None and not kwargs.get("force_insert"):
        instance.version += 1
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = [*kwargs["update_fields"], "version"]
    super_save(*args, **kwargs)


def bulk_update_new_versions(model, rows, fields):
    """`bulk_update` that raises each row's version as `save()` does, for the bulk paths."""
    for row in rows:
        row.version += 1
    return model.objects.bulk_update(rows, [*fields, "version"])


class ActionQuerySet(models.QuerySet):
    def for_site_search(self, query):
        """The site search's actions: those on their document's page (not withdrawn) whose
        text, section or sub-heading matches `query`, most relevant first, each with its
        document and administration; legal boilerplate (preambles, general provisions,
        signatures) left out (`tracker.full_text.ACTIONS`)."""
        from .full_text import ACTIONS, matches
        from .search import parse

        terms = parse(query)
        rows = self.select_related("factsheet__administration")
        return matches(rows, terms, ACTIONS) if terms else []


class Action(models.Model):
    """One item of a fact sheet: something the government said it did."""

    factsheet = models.ForeignKey(
        Document,
        on_delete=models.CASCADE,
        related_name="actions",
        limit_choices_to=~Q(kind=Document.Kind.ESSAY),
    )
    position = models.PositiveIntegerField()
    key = models.CharField(
        max_length=64,
        help_text="Stable key from the normalised text, so a re-import finds the same row.",
    )
    section = models.CharField(max_length=500, blank=True)
    subheading = models.CharField(
        max_length=500, blank=True, help_text="A bold-only bullet that heads the items after it."
    )
    lead_in = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    markdown = models.TextField()
    has_local_links = models.BooleanField(
        default=False,
        help_text="The source linked to a file on a staff computer; kept as text, not as a link.",
    )
    withdrawn = models.BooleanField(
        default=False, help_text="No longer in the source, kept because editors linked it."
    )
    is_boilerplate = models.BooleanField(
        default=False,
        help_text="Legal boilerplate (preamble, general provisions, signature): kept as text, "
        "never suggested.",
    )

    objects = ActionQuerySet.as_manager()

    class Meta:
        # Local fields only: ordering by "factsheet" would join the documents on every query.
        ordering = ["factsheet_id", "position"]
        constraints = [
            models.UniqueConstraint(fields=["factsheet", "key"], name="action_key_unique"),
            models.CheckConstraint(condition=~Q(text=""), name="action_text_not_empty"),
        ]
        indexes = [
            models.Index(fields=["factsheet", "position"], name="action_position"),
            # A link's document and place, read without the action's row (its text makes
            # the rows long): SQLite's scorecard.csv joins every cited action through it.
            models.Index(fields=["id", "factsheet", "position"], name="action_of_link"),
        ]

    def __str__(self):
        return Truncator(self.text).chars(80)


class Written(Value):
    """A value of the code's own, never a visitor's, that SQLite reads written into the SQL as
    a literal; other databases take it as a parameter, as a plain value (the same SQL text).

    SQLite prepares a statement again on every run when one of its parameters is compared with
    a column that a partial index's condition names (`review = ?` against
    `link_evidence_latest`'s `review = 'accepted'`), to see whether that index could serve the
    value bound: 40 to 87 authorizer calls (preparing) on a repeat uncached request of the
    list, recommendation, document and search pages at the whole record. With the value in the
    text, each statement is prepared once and then kept in the connection's statement cache.
    """

    def __init__(self, *values):
        for value in values:
            if not isinstance(value, str) or "'" in value or "%" in value or "\x00" in value:
                raise TypeError(f"no SQLite literal written for {value!r}")
        if not values:
            raise TypeError("no value to write")
        # One value for `=`, several for `__in` (written as one list, as `IN (%s, %s)`).
        super().__init__(values[0] if len(values) == 1 else values, models.CharField())
        self.values = values

    def resolve_expression(self, *args, **kwargs):
        return self  # A constant, never saved: no copy to make for each query.

    def as_sql(self, compiler, connection, **extra_context):
        if len(self.values) == 1:
            return "%s", [self.value]
        return "(" + ", ".join(["%s"] * len(self.values)) + ")", list(self.values)

    def as_sqlite(self, compiler, connection, **extra_context):
        written = ", ".join(map(sqlite_literal, self.values))
        return (written if len(self.values) == 1 else f"({written})"), []


class LinkQuerySet(models.QuerySet):
    """The rules that say which links count, written once."""

    @staticmethod
    def accepted_condition(prefix=""):
        """Accepted by an editor; `prefix` reaches links across a relation ("links__")."""
        return Q(**{f"{prefix}review": _ACCEPTED})

    @staticmethod
    def evidence_condition(prefix=""):
        """Accepted as implementing the ask, fully or partly: what counts as evidence."""
        return LinkQuerySet.accepted_condition(prefix) & Q(
            **{f"{prefix}relation__in": _EVIDENCE_RELATIONS}
        )

    def accepted(self):
        return self.filter(self.accepted_condition())

    def evidence(self):
        return self.filter(self.evidence_condition())

    def pending(self):
        """Links waiting for an editor's decision: machine suggestions, and decisions an
        editor reopened."""
        return self.filter(review=Link.Review.SUGGESTED)

    def machine_suggestions(self):
        """Pending links no editor has touched: the suggester's own, to replace or delete."""
        return self.filter(review=Link.Review.SUGGESTED, reviewed_at__isnull=True)

    def reviewed(self):
        """Accepted or rejected by an editor."""
        return self.filter(review__in=[Link.Review.ACCEPTED, Link.Review.REJECTED])

    def keyed_by_their_text(self):
        """Links whose action's key stands for the text they were decided on."""
        return (
            # Every editor-entered source's one action has this key, whatever its passage.
            self.exclude(action__key=EditorSource.PASSAGE_KEY)
            # Decided on words since revised (the key follows the new words): not this text.
            .filter(source_changed=False)
        )

    def same_text_as_outer(self):
        """The links of the same text (the action's key) as the outer link (`OuterRef`), for
        the same recommendation, under another document: the same paragraph re-published."""
        return (
            self.keyed_by_their_text()
            .filter(recommendation=OuterRef("recommendation"), action__key=OuterRef("action__key"))
            .exclude(action__factsheet=OuterRef("action__factsheet"))
        )

    def same_text_decided(self, decided=True):
        """Links whose text an editor already decided (accepted or rejected) for the same
        recommendation under another document; `decided=False`: the others."""
        condition = Exists(Link.objects.reviewed().same_text_as_outer())
        return self.filter(condition if decided else ~condition)


class Link(models.Model):
    """A recommendation matched to an action, suggested by the system or decided by an editor."""

    class Relation(models.TextChoices):
        IMPLEMENTS = "implements", "Implements"
        PARTIAL = "partial", "Partly implements"
        RELATED = "related", "Related"
        CONTRARY = "contrary", "Goes against"

    class Review(models.TextChoices):
        SUGGESTED = "suggested", "Suggested"
        ACCEPTED = "accepted", "Accepted"
        REJECTED = "rejected", "Rejected"

    EVIDENCE_RELATIONS = [Relation.IMPLEMENTS, Relation.PARTIAL]

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="links"
    )
    action = models.ForeignKey(Action, on_delete=models.CASCADE, related_name="links")
    relation = models.CharField(max_length=20, choices=Relation, blank=True)
    review = models.CharField(max_length=20, choices=Review, default=Review.SUGGESTED)
    score = models.FloatField(null=True, blank=True, help_text="Machine suggestion score.")
    explanation = models.JSONField(
        null=True, blank=True, editable=False, help_text="Why the suggester ranked this pair."
    )
    reason = models.CharField(
        max_length=300,
        blank=True,
        validators=[validate_editor_markdown],
        help_text="One line, shown to the public, saying why.",
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    source_changed = models.BooleanField(
        default=False,
        help_text="The action's text changed or left its fact sheet since this link was made.",
    )
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Raised by each save, so a stale form is refused."
    )

    objects = LinkQuerySet.as_manager()

    class Meta:
        # Local fields only: "recommendation" would join recommendations and stages.
        ordering = ["recommendation_id", "-score"]
        indexes = [
            models.Index(fields=["review", "relation"], name="link_review_relation"),
            # The review queue: pending suggestions, best first.
            models.Index(fields=["review", "-score"], name="link_review_score"),
            # The latest decision (`scorecard.last_reviewed`), without reading every link.
            models.Index(
                fields=["reviewed_at"],
                condition=Q(reviewed_at__isnull=False),
                name="link_reviewed_at",
            ),
        ]

    # Set here because the body of Meta cannot see the choices above.
    Meta.constraints = [
        models.UniqueConstraint(
            fields=["recommendation", "action"], name="link_recommendation_action_unique"
        ),
        models.CheckConstraint(
            condition=Q(relation__in=["", *Relation.values]), name="link_relation_valid"
        ),
        models.CheckConstraint(condition=Q(review__in=Review.values), name="link_review_valid"),
        models.CheckConstraint(
            condition=~Q(review=Review.ACCEPTED) | (~Q(relation="") & ~Q(reason="")),
            name="link_accepted_has_relation_and_reason",
        ),
    ]
    Meta.indexes = [
        *Meta.indexes,
        # The latest evidence, newest first, with its action (`Document.recently_cited`, the
        # list's document menu): without it, reading the latest 300 walks every newer link,
        # and after `suggest` the newest are tens of thousands of suggestions. Its condition
        # is `LinkQuerySet.evidence`'s, so that the databases know the query matches it.
        models.Index(
            fields=["id", "action"],
            condition=Q(review=Review.ACCEPTED) & Q(relation__in=EVIDENCE_RELATIONS),
            name="link_evidence_latest",
        ),
    ]

    def __str__(self):
        return f"{self.recommendation.code} ← action {self.action_id} ({self.review})"

    def save(self, *args, **kwargs):
        save_new_version(self, super().save, args, kwargs)

    @property
    def is_reopened(self):
        """An editor put a decision back to review: pending again, and stamped (who, when),
        so the suggester keeps it and a seed respects it as it does a decision."""
        return self.review == self.Review.SUGGESTED and self.reviewed_at is not None

    @property
    def is_evidence(self):
        return self.review == self.Review.ACCEPTED and self.relation in self.EVIDENCE_RELATIONS

    def clean(self):
        errors = {}
        if self.review == self.Review.ACCEPTED:
            if not self.relation:
                errors["relation"] = "An accepted link needs a relation."
            if not self.reason.strip():
                errors["reason"] = "An accepted link needs a one-line public reason."
        if "\n" in self.reason:
            errors["reason"] = "Keep the reason to one line."
        if errors:
            raise ValidationError(errors)


def link_snapshot(link):
    """What a history entry keeps of a link, so it survives later edits of the link."""
    return {
        "link": link.pk,
        "action": link.action_id,
        "relation": link.relation,
        "review": link.review,
        "reason": link.reason,
    }


# The rules' values, made once: an expression keeps what Django works out about it.
_ACCEPTED = Written(Link.Review.ACCEPTED)
_EVIDENCE_RELATIONS = Written(*Link.EVIDENCE_RELATIONS)


class StatusChangeQuerySet(models.QuerySet):
    def made_by(self, day):
        """The changes made on or before `day` (in the site's time zone)."""
        return self.filter(changed_at__date__lte=day)

    def recent(self, count=10):
        return self.select_related("recommendation").order_by("-changed_at", "-pk")[:count]


class StatusChange(models.Model):
    """One change of a recommendation's public status: an append-only record."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="status_changes"
    )
    changed_at = models.DateTimeField(default=timezone.now, db_index=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(max_length=20, choices=Recommendation.Status)
    to_status = models.CharField(max_length=20, choices=Recommendation.Status)
    reason = models.TextField(blank=True)
    links = models.JSONField(
        default=list, blank=True, help_text="The links whose review caused the change."
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [
            models.Index(
                fields=["recommendation", "-changed_at"], name="statuschange_recommendation"
            ),
            # The latest editor's change (`scorecard.last_reviewed`), past the imports' own.
            models.Index(
                fields=["changed_at"],
                condition=Q(changed_by__isnull=False),
                name="statuschange_by_editor",
            ),
        ]

    def __str__(self):
        return f"{self.recommendation.code}: {self.from_status} → {self.to_status}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("The status history is append-only: changes cannot be edited.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("The status history is append-only: changes cannot be deleted.")

    @property
    def is_reason_rewrite(self):
        """An editor rewrote the public reason; the status stayed what it was."""
        return self.from_status == self.to_status

    @property
    def summary(self):
        """ "No action found → Implemented", or "Reason rewritten (still Implemented)"."""
        if self.is_reason_rewrite:
            return f"Reason rewritten (still {self.get_to_status_display()})"
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


def byte_rows(queryset):
    """The rows of a `values_list()` queryset with byte columns. PostgreSQL sends them in
    binary format: in text format a bytea arrives hex-encoded, twice its size, and is decoded
    in Python (about three quarters of the time to read the 21 MB fit at x10)."""
    database = connections[queryset.db]
    if database.vendor != "postgresql":
        return list(queryset)
    import psycopg  # PostgreSQL's driver, installed where PostgreSQL is used

    sql, params = queryset.query.sql_with_params()
    database.ensure_connection()
    # Django's own cursors bind parameters client-side, which gives text results only.
    binary = psycopg.Cursor(database.connection)
    binary.format = psycopg.pq.Format.BINARY
    # Wrapped as Django wraps its cursors, so the query is logged and counted like any other.
    wrapper = CursorDebugWrapper if database.queries_logged else CursorWrapper
    with wrapper(binary, database) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class MatchingIndex(models.Model):
    """The vocabulary and weights of the last full ranking, kept for incremental suggestions.

    Only the newest row is used; storing a new one deletes the others. The recommendations'
    feedback rows are kept apart, one `MatchingFeedback` per recommendation with decisions,
    so that a decision rewrites its recommendation's row only, not the fit's megabytes.
    """

    created_at = models.DateTimeField(auto_now_add=True)
    recommendations_key = models.CharField(
        max_length=64, help_text="Hash of the recommendations' texts the index was fitted with."
    )
    vectorizer = models.BinaryField()
    recommendation_vectors = models.BinaryField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return f"Matching index of {self.created_at:%Y-%m-%d %H:%M}"

    @classmethod
    def store(cls, recommendations_key, vectorizer, recommendation_vectors):
        """Store the fit and the recommendations' rows (`Queries`: its pickle leaves out the
        feedback rows, stored from its `feedback_rows`)."""
        with transaction.atomic():
            index = cls.objects.create(
                recommendations_key=recommendations_key,
                vectorizer=pickle.dumps(vectorizer, protocol=pickle.HIGHEST_PROTOCOL),
                recommendation_vectors=pickle.dumps(
                    recommendation_vectors, protocol=pickle.HIGHEST_PROTOCOL
                ),
            )
            index.store_feedback(recommendation_vectors.feedback_rows())
            cls.objects.exclude(pk=index.pk).delete()
        return index

    def load(self):
        """(fit, `Queries`) as `store` was given them, feedback rows included.

        The fit's bytes are read here, not with the row, so that `matching.stored_index` checks
        the newest row's key before the megabytes are fetched."""
        [(vectorizer, recommendation_vectors)] = byte_rows(
            MatchingIndex.objects.filter(pk=self.pk).values_list(
                "vectorizer", "recommendation_vectors"
            )
        )
        # Written only by `store` above, from this application's own objects.
        recommendation_vectors = pickle.loads(recommendation_vectors)
        recommendation_vectors.add_feedback_rows(
            byte_rows(self.feedback_rows.order_by().values_list(*MatchingFeedback.ROW_FIELDS))
        )
        return pickle.loads(vectorizer), recommendation_vectors

    def store_feedback(self, rows, replacing=()):
        """Replace the feedback rows of the recommendations in `replacing` by `rows`
        (`Queries.feedback_rows`): the fit and the other rows stay as they are."""
        with transaction.atomic():
            self.feedback_rows.filter(recommendation_id__in=list(replacing)).delete()
            MatchingFeedback.objects.bulk_create(
                [
                    MatchingFeedback(
                        index=self, **dict(zip(MatchingFeedback.ROW_FIELDS, row, strict=True))
                    )
                    for row in rows
                ],
                batch_size=1000,
            )


class MatchingFeedback(models.Model):
    """One recommendation's feedback row in a `MatchingIndex`, and the decisions it was
    built from, as flat arrays (`Queries.feedback_rows`): thousands of rows load at once."""

    ROW_FIELDS = ("recommendation_id", "columns", "weights", "accepted", "rejected")

    index = models.ForeignKey(MatchingIndex, on_delete=models.CASCADE, related_name="feedback_rows")
    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="+")
    columns = models.BinaryField(help_text="The row's feature columns (int32).")
    weights = models.BinaryField(help_text="The row's weights (float32), column by column.")
    accepted = models.BinaryField(help_text="The accepted (link id, action id) pairs (int64).")
    rejected = models.BinaryField(help_text="The rejected (link id, action id) pairs (int64).")

    class Meta:
        # Local fields only: "index" would join the indexes for their own ordering.
        ordering = ["index_id", "recommendation_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["index", "recommendation"], name="matchingfeedback_index_recommendation"
            )
        ]

    def __str__(self):
        return f"Feedback row of recommendation {self.recommendation_id}"


class SiteVersion(models.Model):
    """A number bumped whenever published data changes: cached pages are keyed on it.

    Reading it is one indexed query, so every web process sees a change at once.
    """

    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"Site data version {self.number}"

    @classmethod
    def current(cls):
        """The version, which every public request reads first. On a connection kept from
        an earlier request, this statement is also the connection's health check.

        Django checks a kept PostgreSQL connection (CONN_HEALTH_CHECKS) before a request's
        first statement with a `SELECT 1` of its own: on a cached page, a second round trip
        as costly as this one. So this statement stands in for it: a kept connection that
        turns out dead is closed and the statement sent again on a new one, as the health
        check would have done before it.
        """
        if not _health_check_pending():
            return cls._read()
        connection.health_check_done = True
        try:
            return cls._read()
        except DatabaseError:
            if connection.in_atomic_block:  # A transaction cannot move to a new connection.
                raise
            connection.close()
            return cls._read()

    @classmethod
    def _read(cls):
        # Every cached page asks, so the statement is written out rather than built by
        # the ORM each time: building it cost more than running it and reading the page.
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT number FROM {cls._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
        return row[0] if row else 0

    @classmethod
    def bump(cls):
        if not cls.objects.filter(pk=1).update(number=models.F("number") + 1):
            cls.objects.get_or_create(pk=1, defaults={"number": 1})


def _health_check_pending():
    """Whether Django would check the connection before its next statement (as in
    `BaseDatabaseWrapper.close_if_health_check_failed`): kept from an earlier request, with
    health checks on (PostgreSQL's, in settings), and not yet used in this request."""
    return (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
    )


class RecommendationTally(models.Model):
    """One recommendation's dated changes to the scorecard's counts (`tracker.tally`)."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="tallies"
    )
    day = models.DateField()
    measure = models.CharField(max_length=20, help_text="A status, or a count of evidence.")
    change = models.IntegerField()

    class Meta:
        ordering = ["recommendation_id", "day", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "day", "measure"], name="recommendationtally_unique"
            )
        ]

    def __str__(self):
        return f"{self.recommendation_id} {self.day} {self.measure} {self.change:+d}"


class Tally(models.Model):
    """The sum of every recommendation's changes to the scorecard's counts, on each day and in
    each month (dated by its last day): the counts on any day are the sum up to it."""

    class Period(models.TextChoices):
        DAY = "day", "Day"
        MONTH = "month", "Month"

    period = models.CharField(max_length=5, choices=Period)
    day = models.DateField()
    measure = models.CharField(max_length=20)
    change = models.IntegerField()

    class Meta:
        ordering = ["period", "day", "measure"]
        constraints = [
            models.UniqueConstraint(fields=["period", "day", "measure"], name="tally_unique")
        ]

    def __str__(self):
        return f"{self.period} {self.day} {self.measure} {self.change:+d}"


class StatusCount(models.Model):
    """How many recommendations of one stage hold one status today. Kept by the database's
    triggers on `Recommendation` (`tracker.status_counts`), so the scorecard's counts by stage
    and status read a few rows however many recommendations there are."""

    stage = models.ForeignKey(Stage, on_delete=models.CASCADE, related_name="status_counts")
    status = models.CharField(max_length=20, choices=Recommendation.Status)
    recommendation_count = models.PositiveIntegerField()

    class Meta:
        ordering = ["stage", "status"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "status"], name="statuscount_unique")
        ]

    def __str__(self):
        return f"{self.stage_id} {self.status}: {self.recommendation_count}"


class DocumentSet(models.Model):
    """The documents of one kind and administration: how many, their first and last dates and
    their latest save. Kept by the database's triggers on `Document` (`tracker.document_sets`),
    so the scope of the record (`record.scope`) reads a few rows however many documents."""

    kind = models.CharField(max_length=20, choices=Document.Kind)
    administration = models.ForeignKey(
        Administration, on_delete=models.CASCADE, null=True, related_name="+"
    )
    document_count = models.PositiveIntegerField()
    first_published = models.DateField()
    last_published = models.DateField()
    last_updated = models.DateTimeField()

    class Meta:
        ordering = ["kind", "first_published"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "administration"], name="documentset_unique"),
            # A unique constraint does not compare NULLs: the documents of no administration.
            models.UniqueConstraint(
                fields=["kind"],
                condition=Q(administration__isnull=True),
                name="documentset_unique_without_administration",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.administration_id}: {self.document_count}"
