"""The test-script runner: commands, expectations, skips and failure reports."""

from __future__ import annotations

from promql.testscript import run_script

LOAD = """
load 1m
    m{a="1"} 0+1x10
    m{a="2"} 5x10
"""


def test_passing_instant_and_range_evals() -> None:
    script = (
        LOAD
        + """
eval instant at 5m m
    m{a="1"} 5
    m{a="2"} 5

eval range from 0 to 2m step 1m m{a="1"}
    m{a="1"} 0 1 2

eval instant at 1m 1 + 1
    2
"""
    )
    result = run_script(script, "t.test")
    assert (result.passed, result.failed, result.skipped) == (3, 0, 0), result.failures


def test_wrong_value_is_reported_with_line() -> None:
    result = run_script(LOAD + '\neval instant at 5m m{a="1"}\n    m{a="1"} 6\n', "t.test")
    assert result.failed == 1
    assert result.failures[0].line == 6
    assert "expected 6" in result.failures[0].message


def test_expect_fail_with_message_and_deprecated_form() -> None:
    script = (
        LOAD
        + """
eval instant at 5m topk(NaN, m)
    expect fail msg: Parameter value is NaN

eval_fail instant at 5m m{a=~".+"} + on() m

eval instant at 5m topk(NaN, m)
    expect fail msg: something else
"""
    )
    result = run_script(script, "t.test")
    assert (result.passed, result.failed) == (2, 1)


def test_ordered_results() -> None:
    script = (
        LOAD
        + """
eval instant at 5m sort_desc(m)
    expect ordered
    m{a="1"} 5
    m{a="2"} 5

eval_ordered instant at 3m sort(m)
    m{a="1"} 3
    m{a="2"} 5
"""
    )
    result = run_script(script, "t.test")
    assert (result.passed, result.failed) == (2, 0), result.failures


def test_native_histograms_and_experimental_functions_are_skipped() -> None:
    script = """
load 1m
    h {{schema:0 sum:1 count:1}}x3
    f 1 2 3

eval instant at 1m h
    h {{schema:0 sum:1 count:1}}

eval instant at 1m histogram_count(h)
    {} 1

eval instant at 2m mad_over_time(f[5m])
    {} 1

eval instant at 2m f
    f 3
"""
    result = run_script(script, "t.test")
    assert (result.passed, result.failed, result.skipped) == (1, 0, 3), result.failures


def test_clear_and_empty_result() -> None:
    script = (
        LOAD
        + """
clear

eval instant at 5m m
"""
    )
    assert run_script(script, "t.test").passed == 1


def test_warn_and_info_expectations_are_accepted() -> None:
    script = (
        LOAD
        + """
eval instant at 5m m{a="1"}
    expect no_warn
    expect no_info
    m{a="1"} 5
"""
    )
    assert run_script(script, "t.test").passed == 1
