"""Runner for Prometheus's PromQL test-script language (``*.test`` files).

Follows ``promql/promqltest/test.go``: ``load``/``clear``/``eval`` commands,
``expect`` lines, instant evals re-run with ``@`` added to every selector and
in range mode, and values compared with ``almost.Equal`` (relative 1e-6).
Evals that need native histograms or experimental functions are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from promql import ast_access as A
from promql.ast import Expr
from promql.blocks import NativeHistogramError
from promql.durations import DurationError, parse_duration
from promql.engine import Engine, EngineOptions
from promql.errors import PromQLError
from promql.labels import METRIC_NAME, Labels, format_labels, get_label
from promql.matchers import Matcher
from promql.memory import MemoryQuerier
from promql.parser import parse_expr
from promql.querier import SeriesData
from promql.testscript_compare import (
    EvalCommand,
    Expected,
    compare,
    parse_go_number,
    prefix,
    unquote,
)
from promql.testscript_notation import NotationError, SequenceValue, parse_series
from promql.values import Sample, Scalar, Value, Vector

_PAT_LOAD = re.compile(r"^load(?:_(with_nhcb))?\s+(.+?)$")
_PAT_INSTANT = re.compile(
    r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"
)
_PAT_RANGE = re.compile(
    r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$"
)
_PAT_EXPECT = re.compile(
    r"^expect\s+(ordered|fail|warn|no_warn|info|no_info)(?:\s+(regex|msg):(.+))?$"
)
_PAT_EXPECT_RANGE = re.compile(r"^expect range vector\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+)$")
_EXPECT_STRING = "expect string"
_AT_UNSAFE = {
    "days_in_month",
    "day_of_month",
    "day_of_week",
    "day_of_year",
    "hour",
    "minute",
    "month",
    "year",
    "predict_linear",
    "time",
    "timestamp",
}
_QUERY_CONTEXT_FUNCS = re.compile(r"(start|end|range|step)\(\)")
_EXPERIMENTAL_SYNTAX = re.compile(
    r"\b(anchored|smoothed|fill|fill_left|fill_right)\b|\bstep\(\)|\brange\(\)"
)


class SkipEval(Exception):
    """This eval is out of scope (native histograms, experimental features)."""


@dataclass(frozen=True)
class Failure:
    file: str
    line: int
    message: str


@dataclass
class ScriptResult:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[Failure] = field(default_factory=list)
    skips: list[Failure] = field(default_factory=list)  # why each skipped eval is out of scope


class _HistogramAwareQuerier:
    """A MemoryQuerier that fails selections touching native-histogram series."""

    def __init__(self) -> None:
        self.memory = MemoryQuerier()
        self.histograms: set[Labels] = set()

    def clear(self) -> None:
        self.memory.clear()
        self.histograms.clear()

    def select(
        self, matchers: Sequence[Matcher], start_ms: int, end_ms: int
    ) -> Sequence[SeriesData]:
        for labels in self.histograms:
            if all(m.matches(get_label(labels, m.name)) for m in matchers):
                raise NativeHistogramError(
                    f"native histograms are not supported: {format_labels(labels)}"
                )
        return self.memory.select(matchers, start_ms, end_ms)

    def label_names(self, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self.memory.label_names(matchers)

    def label_values(self, name: str, matchers: Sequence[Matcher] = ()) -> list[str]:
        return self.memory.label_values(name, matchers)


def _duration_ms(text: str) -> int:
    text = text.strip()
    sign = -1 if text.startswith("-") else 1
    return sign * round(parse_duration(text.lstrip("-")) * 1000)


class _Runner:
    def __init__(self, file_name: str) -> None:
        self.file = file_name
        self.storage = _HistogramAwareQuerier()
        self.engine = Engine(EngineOptions(lookback_delta=300.0, timeout=100.0))
        self.result = ScriptResult()

    # -- parsing -------------------------------------------------------------

    def run(self, text: str) -> ScriptResult:
        lines = [("" if ln.strip().startswith("#") else ln.strip()) for ln in text.split("\n")]
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line:
                i += 1
                continue
            command = re.split(r"[\t ]+", line, maxsplit=1)[0].lower()
            try:
                if command == "clear":
                    self.storage.clear()
                    i += 1
                elif command.startswith("load"):
                    i = self._load(lines, i)
                elif command.startswith("eval"):
                    i = self._eval(lines, i)
                else:
                    self._fail(i + 1, f"invalid command {line!r}")
                    i += 1
            except (NotationError, DurationError, ValueError) as exc:
                self._fail(i + 1, f"cannot parse: {exc}")
                i += 1
                while i < len(lines) and lines[i]:
                    i += 1
        return self.result

    def _fail(self, line: int, message: str) -> None:
        self.result.failed += 1
        self.result.failures.append(Failure(self.file, line, message))

    def _load(self, lines: list[str], i: int) -> int:
        match = _PAT_LOAD.match(lines[i])
        if not match:
            raise ValueError("invalid load command")
        with_nhcb = match.group(1) == "with_nhcb"
        gap = _duration_ms(match.group(2))
        i += 1
        while i < len(lines) and lines[i]:
            labels, values = parse_series(lines[i])
            for k, value in enumerate(values):
                if value.omitted:
                    continue
                if value.histogram:
                    self.storage.histograms.add(labels)
                else:
                    self.storage.memory.add(labels, k * gap, value.value)
            name = get_label(labels, METRIC_NAME)
            if with_nhcb and name.endswith("_bucket") and get_label(labels, "le"):
                converted = dict(labels)
                converted[METRIC_NAME] = name[: -len("_bucket")]
                del converted["le"]
                self.storage.histograms.add(tuple(sorted(converted.items())))
            i += 1
        return i

    def _eval(self, lines: list[str], i: int) -> int:
        header = lines[i]
        line_no = i + 1
        instant = _PAT_INSTANT.match(header)
        ranged = _PAT_RANGE.match(header)
        if instant:
            mod, at, expr = instant.group(1), instant.group(2), instant.group(3)
            cmd = EvalCommand(line_no, expr, True, _duration_ms(at or "0s"))
        elif ranged:
            mod, expr = ranged.group(1), ranged.group(5)
            cmd = EvalCommand(
                line_no,
                expr,
                False,
                _duration_ms(ranged.group(2)),
                _duration_ms(ranged.group(3)),
                _duration_ms(ranged.group(4)),
            )
        else:
            raise ValueError(f"invalid eval command {header!r}")
        cmd.fail = mod == "fail"
        cmd.ordered = mod == "ordered"
        j = 1
        i += 1
        while i < len(lines) and lines[i]:
            body = lines[i]
            i += 1
            if cmd.fail and body.startswith("expected_fail_message"):
                cmd.fail_message = body[len("expected_fail_message") :].strip()
                break
            if cmd.fail and body.startswith("expected_fail_regexp"):
                cmd.fail_regex = re.compile(body[len("expected_fail_regexp") :].strip())
                break
            range_vec = _PAT_EXPECT_RANGE.match(body)
            if range_vec:
                cmd.expect_range_vector = True
                cmd.start_ms = _duration_ms(range_vec.group(1))
                cmd.end_ms = _duration_ms(range_vec.group(2))
                cmd.step_ms = _duration_ms(range_vec.group(3))
                cmd.exclude_from_range = True
                continue
            if body.startswith(_EXPECT_STRING):
                cmd.expected_string = unquote(body[len(_EXPECT_STRING) :].strip())
                cmd.exclude_from_range = True
                continue
            if body.split(" ")[0] == "expect":
                self._expect(cmd, body)
                continue
            try:
                number = parse_go_number(body)
            except ValueError:
                number = None
            if number is not None:
                cmd.scalar = True
                cmd.expected = {(): Expected(None, [SequenceValue(number)], 0)}
                break
            if "{{" in body:
                cmd.histogram = True
            labels, values = parse_series(body)
            cmd.expected[labels] = Expected(labels, values, j)
            j += 1
        # skip to the end of the block (lines after an early break are ignored, as in Prometheus)
        while i < len(lines) and lines[i]:
            i += 1
        self._run_eval(cmd)
        return i

    def _expect(self, cmd: EvalCommand, body: str) -> None:
        match = _PAT_EXPECT.match(body.strip())
        if not match:
            raise ValueError(f"invalid expect statement {body!r}")
        kind, mode, text = match.groups()
        if kind == "ordered":
            cmd.ordered = True
        elif kind == "fail":
            cmd.fail = True
            if mode == "msg":
                cmd.fail_message = text.strip()
            elif mode == "regex":
                cmd.fail_regex = re.compile(text.strip())
        # warn/info/no_warn/no_info: annotations are not checked by Vigil.

    # -- execution -----------------------------------------------------------

    def _run_eval(self, cmd: EvalCommand) -> None:
        try:
            if cmd.histogram:
                raise SkipEval("expects native histograms")
            self._check_scope(cmd.expr)
            error = self._execute(cmd)
        except SkipEval as reason:
            self.result.skipped += 1
            self.result.skips.append(Failure(self.file, cmd.line, str(reason)))
            return
        except Exception as exc:
            error = f"internal error: {type(exc).__name__}: {exc}"
            import traceback

            error += "".join(traceback.format_exc().splitlines(True)[-4:])
        if error is None:
            self.result.passed += 1
        else:
            self._fail(cmd.line, f"{cmd.expr}: {error}")

    def _check_scope(self, expr: str) -> None:
        try:
            node = parse_expr(expr)
        except PromQLError as exc:
            if _EXPERIMENTAL_SYNTAX.search(expr):
                raise SkipEval("experimental syntax") from exc
            return
        for sub in A.walk(node):
            if A.is_experimental(sub):
                raise SkipEval("experimental function")

    def _query(self, query: str | Expr, cmd: EvalCommand, t_ms: int) -> Value:
        return self.engine.instant_query(self.storage, query, t_ms / 1000.0)

    def _execute(self, cmd: EvalCommand) -> str | None:
        if not cmd.instant:
            return self._outcome(
                cmd,
                lambda: self.engine.range_query(
                    self.storage,
                    cmd.expr,
                    cmd.start_ms / 1000,
                    cmd.end_ms / 1000,
                    cmd.step_ms / 1000,
                ),
                cmd.expr,
            )
        variants: list[tuple[str | Expr, int]] = [
            (cmd.expr, cmd.end_ms if cmd.expect_range_vector else cmd.start_ms)
        ]
        eval_ms = variants[0][1]
        variants.extend(self._at_variants(cmd.expr, eval_ms))
        for query, t_ms in variants:
            error = self._outcome(cmd, lambda q=query, t=t_ms: self._query(q, cmd, t), query)
            if error is not None:
                return error
            if cmd.fail or cmd.exclude_from_range:
                continue
            # start()/end()/range()/step() would resolve differently in range mode.
            if _QUERY_CONTEXT_FUNCS.search(query if isinstance(query, str) else str(query)):
                continue
            error = self._range_mode(cmd, query, t_ms)
            if error is not None:
                return error
        return None

    def _at_variants(self, expr: str, eval_ms: int) -> list[tuple[str | Expr, int]]:
        try:
            node = parse_expr(expr)
        except PromQLError:
            return []
        for sub in A.walk(node):
            if A.kind(sub) == "call" and A.function_name(sub) in _AT_UNSAFE:
                return []
        with_at = A.set_at_everywhere(node, eval_ms)
        times = [
            -10 * eval_ms,
            0,
            eval_ms // 5 if eval_ms >= 0 else -((-eval_ms) // 5),
            eval_ms,
            10 * eval_ms,
        ]
        if eval_ms == 0:
            times = [-1000, 0, 1000]
        return [(with_at, t) for t in times]

    def _outcome(self, cmd: EvalCommand, run: object, query: str | Expr) -> str | None:
        try:
            result = run()  # type: ignore[operator]
        except NativeHistogramError as exc:
            raise SkipEval(str(exc)) from exc
        except PromQLError as exc:
            if not cmd.fail:
                return f"unexpected error: {exc}"
            message = str(exc)
            if cmd.fail_message is not None and cmd.fail_message != message:
                return f"expected error {cmd.fail_message!r}, got {message!r}"
            if cmd.fail_regex is not None and not cmd.fail_regex.search(message):
                return f"expected error matching {cmd.fail_regex.pattern!r}, got {message!r}"
            return None
        if cmd.fail:
            return "expected an error, got none"
        return compare(cmd, result)

    def _range_mode(self, cmd: EvalCommand, query: str | Expr, t_ms: int) -> str | None:
        try:
            matrix = self.engine.range_query(
                self.storage, query, (t_ms - 60000) / 1000, (t_ms + 60000) / 1000, 60
            )
        except NativeHistogramError as exc:
            raise SkipEval(str(exc)) from exc
        except PromQLError as exc:
            return f"range mode: unexpected error: {exc}"
        if cmd.ordered:
            return None
        if cmd.scalar:
            points = [
                v
                for s in matrix.series
                for t, v in zip(s.timestamps, s.values, strict=True)
                if t == t_ms
            ]
            if not points:
                return "range mode: no scalar value"
            return prefix("range mode", compare(cmd, Scalar(t_ms, points[0])))
        samples = []
        for s in matrix.series:
            for t, v in zip(s.timestamps, s.values, strict=True):
                if t == t_ms:
                    samples.append(Sample(s.labels, t, v))
        return prefix("range mode", compare(cmd, Vector(samples)))


def run_script(text: str, file_name: str = "<script>") -> ScriptResult:
    """Run a whole test script; each eval counts as passed, failed or skipped."""
    return _Runner(file_name).run(text)
