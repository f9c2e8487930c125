from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ActionForm
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, F
from django.http import HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import Truncator

from .admin_site import review_queue_url
from .context_processors import SITE_NAME
from .curation import (
    CITED_ALREADY,
    CurationError,
    cite_editor_source,
    is_deletion_reason,
    review_links,
    save_editor_source,
    save_link_edits,
    set_override,
)
from .matching import agreed_decision, describe, highlight, matched_stems, same_text_decisions
from .models import (
    Action,
    Administration,
    Document,
    EditorSource,
    Link,
    LinkQuerySet,
    Recommendation,
    Stage,
    StatusChange,
)
from .text import validate_editor_markdown, validate_xml_text

admin.site.site_header = f"{SITE_NAME}: editors"
admin.site.site_title = f"{SITE_NAME} editors"
admin.site.index_title = "Curate recommendations and evidence"

ACTION_PREVIEW = 400


class VersionedForm(forms.ModelForm):
    """Refuses to save over a change someone else made since this form was opened."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    STALE = (
        "Someone else changed this {name} while you were editing it, so your changes were "
        "not saved. They are still in the form below: open the {name} again in a new tab to "
        "see the other changes, then save yours again."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk:
            # Lock the row until this request's transaction ends, so two saves cannot interleave.
            current = (
                type(self.instance)
                .objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and cleaned.get("seen_version") != current:
                name = self.instance._meta.verbose_name
                raise forms.ValidationError(self.STALE.format(name=name), code="stale")
        return cleaned


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that come from the sources or the history: viewable, never edited here."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NeedsReviewFilter(admin.SimpleListFilter):
    title = "needs review"
    parameter_name = "needs_review"

    def lookups(self, request, model_admin):
        return [("yes", "Flagged for editors")]

    def queryset(self, request, queryset):
        return queryset.exclude(needs_review="") if self.value() == "yes" else queryset


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    """Sources come from the importers; editors may only correct a document's administration."""

    list_display = ["title", "kind_display", "administration", "published", "source_path"]
    list_filter = ["kind", "subtype", "administration", NeedsReviewFilter]
    list_select_related = ["administration"]
    search_fields = ["title", "slug"]
    date_hierarchy = "published"
    fields = [
        "title",
        "kind",
        "subtype",
        "executive_order_number",
        "administration",
        "published",
        "url",
        "publisher",
        "needs_review",
        "source_path",
        "slug",
        "checksum",
        "parser_version",
        "imported_at",
        "updated_at",
    ]
    readonly_fields = [str(field) for field in fields if field != "administration"]

    def has_change_permission(self, request, obj=None):
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    @admin.display(description="kind", ordering="kind")
    def kind_display(self, document):
        return document.kind_label


@admin.register(Administration)
class AdministrationAdmin(ReadOnlyAdmin):
    list_display = ["name", "president", "took_office", "left_office"]


@admin.register(Stage)
class StageAdmin(ReadOnlyAdmin):
    list_display = ["name", "position", "essay"]
    list_select_related = ["essay"]


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ["changed_at", "recommendation", "from_status", "to_status", "changed_by"]
    list_filter = ["to_status"]
    list_select_related = ["recommendation", "changed_by"]
    search_fields = ["recommendation__code", "reason"]
    date_hierarchy = "changed_at"


# The review queue


# The link's public reason, as long as the model allows, in the form and the inline inputs.
LINK_REASON_MAX_LENGTH = Link._meta.get_field("reason").max_length


class ReasonActionForm(ActionForm):
    reason = forms.CharField(
        max_length=LINK_REASON_MAX_LENGTH,
        required=False,
        label="Public reason (one line)",
        widget=forms.TextInput(attrs={"size": 60}),
        help_text="Required to accept; applies to every selected link.",
    )


class ReviewStateFilter(admin.SimpleListFilter):
    """Review state, showing the pending suggestions unless asked otherwise."""

    title = "review state"
    parameter_name = "review"
    ALL = "all"

    def lookups(self, request, model_admin):
        return [*Link.Review.choices, (self.ALL, "All")]

    def __init__(self, request, params, model, model_admin):
        # Links flagged "source changed" were reviewed already: show them whatever their state.
        self.default = self.ALL if "source_changed" in params else Link.Review.SUGGESTED
        super().__init__(request, params, model, model_admin)

    def value(self):
        return super().value() or self.default

    def queryset(self, request, queryset):
        value = self.value()
        if value in Link.Review.values:
            return queryset.filter(review=value)
        return queryset if value == self.ALL else queryset.none()

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class ScoreFilter(admin.SimpleListFilter):
    title = "score"
    parameter_name = "score"
    RANGES = {
        "high": ("0.30 and above", 0.30, None),
        "medium": ("0.15 to 0.30", 0.15, 0.30),
        "low": ("0.05 to 0.15", 0.05, 0.15),
        "faint": ("below 0.05", None, 0.05),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _, _) in self.RANGES.items()]

    def queryset(self, request, queryset):
        if self.value() not in self.RANGES:
            return queryset
        _, low, high = self.RANGES[self.value()]
        if low is not None:
            queryset = queryset.filter(score__gte=low)
        if high is not None:
            queryset = queryset.filter(score__lt=high)
        return queryset


class CoverageFilter(admin.SimpleListFilter):
    title = "recommendation coverage"
    parameter_name = "coverage"

    NO_EVIDENCE = "no_evidence"

    def lookups(self, request, model_admin):
        return [
            (self.NO_EVIDENCE, "Without accepted evidence"),
            ("none", "Without any accepted link"),
            ("some", "With an accepted link"),
        ]

    def queryset(self, request, queryset):
        if self.value() == self.NO_EVIDENCE:
            return queryset.exclude(
                recommendation__in=Link.objects.evidence().values("recommendation")
            )
        covered = Link.objects.accepted().values("recommendation")
        if self.value() == "none":
            return queryset.exclude(recommendation__in=covered)
        if self.value() == "some":
            return queryset.filter(recommendation__in=covered)
        return queryset


class SourceChangedFilter(admin.SimpleListFilter):
    """Reviewed links whose action was revised or withdrawn upstream: to check again."""

    title = "source changed"
    parameter_name = "source_changed"

    def lookups(self, request, model_admin):
        return [("yes", "Source changed since review")]

    def queryset(self, request, queryset):
        return queryset.filter(source_changed=True) if self.value() == "yes" else queryset


class SameTextFilter(admin.SimpleListFilter):
    """Suggestions whose text editors already decided for the recommendation under another
    document (the same paragraph re-published): quick to decide alike."""

    title = "same text decided elsewhere"
    parameter_name = "same_text"

    def lookups(self, request, model_admin):
        return [("yes", "Yes"), ("no", "No")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.same_text_decided(self.value() == "yes")
        return queryset


class FactSheetFilter(admin.SimpleListFilter):
    """A short list of fact sheets (an archive has thousands), plus the one chosen."""

    title = "fact sheet"
    parameter_name = "factsheet"
    SHOWN = 30
    field = "factsheet"

    def lookups(self, request, model_admin):
        newest = Document.objects.factsheets().order_by("-published", "title")
        shown = list(newest.values_list("pk", "title")[: self.SHOWN])
        chosen = self.value()
        if chosen and chosen.isdigit() and int(chosen) not in {pk for pk, _ in shown}:
            shown += list(Document.objects.filter(pk=chosen).values_list("pk", "title"))
        return [(str(pk), Truncator(title).chars(70)) for pk, title in shown]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(**{f"{self.field}_id": value})


class QueueFactSheetFilter(FactSheetFilter):
    """The fact sheets of the best pending suggestions (read from the queue's own index)."""

    field = "action__factsheet"
    SCANNED = 500

    def lookups(self, request, model_admin):
        best = Link.objects.pending().order_by("-score")
        shown = dict(
            best.values_list("action__factsheet_id", "action__factsheet__title")[: self.SCANNED]
        )
        chosen = self.value()
        if chosen and chosen.isdigit() and int(chosen) not in shown:
            shown.update(Document.objects.filter(pk=chosen).values_list("pk", "title"))
        return [
            (str(pk), Truncator(title).chars(70)) for pk, title in list(shown.items())[: self.SHOWN]
        ]


class QueueChangeList(ChangeList):
    def get_results(self, request):
        super().get_results(request)
        # One query for the page: each row's "same text decided under another document".
        decisions = same_text_decisions(self.result_list)
        for link in self.result_list:
            link.same_text_decisions = decisions.get(link.pk, [])


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    """The review queue: suggestions best first, accepted or rejected one at a time or in bulk."""

    form = VersionedForm
    action_form = ReasonActionForm
    actions = [
        "accept_implements",
        "accept_partial",
        "accept_related",
        "accept_contrary",
        "reject",
        "decide_as_same_text",
    ]
    list_display = [
        "score_display",
        "recommendation_cell",
        "action_cell",
        "matched_terms",
        "decision_cell",
    ]
    list_display_links = ["score_display"]
    list_filter = [
        ReviewStateFilter,
        ("recommendation__stage", admin.RelatedFieldListFilter),
        QueueFactSheetFilter,
        ScoreFilter,
        CoverageFilter,
        SourceChangedFilter,
        SameTextFilter,
        "relation",
    ]
    list_select_related = ["recommendation__stage", "action__factsheet__administration"]
    list_per_page = 50
    search_fields = ["recommendation__code", "recommendation__title", "action__text"]
    autocomplete_fields = ["recommendation", "action"]
    fields = [
        "recommendation",
        "action",
        "relation",
        "review",
        "reason",
        "score",
        "reviewed_by",
        "reviewed_at",
        "source_changed",
        "seen_version",
    ]
    readonly_fields = ["score", "reviewed_by", "reviewed_at"]

    class Media:
        css = {"all": ["tracker/admin.css"]}
        js = ["tracker/review.js"]  # Decides a row without a reload; the buttons work without it.

    def get_changelist(self, request, **kwargs):
        return QueueChangeList

    def get_ordering(self, request):
        if request.GET.get(ReviewStateFilter.parameter_name, Link.Review.SUGGESTED) == "suggested":
            return ["-score", "pk"]  # Suggestions always have a score: the index serves this.
        return [F("score").desc(nulls_last=True), "pk"]

    def changelist_view(self, request, extra_context=None):
        if request.method == "GET" and not request.GET:
            # Opened bare (the index, the breadcrumbs): the recommendations still without evidence.
            request.GET = QueryDict(review_queue_url().partition("?")[2])
        context = {
            "title": "Review queue: decide which actions implement which recommendations",
            # The texts and the decisions need the width of a 1366 px screen: no side menu.
            "is_nav_sidebar_enabled": False,
            **(extra_context or {}),
        }
        return super().changelist_view(request, context)

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("decide/", decide, name="tracker_link_decide"), *super().get_urls()]

    # One decision per row: its own buttons, reason and version. The buttons submit the
    # changelist form to decide_view (formaction), so they work as a plain form; with
    # tracker/review.js the same request is sent in the background and the row updated.
    DECISIONS = {
        "implements": ("Accept: implements", Link.Review.ACCEPTED, Link.Relation.IMPLEMENTS),
        "partial": ("Partial", Link.Review.ACCEPTED, Link.Relation.PARTIAL),
        "related": ("Related", Link.Review.ACCEPTED, Link.Relation.RELATED),
        "contrary": ("Goes against", Link.Review.ACCEPTED, Link.Relation.CONTRARY),
        "reject": ("Reject", Link.Review.REJECTED, ""),
    }

    @admin.display(description="decision")
    def decision_cell(self, link):
        state = self.decision_state(link)
        decide = reverse("admin:tracker_link_decide")
        buttons = format_html_join(
            " ",
            '<button type="submit" class="decide decide-{}" name="decide" value="{}:{}" '
            'formaction="{}" formnovalidate>{}</button>',
            (
                (choice, link.pk, choice, decide, label)
                for choice, (label, _, _) in self.DECISIONS.items()
            ),
        )
        return format_html(
            '<div class="decision" data-link="{pk}"><p class="state">{state}</p>'
            '<label class="reason-label" for="reason-{pk}">Public reason (one line)</label>'
            '<input type="text" id="reason-{pk}" name="reason-{pk}" maxlength="{max_length}" '
            'value="{reason}" class="reason">'
            '<input type="hidden" name="version-{pk}" value="{version}">'
            '<span class="buttons">{buttons}</span><p class="outcome" role="status"></p></div>',
            pk=link.pk,
            state=state,
            max_length=LINK_REASON_MAX_LENGTH,
            reason=link.reason,
            version=link.version,
            buttons=buttons,
        )

    def decide_view(self, request):
        """Decide one link from its row: the plain form posts here, and so does review.js."""
        wants_json = request.headers.get("Accept", "").startswith("application/json")
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        pk, _, choice = request.POST.get("decide", "").partition(":")
        if not pk.isdigit() or choice not in self.DECISIONS:
            return self._decided(request, wants_json, "Choose a decision for one link.", ok=False)
        _, review, relation = self.DECISIONS[choice]
        try:
            with transaction.atomic():
                link = get_object_or_404(
                    Link.objects.select_for_update().select_related("recommendation"), pk=pk
                )
                if request.POST.get(f"version-{pk}") != str(link.version):
                    raise CurationError(
                        "Someone else decided on this suggestion for "
                        f"“{link.recommendation.title}” since you opened the queue, so your "
                        "decision was not saved: reload the queue to see theirs."
                    )
                review_links(
                    [link],
                    review=review,
                    relation=relation,
                    reason=request.POST.get(f"reason-{pk}", ""),
                    user=request.user,
                )
        except CurationError as error:
            return self._decided(request, wants_json, str(error), ok=False)
        link.refresh_from_db()
        message = public_outcome([link.recommendation_id])
        return self._decided(request, wants_json, message, ok=True, link=link)

    def _decided(self, request, wants_json, message, *, ok, link=None):
        if wants_json:
            data = {"ok": ok, "message": message}
            if link is not None:
                data |= {"version": link.version, "state": self.decision_state(link)}
            return JsonResponse(data, status=200 if ok else 409)
        self.message_user(request, message, messages.SUCCESS if ok else messages.ERROR)
        back = request.POST.get("next") or request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = review_queue_url()
        return HttpResponseRedirect(back)

    @staticmethod
    def decision_state(link):
        state = link.get_review_display()
        if link.review == Link.Review.ACCEPTED:
            state += f": {link.get_relation_display().lower()}"
        return state

    @admin.display(description="score", ordering="score")
    def score_display(self, link):
        return "—" if link.score is None else f"{link.score:.3f}"

    @admin.display(description="recommendation")
    def recommendation_cell(self, link):
        recommendation = link.recommendation
        return format_html(
            "<strong>{}</strong><br><small>{}</small><br>{}",
            recommendation.code,
            recommendation.stage.name,
            recommendation.title,
        )

    @admin.display(description="action")
    def action_cell(self, link):
        action = link.action
        text = Truncator(action.text).chars(ACTION_PREVIEW)
        document = action.factsheet
        return format_html(
            "<small>{} · {} · {} · {}</small><br>{}",
            document.kind_label,
            document.administration or "administration not recorded",
            document.title,
            action.section or "no section",
            highlight(text, matched_stems(link.recommendation, action)),
        )

    @admin.display(description="matched terms")
    def matched_terms(self, link):
        return describe(link, link.same_text_decisions)

    SEEN_VERSION = "seen_version_{}"

    def action_checkbox(self, link):
        """The row's checkbox, with the version shown, so a bulk action from a stale page
        is refused as the edit forms refuse a stale save."""
        seen = format_html(
            '<input type="hidden" name="{}" value="{}">',
            self.SEEN_VERSION.format(link.pk),
            link.version,
        )
        return format_html("{}{}", super().action_checkbox(link), seen)

    def _seen_versions(self, request, links):
        posted = {link.pk: request.POST.get(self.SEEN_VERSION.format(link.pk)) for link in links}
        return {pk: int(value) for pk, value in posted.items() if value and value.isdigit()}

    def _review(self, request, queryset, review, relation=""):
        # review_links runs in one transaction: all selected links change, or none.
        links = list(queryset)
        try:
            count = review_links(
                links,
                review=review,
                relation=relation,
                reason=request.POST.get("reason", ""),
                user=request.user,
                expected_versions=self._seen_versions(request, links),
            )
        except CurationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        label = Link.Relation(relation).label.lower() if relation else review
        outcome = public_outcome({link.recommendation_id for link in queryset})
        self.message_user(request, f"{count} link(s) marked {label}. {outcome}", messages.SUCCESS)

    @admin.action(description="Accept as implements", permissions=["change"])
    def accept_implements(self, request, queryset):
        self._review(request, queryset, Link.Review.ACCEPTED, Link.Relation.IMPLEMENTS)

    @admin.action(description="Accept as partly implements", permissions=["change"])
    def accept_partial(self, request, queryset):
        self._review(request, queryset, Link.Review.ACCEPTED, Link.Relation.PARTIAL)

    @admin.action(description="Accept as related", permissions=["change"])
    def accept_related(self, request, queryset):
        self._review(request, queryset, Link.Review.ACCEPTED, Link.Relation.RELATED)

    @admin.action(description="Accept as goes against", permissions=["change"])
    def accept_contrary(self, request, queryset):
        self._review(request, queryset, Link.Review.ACCEPTED, Link.Relation.CONTRARY)

    @admin.action(description="Reject", permissions=["change"])
    def reject(self, request, queryset):
        self._review(request, queryset, Link.Review.REJECTED)

    @admin.action(description="Decide as the same text was decided", permissions=["change"])
    def decide_as_same_text(self, request, queryset):
        """Each selected suggestion decided as editors decided its text for its
        recommendation under another document: the same review, relation and reason, this
        editor the reviewer. Those without such a decision, or with conflicting ones, stay.
        A deletion's reason ("Deleted by <editor>.") tells of that link, not of this one:
        the newest other reason is copied, or none, and the rejection is this editor's."""
        links = list(queryset.select_related("action"))
        earlier = same_text_decisions(links)
        groups, without, conflicting = {}, 0, 0
        for link in links:
            if link.review != Link.Review.SUGGESTED:
                continue
            decisions = earlier.get(link.pk, [])
            agreed = agreed_decision(decisions)
            if agreed is None:
                if decisions:
                    conflicting += 1
                else:
                    without += 1
                continue
            reason = next((d.reason for d in decisions if not is_deletion_reason(d.reason)), "")
            groups.setdefault((agreed.review, agreed.relation, reason), []).append(link)
        seen = self._seen_versions(request, links)
        try:
            with transaction.atomic():  # All the groups, or none.
                for (review, relation, reason), group in groups.items():
                    review_links(
                        group,
                        review=review,
                        relation=relation,
                        reason=reason,
                        user=request.user,
                        expected_versions=seen,
                    )
        except CurationError as error:
            self.message_user(request, str(error), messages.ERROR)
            return
        decided = [link for group in groups.values() for link in group]
        accepted = sum(
            len(group) for (review, _, _), group in groups.items() if review == Link.Review.ACCEPTED
        )
        message = (
            f"{len(decided)} link(s) decided as the same text was decided ({accepted} accepted, "
            f"{len(decided) - accepted} rejected)."
        )
        if without or conflicting:
            message += (
                f" Left pending: {without} without an earlier decision on the same text, "
                f"{conflicting} whose same text was decided differently under two documents."
            )
        already = len(links) - len(decided) - without - conflicting
        if already:
            message += f" {already} already decided, left as they were."
        if decided:
            message += " " + public_outcome({link.recommendation_id for link in decided})
        self.message_user(request, message, messages.SUCCESS if decided else messages.WARNING)

    def save_model(self, request, obj, form, change):
        save_link_edits([obj], user=request.user)

    def delete_model(self, request, obj):
        report_kept(request, save_link_edits([], [obj], user=request.user))

    def delete_queryset(self, request, queryset):
        report_kept(request, save_link_edits([], list(queryset), user=request.user))


def public_outcome(recommendation_ids):
    """What the public now sees, in a sentence: "Restore refugee admissions is now publicly
    Partly implemented"."""
    recommendations = Recommendation.objects.filter(pk__in=recommendation_ids).order_by("code")
    return (
        "; ".join(
            f"{recommendation.title} is now publicly {recommendation.get_status_display()}"
            for recommendation in recommendations
        )
        + "."
    )


# Recommendations and actions


def report_kept(request, kept):
    if kept:
        messages.warning(
            request,
            f"{len(kept)} reviewed link(s) kept as rejections, so that a re-seed or the "
            "suggester does not bring them back.",
        )


def save_link_formset(request, formset):
    saved = formset.save(commit=False)
    report_kept(request, save_link_edits(saved, formset.deleted_objects, user=request.user))


class LinkInlineForm(VersionedForm):
    class Meta:
        model = Link
        fields = ["action", "relation", "review", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.initial.setdefault("review", Link.Review.ACCEPTED)


class RecommendationLinkInline(admin.TabularInline):
    model = Link
    form = LinkInlineForm
    fk_name = "recommendation"
    fields = ["action", "relation", "review", "reason", "source_changed", "seen_version"]
    autocomplete_fields = ["action"]
    extra = 0
    verbose_name = "reviewed link"
    verbose_name_plural = "reviewed links (pending suggestions are in the review queue)"

    def get_queryset(self, request):
        return super().get_queryset(request).reviewed().select_related("action__factsheet")


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    form = VersionedForm
    list_display = ["code", "title", "stage", "status", "evidence", "overridden"]
    list_filter = ["stage", "status"]
    list_select_related = ["stage"]
    search_fields = ["code", "title", "statement", "quote"]
    inlines = [RecommendationLinkInline]
    SEED_FIELDS = ["code", "stage", "subsection", "title", "statement", "quote"]
    fieldsets = [
        (None, {"fields": [*SEED_FIELDS, "suggestions"]}),
        (
            "Status",
            {
                "fields": [
                    "status",
                    "status_override",
                    "status_override_since",
                    "status_reason",
                    "seen_version",
                ],
                "description": "The status is derived from accepted links in date order unless "
                "overridden; an override needs a public reason (Markdown) and holds from its "
                "date (always, if none).",
            },
        ),
    ]
    # The recommendation itself comes from seeds/recommendations.yaml: only its status is edited.
    readonly_fields = [*SEED_FIELDS, "status", "suggestions"]

    @admin.display(description="suggestions")
    def suggestions(self, recommendation):
        url = reverse("admin:tracker_link_changelist")
        return format_html(
            '<a href="{}?recommendation__id__exact={}">Review the pending suggestions</a>',
            url,
            recommendation.pk,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).with_evidence_count()

    def has_add_permission(self, request):
        return False  # Recommendations come from seeds/recommendations.yaml.

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="evidence", ordering="evidence_count")
    def evidence(self, recommendation):
        return recommendation.evidence_count

    @admin.display(description="override", boolean=True)
    def overridden(self, recommendation):
        return bool(recommendation.status_override)

    def save_model(self, request, obj, form, change):
        if {"status_override", "status_override_since", "status_reason"} & set(form.changed_data):
            set_override(
                obj,
                status=obj.status_override,
                reason=obj.status_reason,
                since=obj.status_override_since,
                user=request.user,
            )
        else:
            obj.save()

    def save_formset(self, request, form, formset, change):
        save_link_formset(request, formset)


class SectionFilter(admin.SimpleListFilter):
    """Sections of the fact sheet chosen in the fact sheet filter."""

    title = "section"
    parameter_name = "section"

    def lookups(self, request, model_admin):
        factsheet = request.GET.get(FactSheetFilter.parameter_name)
        if not (factsheet and factsheet.isdigit()):
            return []
        sections = (
            Action.objects.filter(factsheet_id=factsheet)
            .exclude(section="")
            .order_by("section")
            .values_list("section", flat=True)
            .distinct()
        )
        return [(section, Truncator(section).chars(60)) for section in sections]

    def queryset(self, request, queryset):
        return queryset.filter(section=self.value()) if self.value() else queryset


class ActionLinkInline(admin.TabularInline):
    model = Link
    form = LinkInlineForm
    fk_name = "action"
    fields = ["recommendation", "relation", "review", "reason", "seen_version"]
    autocomplete_fields = ["recommendation"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recommendation")


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["short_text", "factsheet", "section", "position", "withdrawn"]
    list_select_related = ["factsheet"]
    list_filter = [FactSheetFilter, SectionFilter, "has_local_links", "withdrawn"]
    ordering = ["-factsheet__published", "factsheet__title", "position"]  # Newest fact sheet first.
    search_fields = ["text", "lead_in", "section"]
    inlines = [ActionLinkInline]
    readonly_fields = [
        "factsheet",
        "position",
        "key",
        "section",
        "subheading",
        "lead_in",
        "text",
        "markdown",
        "has_local_links",
        "withdrawn",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False  # Actions come from fact sheets.

    def get_deleted_objects(self, objs, request):
        """Editors' decisions on an action protect it, as deleting a reviewed link keeps it.

        An accepted link decides a status (deleting its action would leave
        "Implemented" beside "No action found"); a rejected one keeps the
        suggester and a re-seed from proposing the pair again. Deleting the
        action would delete both with it, so the action stays.
        """
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        decided = (
            Link.objects.reviewed()
            .filter(action__in=objs)
            .select_related("recommendation")
            .order_by("action", "recommendation__code")
        )
        protected = [*protected, *(f"Editor's decision: {link}" for link in decided)]
        return deleted, counts, perms_needed, protected

    @admin.display(description="action", ordering="text")
    def short_text(self, action):
        return Truncator(action.text).chars(120)

    def save_formset(self, request, form, formset, change):
        save_link_formset(request, formset)


# Sources editors enter by hand


class EditorSourceForm(VersionedForm):
    """The source, its quoted passage, and optionally a first link to a recommendation."""

    url = forms.URLField(
        max_length=Document._meta.get_field("url").max_length,
        assume_scheme="https",
        label="Address",
        help_text="Where the public can read it.",
    )
    passage = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6, "cols": 80}),
        max_length=EditorSource.PASSAGE_MAX_LENGTH,
        validators=[validate_xml_text],
        help_text="The words of the source that are the evidence, quoted exactly (shown "
        "to the public as a quotation).",
    )
    recommendation = forms.ModelChoiceField(
        queryset=Recommendation.objects.order_by("code"),
        required=False,
        help_text="Optional. More links: the recommendation's own page in the admin (search "
        "the passage in its reviewed links).",
    )
    relation = forms.ChoiceField(
        choices=[("", "---------"), *Link.Relation.choices], required=False
    )
    reason = forms.CharField(
        max_length=Link._meta.get_field("reason").max_length,
        required=False,
        validators=[validate_editor_markdown],
        label="Public reason (one line)",
        widget=forms.TextInput(attrs={"size": 80}),
    )

    class Meta:
        model = EditorSource
        fields = ["title", "publisher", "published", "url"]
        help_texts = {
            "title": "As the source titles itself.",
            "publisher": "Who published it: Federal Register, Department of State, a court...",
            "published": "The date the source gives: the status counts it from that day.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.kind = Document.Kind.EDITOR_SOURCE
        self.fields["publisher"].required = True
        if self.instance.pk:
            self.fields["passage"].initial = self.instance.passage

    def clean(self):
        cleaned = super().clean()
        recommendation, relation = cleaned.get("recommendation"), cleaned.get("relation")
        reason = (cleaned.get("reason") or "").strip()
        if recommendation and not relation:
            self.add_error("relation", "Say how the source bears on the recommendation.")
        if recommendation and not reason:
            self.add_error("reason", "A link shown to the public needs a one-line reason.")
        if (relation or reason) and not recommendation:
            self.add_error("recommendation", "Choose the recommendation to link it to.")
        decided = Link.objects.reviewed().filter(
            recommendation=recommendation, action__factsheet=self.instance.pk
        )
        if recommendation and self.instance.pk and decided.exists():
            self.add_error("recommendation", CITED_ALREADY)
        return cleaned


@admin.register(EditorSource)
class EditorSourceAdmin(admin.ModelAdmin):
    """Evidence outside the documents searched, entered by an editor and linked like any
    action; the public page marks it as editor-entered."""

    form = EditorSourceForm
    list_display = ["title", "publisher", "published", "administration", "accepted_links"]
    list_select_related = ["administration"]
    search_fields = ["title", "publisher", "actions__text"]
    date_hierarchy = "published"
    readonly_fields = ["links"]

    def get_fieldsets(self, request, obj=None):
        source = ["title", "publisher", "published", "url", "passage", "seen_version"]
        if obj is not None:
            source.append("links")
        return [
            (None, {"fields": source}),
            (
                "Link it to a recommendation",
                {
                    "fields": ["recommendation", "relation", "reason"],
                    "description": "Accepted at once, with the relation and public reason "
                    "given: the status follows, as for any action.",
                },
            ),
        ]

    def get_queryset(self, request):
        accepted_link = LinkQuerySet.accepted_condition("actions__links__")
        accepted = Count("actions__links", filter=accepted_link)
        return super().get_queryset(request).annotate(accepted_count=accepted)

    @admin.display(description="accepted links", ordering="accepted_count")
    def accepted_links(self, source):
        return source.accepted_count

    @admin.display(description="links")
    def links(self, source):
        links = (
            Link.objects.reviewed()
            .filter(action__factsheet=source)
            .select_related("recommendation")
            .order_by("recommendation__code")
        )
        rows = format_html_join(
            "",
            '<li><a href="{}">{}</a>: {} ({})</li>',
            (
                (
                    reverse("admin:tracker_link_change", args=[link.pk]),
                    link.recommendation.title,
                    link.get_relation_display() or "no relation",
                    link.get_review_display().lower(),
                )
                for link in links
            ),
        )
        return format_html("<ul>{}</ul>", rows) if rows else "Not linked yet."

    def has_delete_permission(self, request, obj=None):
        """Only a source no editor has linked: a decided link keeps its evidence (a bulk
        delete from the list asks this of each source too, and is refused)."""
        if obj is not None and Link.objects.reviewed().filter(action__factsheet=obj).exists():
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        save_editor_source(obj, passage=form.cleaned_data["passage"], user=request.user)
        recommendation = form.cleaned_data.get("recommendation")
        if recommendation is not None:
            cite_editor_source(
                obj,
                recommendation,
                relation=form.cleaned_data["relation"],
                reason=form.cleaned_data["reason"],
                user=request.user,
            )
            self.message_user(request, public_outcome([recommendation.pk]), messages.SUCCESS)
