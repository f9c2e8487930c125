"""Import everything in seeds/: the essay and its recommendations, the fact sheets, the curation.

Then suggest matches for the actions that are new.
"""

from dataclasses import dataclass, field

from django.conf import settings

from tracker.cache import published_data_changed
from tracker.matching import suggest_for_actions
from tracker.models import Recommendation

from .administrations import import_administrations
from .curation_file import CurationLoad, load_curation
from .document_import import import_factsheets
from .recommendations import import_recommendations


@dataclass
class SeedResult:
    recommendations: object
    factsheets: object
    curated_links: int
    curated_overrides: int
    suggestions: int
    administrations: object = None
    curation_skipped: list = field(default_factory=list)
    curated_sources: int = 0


def seed(seeds_dir=None, *, progress=iter):
    """Idempotent: a second run creates, deletes and changes nothing."""
    seeds_dir = seeds_dir or settings.SEEDS_DIR
    administrations_file = seeds_dir / "administrations.yaml"
    administrations = (
        import_administrations(administrations_file) if administrations_file.exists() else None
    )
    recommendations = import_recommendations(seeds_dir / "recommendations.yaml")
    # The two seed fact sheets, and the documents of the whole record the curation cites.
    folders = [seeds_dir / "factsheets", seeds_dir / "documents"]
    factsheets = import_factsheets([f for f in folders if f.is_dir()], progress=progress)
    curation_file = seeds_dir / "curation.yaml"
    curation = load_curation(curation_file) if curation_file.exists() else CurationLoad(0, 0)
    created, _, _ = suggest_for_actions(factsheets.new_action_ids)
    # Search texts stored before a change to how search reads them are rebuilt once.
    if Recommendation.objects.refresh_search_texts():
        published_data_changed()
    return SeedResult(
        recommendations,
        factsheets,
        curation.links,
        curation.overrides,
        created,
        administrations,
        curation.skipped,
        curation.sources,
    )
