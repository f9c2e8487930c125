from django.contrib import admin

from .models import Action, Document, Link, Recommendation, Stage


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "published", "source_path"]
    list_filter = ["kind"]
    search_fields = ["title", "slug"]
    date_hierarchy = "published"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Stage)
class StageAdmin(admin.ModelAdmin):
    list_display = ["name", "position", "essay"]
    readonly_fields = ["essay", "slug", "name", "position"]


@admin.register(Recommendation)
class RecommendationAdmin(admin.ModelAdmin):
    list_display = ["code", "title", "stage", "status"]
    list_filter = ["stage", "status"]
    list_select_related = ["stage"]
    search_fields = ["code", "title", "statement", "quote"]
    readonly_fields = ["code", "stage", "subsection", "position", "quote", "status"]


@admin.register(Action)
class ActionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "factsheet", "section", "position"]
    list_select_related = ["factsheet"]
    list_filter = ["has_local_links", "withdrawn"]
    search_fields = ["text", "section", "lead_in"]
    readonly_fields = [field.name for field in Action._meta.fields]


@admin.register(Link)
class LinkAdmin(admin.ModelAdmin):
    list_display = ["recommendation", "action", "relation", "review", "score"]
    list_filter = ["review", "relation"]
    list_select_related = ["recommendation", "action"]
    autocomplete_fields = ["action"]
    raw_id_fields = ["recommendation"]
