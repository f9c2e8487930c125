from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture
def seeds_dir():
    return settings.SEEDS_DIR


@pytest.fixture
def write_file(tmp_path):
    """Write `content` (str or bytes) to a file under tmp_path and return its path."""

    def write(name, content):
        path = Path(tmp_path, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return write


@pytest.fixture(autouse=True)
def empty_page_cache():
    """Cached pages must not leak from one test's database into another's."""
    from django.core.cache import cache

    cache.clear()
