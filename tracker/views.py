from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import groupby

from django.core.paginator import Paginator
from django.http import Http404, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode

from . import essay_text, exports, record, search, status, timeline
from .cache import cached_page, conditional
from .compiled import NO_ID, NO_SLUG, CompiledQuery
from .filters import MAX_QUERY_LENGTH, DocumentFilter, RecommendationFilter
from .markup import sources_html
from .models import Action, Administration, Document, Recommendation, Stage
from .scorecard import last_reviewed, scorecard_summary, stage_intro

RECOMMENDATIONS_PER_PAGE = 25
FACTSHEETS_PER_PAGE = 50


def bad_request(request, message):
    return render(request, "tracker/bad_request.html", {"message": message}, status=400)


# The same SQL on every scorecard: compiled once per process (`compiled.CompiledQuery`).
_ADMINISTRATIONS = CompiledQuery(lambda: Administration.objects.order_by("took_office"))


@cached_page
def scorecard(request):
    try:
        as_of = status.as_of_from(request)
    except status.InvalidAsOf as error:
        return bad_request(request, str(error))
    on = as_of or status.today()
    administrations = _ADMINISTRATIONS()
    ends = [timeline.last_day(a) for a in administrations if a.left_office]
    summary = scorecard_summary(on=as_of, days=ends)
    columns = timeline.side_by_side(summary.tallies, summary.totals, administrations, on, as_of)
    return render(
        request,
        "tracker/scorecard.html",
        {
            "scorecard": summary,
            "as_of": as_of,
            "columns": columns,
            "column_rows": timeline.status_rows(columns),
            "chart": timeline.monthly_chart(summary.tallies, on),
            "scope": record.scope(),
            "last_reviewed": last_reviewed(),
        },
    )


def filtered_recommendations(request, queryset):
    """The RecommendationFilter bound to the query string (unbound when there is none)."""
    return RecommendationFilter(request.GET or None, queryset=queryset)


@cached_page
def recommendation_list(request):
    searched = bool(request.GET.get("q", "").strip())
    recommendations = Recommendation.objects.for_list_page(searched=searched)
    filterset = filtered_recommendations(request, recommendations)
    filterset.offer_documents()
    filterset.offer_stages()
    if filterset.is_bound and not filterset.is_valid():
        return render(
            request, "tracker/recommendation_list.html", {"filterset": filterset}, status=400
        )
    page = Paginator(filterset.qs, RECOMMENDATIONS_PER_PAGE).get_page(request.GET.get("page"))
    if filterset.as_of_date:
        for recommendation in page:  # Shown as they were on that date.
            recommendation.status = recommendation.status_on_date
            recommendation.evidence_count = recommendation.evidence_on_date
    grouped = filterset.applied_sort == "essay"
    terms = search.parse(filterset.form.cleaned_data.get("q") or "") if filterset.is_bound else []
    if terms:  # Why each result matched: its quote, statement, reason or evidence.
        for recommendation in page:
            recommendation.snippet = search.snippet(recommendation.search_text, terms)
    return render(
        request,
        "tracker/recommendation_list.html",
        {
            "filterset": filterset,
            "page": page,
            "groups": [(stage, list(rows)) for stage, rows in groupby(page, key=lambda r: r.stage)]
            if grouped
            else None,
            "active_filters": active_filters(request, filterset),
            "as_of": filterset.as_of_date,
            "download_query": urlencode(
                {k: v for k, v in request.GET.items() if k not in ("page", "sort")}
            ),
        },
    )


def active_filters(request, filterset):
    """[(label, value shown, query string without it)] for each filter in use."""
    if not filterset.is_bound:
        return []
    active = []
    for name, value in filterset.form.cleaned_data.items():
        if not value or name == "sort":
            continue
        field = filterset.form.fields[name]
        if hasattr(value, "pk"):
            shown = str(value)  # A model's own name: not its menu's choices, a query again.
        else:
            shown = dict(field.choices).get(value, value) if hasattr(field, "choices") else value
        aliases = [a for a, n in filterset.ALIASES.items() if n == name]
        remaining = {k: v for k, v in request.GET.items() if k not in (name, "page", *aliases)}
        active.append((field.label or name.title(), shown, urlencode(remaining)))
    return active


@cached_page
def recommendation_detail(request, code):
    recommendation = Recommendation.objects.detail_page(code)
    if recommendation is None:
        raise Http404("No Recommendation matches the given query.")
    try:
        as_of = status.as_of_from(request)
    except status.InvalidAsOf as error:
        return bad_request(request, str(error))
    on = as_of or status.today()
    record = recommendation.status_record()
    if as_of:  # Shown as it was on that date.
        recommendation.status = record.status_on(as_of)
        recommendation.accepted_links = [
            link
            for link in recommendation.accepted_links
            if link.action.factsheet.published <= as_of
        ]
        recommendation.history = [
            change
            for change in recommendation.history
            if timezone.localdate(change.changed_at) <= as_of
        ]
    return render(
        request,
        "tracker/recommendation_detail.html",
        {
            "recommendation": recommendation,
            "as_of": as_of,
            "override_holds": record.override_holds_on(on),
            "timeline": timeline.recommendation_timeline(recommendation.accepted_links, on),
        },
    )


def _stage_recommendations(pk):
    return Recommendation.objects.for_list_page().filter(stage_id=pk)


# The stage page's three queries, compiled once per process, with a placeholder for the
# slug and the stage's id (a string no slug can be, an id no row has).
_STAGE = CompiledQuery(lambda slug: Stage.objects.filter(slug=slug)[:2], NO_SLUG)
_STAGE_RECOMMENDATIONS = CompiledQuery(_stage_recommendations, NO_ID)
_STAGE_TOTALS = CompiledQuery(lambda pk: _stage_recommendations(pk).status_totals_query(), NO_ID)


@cached_page
def stage_detail(request, slug):
    found = _STAGE(slug)
    if not found:
        raise Http404("No Stage matches the given query.")
    stage = found[0]
    try:
        as_of = status.as_of_from(request)
    except status.InvalidAsOf as error:
        return bad_request(request, str(error))
    recommendations = _STAGE_RECOMMENDATIONS(stage.pk)
    if as_of:  # Shown as they were on that date, from one query over the stage's links.
        records = status.status_records(Recommendation.objects.filter(stage_id=stage.pk))
        for recommendation in recommendations:
            record = records[recommendation.pk]
            recommendation.status = record.status_on(as_of)
            recommendation.evidence_count = record.evidence_count_on(as_of)
        totals = Recommendation.objects.status_totals_of(
            Counter(recommendation.status for recommendation in recommendations).items()
        )
    else:
        totals = Recommendation.objects.status_totals_of(_STAGE_TOTALS(stage.pk))
    return render(
        request,
        "tracker/stage_detail.html",
        {
            "stage": stage,
            "as_of": as_of,
            "intro": stage_intro(stage),
            "recommendations": recommendations,
            "totals_phrases": [
                f"{count} {STAGE_TOTAL_WORDS[status]}" for status, count in totals.items() if count
            ],
        },
    )


# "15 recommendations in this stage: 6 implemented; 1 partly implemented; ..."
STAGE_TOTAL_WORDS = {
    Recommendation.Status.IMPLEMENTED: "implemented",
    Recommendation.Status.PARTIAL: "partly implemented",
    Recommendation.Status.NOT_FOUND: "with no action found",
    Recommendation.Status.CONTRARY: "met with contrary action",
    Recommendation.Status.REVERSED: "reversed",
}


@cached_page
def document_list(request):
    filterset = DocumentFilter(request.GET or None, queryset=Document.objects.for_factsheet_list())
    if filterset.is_bound and not filterset.is_valid():
        return render(request, "tracker/document_list.html", {"filterset": filterset}, status=400)
    paginator = Paginator(filterset.qs, FACTSHEETS_PER_PAGE)
    paginator.count = filterset.count()  # Instead of a COUNT over every document.
    page = paginator.get_page(request.GET.get("page"))
    Document.objects.count_actions_and_evidence(page.object_list)
    return render(request, "tracker/document_list.html", {"page": page, "filterset": filterset})


@cached_page
def document_detail(request, slug):
    factsheet = Document.objects.factsheet_page(slug)
    if factsheet is None:
        raise Http404("No Document matches the given query.")
    actions = factsheet.current_actions
    sections = [
        (section, list(items)) for section, items in groupby(actions, key=lambda a: a.section)
    ]
    unasked = [action for action in actions if not action.accepted_links]
    return render(
        request,
        "tracker/document_detail.html",
        {"factsheet": factsheet, "sections": sections, "unasked_count": len(unasked)},
    )


def _mark_recommendation(recommendation, terms):
    recommendation.title_html = search.highlight(recommendation.title, terms)
    # The whole part that matched, shortened around the words it marks.
    part = search.snippet(recommendation.search_text, terms, length=None)
    recommendation.snippet_html = search.highlight(part, terms, search.SNIPPET_LENGTH)


def _mark_document(document, terms):
    document.title_html = search.highlight(document.title, terms)


def _mark_action(action, terms):
    action.snippet_html = search.highlight(action.text, terms, search.SNIPPET_LENGTH)


@dataclass(frozen=True)
class SearchGroup:
    heading: str
    noun: str  # what one result is
    shown: int  # results on the overview; a group's own pages show SEARCH_RESULTS_PER_PAGE
    find: Callable  # the group's named query method: query -> ranked results
    mark: Callable  # sets the escaped HTML that shows why a result matched


SEARCH_GROUPS = {
    "recommendations": SearchGroup(
        "Recommendations",
        "recommendation",
        5,
        Recommendation.objects.for_site_search,
        _mark_recommendation,
    ),
    "documents": SearchGroup(
        "Documents", "document", 5, Document.objects.for_site_search, _mark_document
    ),
    "actions": SearchGroup("Actions", "action", 10, Action.objects.for_site_search, _mark_action),
}
SEARCH_RESULTS_PER_PAGE = 25
SEARCH_EXAMPLES = ["Guantanamo", "ICC", "refugees", "climate", "torture"]


@cached_page
def site_search(request):
    """Recommendations, documents (by title) and actions (by text) that match `q`, each
    group ranked by relevance; `group` shows one group, a page at a time."""
    query = " ".join(request.GET.get("q", "").replace("\x00", " ").split())
    chosen = request.GET.get("group", "")
    if len(query) > MAX_QUERY_LENGTH:
        return bad_request(request, f"Search for at most {MAX_QUERY_LENGTH} characters.")
    if chosen and chosen not in SEARCH_GROUPS:
        return bad_request(request, "Search in recommendations, documents or actions.")
    if not query:
        return render(request, "tracker/site_search.html", {"examples": SEARCH_EXAMPLES})
    terms = search.parse(query)
    groups = []
    for name in [chosen] if chosen else SEARCH_GROUPS:
        group = SEARCH_GROUPS[name]
        per_page = SEARCH_RESULTS_PER_PAGE if chosen else group.shown
        page = Paginator(group.find(query), per_page).get_page(
            request.GET.get("page") if chosen else 1
        )
        for result in page:
            group.mark(result, terms)
        groups.append({"name": name, "heading": group.heading, "noun": group.noun, "page": page})
    return render(
        request,
        "tracker/site_search.html",
        {
            "query": query,
            "groups": groups,
            "chosen": chosen,
            "q": urlencode({"q": query}),
            "only_common_words": search.only_common_words(query),
        },
    )


# The essay page's two queries, compiled once per process: the main essay, and its
# recommendations (with a placeholder for the essay's id: an id no row has), only the
# columns of `essay_text.Quote`: whole rows carried each one's long search text.
_MAIN_ESSAY = CompiledQuery(lambda: Document.objects.main_essay())
_ESSAY_RECOMMENDATIONS = CompiledQuery(
    lambda pk: (
        Recommendation.objects.filter(stage__essay_id=pk)
        .order_by("position")
        .values_list(*essay_text.Quote._fields)
    ),
    NO_ID,
)


@cached_page
def essay(request):
    found = _MAIN_ESSAY()
    if not found:
        raise Http404("No Document matches the given query.")
    document = found[0]
    recommendations = [essay_text.Quote(*row) for row in _ESSAY_RECOMMENDATIONS(document.pk)]
    blocks = essay_text.annotated_blocks(document.body, recommendations)
    return render(
        request,
        "tracker/essay.html",
        {
            "essay": document,
            "blocks_html": essay_text.blocks_html(blocks),
            "recommendation_count": len(recommendations),
        },
    )


# The essay the about page names: the latest, as `first()` gave it; only what it cites.
_CITED_ESSAY = CompiledQuery(lambda: Document.objects.essays().only("title", "author")[:1])


@cached_page
def about(request):
    return render(
        request,
        "tracker/about.html",
        {
            "sources": sources_html(),
            "essay": next(iter(_CITED_ESSAY()), None),
            "scope": record.scope(),
        },
    )


def _download(request):
    """(recommendations, as_of) from the list's filters, or None for an invalid value. A query
    string that names no filter (none, or only `excel`) asks for every recommendation today:
    (None, None), which `exports.ScorecardExport` reads from a statement compiled once."""
    parameters = (*RecommendationFilter.base_filters, *RecommendationFilter.ALIASES)
    if not any(name in request.GET for name in parameters):
        return None, None
    filterset = filtered_recommendations(request, Recommendation.objects.for_scorecard())
    if filterset.is_bound and not filterset.is_valid():
        return None
    return filterset.qs, filterset.as_of_date


def _invalid(request):
    form = status.AsOfForm(request.GET)
    message = " ".join(form.errors.get("as_of", [])) if not form.is_valid() else ""
    return HttpResponseBadRequest(
        message or "Invalid filter value.", content_type="text/plain; charset=utf-8"
    )


@conditional
def scorecard_csv(request):
    download = _download(request)
    if download is None:
        return _invalid(request)
    lines = exports.scorecard_csv_lines(exports.ScorecardExport(*download))
    return _streaming(_excel(request, lines), "text/csv; charset=utf-8", "scorecard.csv")


@conditional
def scorecard_json(request):
    download = _download(request)
    if download is None:
        return _invalid(request)
    export = exports.ScorecardExport(*download)
    if request.GET.get("metadata") == "1":  # An object that describes itself; nested evidence.
        metadata = exports.scorecard_metadata(export, request.build_absolute_uri())
        chunks = exports.json_chunks(export.rows(nested=True), metadata)
    else:  # The published shape: a bare array, as before.
        chunks = exports.json_chunks(export.rows())
    return _streaming(chunks, "application/json", "scorecard.json")


# links.csv takes the list's filters except its sort (its order is fixed), and `excel`.
LINKS_CSV_FILTERS = sorted(
    {*RecommendationFilter.base_filters, *RecommendationFilter.ALIASES} - {"as_of", "sort"}
)
LINKS_CSV_PARAMETERS = sorted([*LINKS_CSV_FILTERS, "as_of", "excel"])


@conditional
def links_csv(request):
    """The accepted links of the recommendations the list's filters keep, as they stood on
    `as_of`. A parameter it does not take is refused rather than ignored, so that no one
    reads every link as the answer to a filter (`relation=contrary`)."""
    unknown = [name for name in request.GET if name not in LINKS_CSV_PARAMETERS]
    if unknown:
        named = ", ".join(repr(name[:40]) for name in unknown[:5])
        return HttpResponseBadRequest(
            f"links.csv does not take {named}; it takes {', '.join(LINKS_CSV_PARAMETERS)}.",
            content_type="text/plain; charset=utf-8",
        )
    try:
        as_of = status.as_of_from(request)
    except status.InvalidAsOf as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")
    recommendations = None
    if any(name in request.GET for name in LINKS_CSV_FILTERS):
        download = _download(request)
        if download is None:
            return _invalid(request)
        recommendations, as_of = download
    lines = exports.links_csv_lines(as_of, recommendations=recommendations)
    return _streaming(_excel(request, lines), "text/csv; charset=utf-8", "links.csv")


def _excel(request, lines):
    """With ?excel=1, the same CSV after a UTF-8 byte-order mark, so Excel reads it as
    UTF-8 when the file is double-clicked; without it, the bytes stay as published."""
    if request.GET.get("excel") != "1":
        return lines
    return _after_mark(iter(lines))


def _after_mark(lines):
    yield "\ufeff" + next(lines, "")  # With the header: the first row is still read early.
    yield from lines


def _streaming(chunks, content_type, filename):
    # Up to the first row now: a first query that fails is a 500, not a 200 with a header.
    response = StreamingHttpResponse(exports.started(chunks), content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
