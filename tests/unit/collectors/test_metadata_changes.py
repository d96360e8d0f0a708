"""MetadataTracker: a scrape writes metadata only when a family is new, changed or long gone."""

from __future__ import annotations

from collectors.exposition import MetricMetadata
from collectors.metadata_changes import ABSENT_SCRAPES, MetadataTracker

REQUESTS = MetricMetadata("counter", "Requests served.")
TEMPERATURE = MetricMetadata("gauge", "Degrees.", "celsius")


def test_the_first_scrape_replaces_what_the_store_held() -> None:
    tracker = MetadataTracker()
    changes = tracker.changes({"requests": REQUESTS})
    assert changes is not None and changes.replace_all
    assert dict(changes.upserts) == {"requests": REQUESTS}


def test_it_writes_nothing_while_the_metadata_stays_the_same() -> None:
    tracker = MetadataTracker()
    tracker.changes({"requests": REQUESTS, "temp": TEMPERATURE})
    for _ in range(50):
        assert tracker.changes({"requests": REQUESTS, "temp": TEMPERATURE}) is None


def test_it_upserts_a_new_or_changed_family_only() -> None:
    tracker = MetadataTracker()
    tracker.changes({"requests": REQUESTS})
    changed = MetricMetadata("counter", "Requests served, all of them.")
    changes = tracker.changes({"requests": changed, "temp": TEMPERATURE})
    assert changes is not None and not changes.replace_all
    assert dict(changes.upserts) == {"requests": changed, "temp": TEMPERATURE}
    assert list(changes.deletes) == []
    assert tracker.changes({"requests": changed, "temp": TEMPERATURE}) is None


def test_a_family_gone_for_more_than_ten_scrapes_is_deleted() -> None:
    tracker = MetadataTracker()
    tracker.changes({"requests": REQUESTS, "temp": TEMPERATURE})
    for _ in range(ABSENT_SCRAPES):
        assert tracker.changes({"requests": REQUESTS}) is None
    changes = tracker.changes({"requests": REQUESTS})
    assert changes is not None and list(changes.deletes) == ["temp"]
    assert tracker.changes({"requests": REQUESTS}) is None
    back = tracker.changes({"requests": REQUESTS, "temp": TEMPERATURE})
    assert back is not None and dict(back.upserts) == {"temp": TEMPERATURE}


def test_a_family_that_comes_back_in_time_is_kept() -> None:
    tracker = MetadataTracker()
    tracker.changes({"requests": REQUESTS, "temp": TEMPERATURE})
    for _ in range(ABSENT_SCRAPES):
        tracker.changes({"requests": REQUESTS})
    assert tracker.changes({"requests": REQUESTS, "temp": TEMPERATURE}) is None
    for _ in range(ABSENT_SCRAPES):
        assert tracker.changes({"requests": REQUESTS}) is None
