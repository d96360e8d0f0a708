"""Streaming import of OpenMetrics text: what ``promtool tsdb create-blocks-from`` reads.

The file is read in blocks of whole lines (about a megabyte each), never whole,
and each block goes through the scrape parser (``parse_openmetrics``): that
parser has no state across lines beyond the series cache, so any line boundary
is a valid block boundary and the import accepts exactly what a scrape would.
What differs from a scrape is handled here: ``# EOF`` may only be the last line,
line numbers count from the start of the file, and every sample must carry a
timestamp (promtool's rule: a backfilled sample without one has no place in time).

Samples are committed in batches as they are read, so memory stays bounded and
a large import makes steady progress. promtool validates the whole file before
writing anything; here the first malformed line stops the import, every whole
batch of samples before that line stays committed, and the partial batch it
falls in is discarded, so the outcome depends only on the input and the batch
size. For promtool's all-or-nothing, run a ``dry_run=True`` pass first (the
CLI's ``--validate-first``), at the price of reading the file twice.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TextIO, cast

from sqlalchemy import Engine

from collectors.exposition import ExpositionError, LabelTransform, SeriesCache, parse_openmetrics
from collectors.importers.batches import (
    DEFAULT_BATCH_SIZE,
    BatchWriter,
    ImportStats,
    Progress,
)
from promql.labels import Labels, make_labels
from store.samples import Sample
from store.series import SeriesIndex

BLOCK_CHARS = 1 << 20
_CACHE_LIMIT = 200_000
"""Series texts cached by the parser; past this the cache restarts, bounding memory."""
_EOF = "# EOF"


class OpenMetricsImportError(ValueError):
    """Input that cannot be imported; ``line`` counts from 1 at the start of the file.

    ``stats`` says what was committed before the error (nothing in a dry run).
    """

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        self.stats = ImportStats()
        self.valid_before: list[Sample] = []
        """The samples of the block before the bad line (they are valid)."""
        super().__init__(f"line {line}: {reason}")


def label_transform(extra: Mapping[str, str]) -> LabelTransform | None:
    """Labels added to (or replacing those of) every series, like promtool's ``--label``."""
    if not extra:
        return None
    added = dict(extra)

    def transform(labels: Labels) -> Labels:
        return make_labels({**dict(labels), **added})

    return transform


def read_openmetrics(
    stream: TextIO, *, transform: LabelTransform | None = None, block_chars: int = BLOCK_CHARS
) -> Iterator[list[Sample]]:
    """The samples of an OpenMetrics stream in file order, one list per block of lines.

    Raises ``OpenMetricsImportError`` at the first malformed line, a sample
    without a timestamp, data after ``# EOF``, or input that does not end with it.
    """
    reader = _BlockReader(transform)
    for block in _line_blocks(stream, block_chars):
        try:
            samples = reader.parse(block)
        except OpenMetricsImportError as error:
            # Hand over the good lines before the bad one, so that an import
            # commits every whole batch that precedes the error.
            valid, error.valid_before = error.valid_before, []
            if valid:
                yield valid
            raise
        yield samples
    reader.finish()


def _line_blocks(stream: TextIO, block_chars: int) -> Iterator[str]:
    """The stream as blocks of whole lines, without the newline that ends each block."""
    pending = ""
    while True:
        chunk = stream.read(block_chars)
        if not chunk:
            break
        text = pending + chunk if pending else chunk
        cut = text.rfind("\n")
        if cut < 0:
            pending = text
            continue
        pending = text[cut + 1 :]
        yield text[:cut]
    if pending:
        yield pending


def import_openmetrics(
    stream: TextIO,
    engine: Engine | None,
    index: SeriesIndex,
    progress: Progress | None = None,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    labels: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ImportStats:
    """Read ``stream`` to its end and commit its samples ``batch_size`` at a time.

    ``dry_run`` (or ``engine=None``) validates and counts without writing.
    On an error, the whole batches before the bad line stay committed; the
    error's ``stats`` says how much that was.
    """
    writer = BatchWriter(
        None if dry_run else engine, index, batch_size=batch_size, progress=progress
    )
    try:
        for samples in read_openmetrics(stream, transform=label_transform(labels or {})):
            writer.add(samples)
    except OpenMetricsImportError as error:
        writer.discard()
        error.stats = writer.stats
        raise
    return writer.flush()


class _BlockReader:
    """Parses consecutive blocks of whole lines, keeping line numbers and ``# EOF`` state."""

    def __init__(self, transform: LabelTransform | None) -> None:
        self._transform = transform
        self._cache: SeriesCache = {}
        self._lines_before = 0
        self._seen_eof = False

    def parse(self, block: str) -> list[Sample]:
        first_line = self._lines_before + 1
        last_index = block.count("\n")
        self._lines_before += last_index + 1
        if self._seen_eof:
            raise OpenMetricsImportError(first_line, "unexpected data after # EOF")
        found = f"\n{block}\n".find(f"\n{_EOF}\n")
        if found < 0:
            return self._parse_lines(block, first_line)
        eof_index = block.count("\n", 0, found)
        before = self._parse_lines(_first_lines(block, eof_index), first_line) if eof_index else []
        if eof_index != last_index:
            failed = OpenMetricsImportError(
                first_line + eof_index + 1, "unexpected data after # EOF"
            )
            failed.valid_before = before
            raise failed
        self._seen_eof = True
        return before

    def _parse_lines(self, body: str, first_line: int) -> list[Sample]:
        """Samples of ``body`` (whole lines, no # EOF), which starts at ``first_line``."""
        if len(self._cache) > _CACHE_LIMIT:
            self._cache.clear()
        try:
            exposition = parse_openmetrics(
                body + "\n" + _EOF, cache=self._cache, transform=self._transform
            )
        except ExpositionError as error:
            # The lines before the bad one are well formed; they may still hold
            # a sample without a timestamp, an earlier error that then wins.
            valid = (
                self._parse_lines(_first_lines(body, error.line - 1), first_line)
                if error.line > 1
                else []
            )
            failed = OpenMetricsImportError(first_line + error.line - 1, error.reason)
            failed.valid_before = valid
            raise failed from None
        samples = exposition.samples
        for position, sample in enumerate(samples):
            if sample[1] is None:
                line = first_line + _line_of_sample(body, position)
                failed = OpenMetricsImportError(
                    line, "expected a timestamp for the sample, got none"
                )
                failed.valid_before = cast("list[Sample]", samples[:position])
                raise failed
        return cast("list[Sample]", samples)  # every timestamp checked above

    def finish(self) -> None:
        if not self._seen_eof:
            raise OpenMetricsImportError(max(self._lines_before, 1), "data does not end with # EOF")


def _first_lines(text: str, count: int) -> str:
    return "\n".join(text.split("\n", count)[:count])


def _line_of_sample(body: str, position: int) -> int:
    """0-based line index of the ``position``-th sample line (comments are not samples)."""
    seen = -1
    for number, line in enumerate(body.split("\n")):
        if not line.startswith("#"):
            seen += 1
            if seen == position:
                return number
    raise AssertionError("sample position beyond the block")
