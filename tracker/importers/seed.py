"""Import everything in seeds/: the essay and its recommendations, then the fact sheets."""

from django.conf import settings

from .factsheet_import import import_factsheets
from .recommendations import import_recommendations


def seed(seeds_dir=None, *, progress=iter):
    """Return (recommendation summary, fact sheet summary); idempotent."""
    seeds_dir = seeds_dir or settings.SEEDS_DIR
    recommendations = import_recommendations(seeds_dir / "recommendations.yaml")
    factsheets = import_factsheets([seeds_dir / "factsheets"], progress=progress)
    return recommendations, factsheets
