"""Import everything in seeds/: the essay and its recommendations, the fact sheets, the curation.

Then suggest matches for the actions that are new.
"""

from dataclasses import dataclass

from django.conf import settings

from tracker.matching import suggest_for_actions

from .administrations import import_administrations
from .curation_file import load_curation
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


def seed(seeds_dir=None, *, progress=iter):
    """Idempotent: a second run creates, deletes and changes nothing."""
    seeds_dir = seeds_dir or settings.SEEDS_DIR
    administrations_file = seeds_dir / "administrations.yaml"
    administrations = (
        import_administrations(administrations_file) if administrations_file.exists() else None
    )
    recommendations = import_recommendations(seeds_dir / "recommendations.yaml")
    factsheets = import_factsheets([seeds_dir / "factsheets"], progress=progress)
    curation = seeds_dir / "curation.yaml"
    links, overrides = load_curation(curation) if curation.exists() else (0, 0)
    created, _, _ = suggest_for_actions(factsheets.new_action_ids)
    return SeedResult(recommendations, factsheets, links, overrides, created, administrations)
