"""Every query in Prometheus's conformance scripts parses (and round-trips through printing).

The scripts live in `../shared/promql-conformance/*.test` beside the repo, or in
the directory named by `VIGIL_PROMQL_TESTDATA`. Queries expected to fail may fail
at parse time or at evaluation time; when their expected message is a parse
error, parsing must produce exactly that error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from promql import ParseError, parse_expr
from tests.promql_testdata import promql_testdata_dir

TESTDATA = promql_testdata_dir()
# The patterns promqltest itself uses (promql/promqltest/test.go).
_EVAL_INSTANT = re.compile(
    r"^eval(?:_(fail|warn|ordered|info))?\s+instant\s+(?:at\s+(.+?))?\s+(.+)$"
)
_EVAL_RANGE = re.compile(
    r"^eval(?:_(fail|warn|info))?\s+range\s+from\s+(.+)\s+to\s+(.+)\s+step\s+(.+?)\s+(.+)$"
)
_EXPECT_FAIL = re.compile(r"^expect\s+fail(?:\s+(regex|msg):(.+))?$")


@dataclass(frozen=True)
class EvalCase:
    file: str
    line: int
    query: str
    expect_fail: bool
    fail_message: str | None  # The `msg:` text, when the script gives one.

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}"


def _load_cases() -> list[EvalCase]:
    cases: list[EvalCase] = []
    for path in sorted(TESTDATA.glob("*.test")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for index, line in enumerate(lines):
            match = _EVAL_INSTANT.match(line) or _EVAL_RANGE.match(line)
            if match is None:
                continue
            query = match.group(match.lastindex or 0).strip()
            fails, message = match.group(1) == "fail", None
            for following in lines[index + 1 :]:
                if not following.strip() or not following[0].isspace():
                    break
                expect = _EXPECT_FAIL.match(following.strip())
                if expect:
                    fails = True
                    message = expect.group(2).strip() if expect.group(1) == "msg" else None
            cases.append(EvalCase(path.name, index + 1, query, fails, message))
    return cases


CASES = _load_cases()
pytestmark = pytest.mark.skipif(not CASES, reason=f"no conformance scripts in {TESTDATA}")


def test_scripts_were_found() -> None:
    assert len(CASES) > 500


@pytest.mark.parametrize("case", [c for c in CASES if not c.expect_fail], ids=lambda c: c.id)
def test_eval_query_parses_and_round_trips(case: EvalCase) -> None:
    if "{{" in case.query:
        pytest.skip("native histogram literal")
    expr = parse_expr(case.query)
    assert parse_expr(str(expr)) == expr


@pytest.mark.parametrize("case", [c for c in CASES if c.expect_fail], ids=lambda c: c.id)
def test_failing_eval_query_fails_cleanly(case: EvalCase) -> None:
    """Only parse errors may escape the parser; a parse-error message must match exactly."""
    expects_parse_error = case.fail_message is not None and "parse error" in case.fail_message
    try:
        parse_expr(case.query)
    except ParseError as error:
        if case.fail_message is not None:
            assert case.fail_message in str(error)
        return
    assert not expects_parse_error, f"expected a parse error: {case.fail_message}"
