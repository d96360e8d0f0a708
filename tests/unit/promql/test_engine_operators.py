"""Binary operators: arithmetic, comparisons, bool, matching, set operators."""

from __future__ import annotations

import math

import pytest

from promql.errors import PromQLError
from tests.unit.promql.engine_support import load, scalar, vector

DATA = """
req{job="a", inst="1"} 10
req{job="a", inst="2"} 20
req{job="b", inst="1"} 30
lim{job="a"} 100
lim{job="b"} 200
info{job="a", team="x"} 1
"""


def test_scalar_arithmetic_and_precedence() -> None:
    q = load(DATA)
    assert scalar(q, "2 + 3 * 4 ^ 2", 0) == 50
    assert scalar(q, "-2 ^ 2", 0) == -4
    assert scalar(q, "7 % 3", 0) == 1
    assert math.isinf(scalar(q, "1 / 0", 0))
    assert scalar(q, "1 > bool 2", 0) == 0


def test_vector_scalar_arithmetic_drops_name() -> None:
    q = load(DATA)
    assert vector(q, 'req{inst="2"} * 2', 0) == {'{inst="2",job="a"}': 40.0}


def test_comparison_filters_and_keeps_name() -> None:
    q = load(DATA)
    assert vector(q, "req > 15", 0) == {
        'req{inst="2",job="a"}': 20.0,
        'req{inst="1",job="b"}': 30.0,
    }
    assert vector(q, "15 < req", 0) == {
        'req{inst="2",job="a"}': 20.0,
        'req{inst="1",job="b"}': 30.0,
    }


def test_bool_comparison_returns_zero_one_without_name() -> None:
    q = load(DATA)
    assert vector(q, 'req{job="a"} > bool 15', 0) == {
        '{inst="1",job="a"}': 0.0,
        '{inst="2",job="a"}': 1.0,
    }


def test_one_to_one_matching_with_on_and_ignoring() -> None:
    q = load(DATA)
    assert vector(q, 'req{inst="1"} / on(job) lim', 0) == {'{job="a"}': 0.1, '{job="b"}': 0.15}
    assert vector(q, 'req{inst="1"} / ignoring(inst) lim', 0) == {
        '{job="a"}': 0.1,
        '{job="b"}': 0.15,
    }


def test_group_left_copies_labels_from_one_side() -> None:
    q = load(DATA)
    result = vector(q, "req * on(job) group_left(team) info", 0)
    assert result == {'{inst="1",job="a",team="x"}': 10.0, '{inst="2",job="a",team="x"}': 20.0}


def test_group_right() -> None:
    q = load(DATA)
    assert vector(q, "lim / on(job) group_right req", 0)['{inst="2",job="a"}'] == 5.0


def test_many_to_many_is_an_error() -> None:
    q = load(DATA)
    with pytest.raises(PromQLError, match="found duplicate series for the match group"):
        vector(q, "lim + on(job) req", 0)
    with pytest.raises(PromQLError, match="many-to-one matching must be explicit"):
        vector(q, "req + on(job) lim", 0)


def test_set_operators() -> None:
    q = load(DATA)
    assert set(vector(q, 'req and on(job) lim{job="b"}', 0)) == {'req{inst="1",job="b"}'}
    assert set(vector(q, 'req unless on(job) lim{job="b"}', 0)) == {
        'req{inst="1",job="a"}',
        'req{inst="2",job="a"}',
    }
    assert set(vector(q, 'lim or req{job="c"}', 0)) == {'lim{job="a"}', 'lim{job="b"}'}
    assert len(vector(q, "req or lim", 0)) == 5


def test_atan2_and_unary_minus() -> None:
    q = load(DATA)
    assert vector(q, 'lim{job="a"} atan2 lim{job="a"}', 0) == {'{job="a"}': math.atan2(100, 100)}
    assert vector(q, '-lim{job="a"}', 0) == {'{job="a"}': -100.0}


def test_same_labelset_after_name_drop_is_an_error() -> None:
    q = load('a{x="1"} 1\nb{x="1"} 2')
    with pytest.raises(PromQLError, match="same labelset"):
        vector(q, '{x="1"} * 2', 0)
