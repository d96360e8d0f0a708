"""Result types render like Prometheus's HTTP API."""

from __future__ import annotations

import math

from promql.values import Matrix, Sample, Scalar, Series, String, Vector, format_float


def test_float_formatting() -> None:
    assert format_float(math.inf) == "+Inf"
    assert format_float(-math.inf) == "-Inf"
    assert format_float(math.nan) == "NaN"
    assert format_float(1e20) == "100000000000000000000"
    assert format_float(0.1) == "0.1"
    assert format_float(3.0) == "3"


def test_json_forms() -> None:
    labels = (("__name__", "up"), ("job", "a"))
    assert Scalar(1500, 2.0).to_json() == {"resultType": "scalar", "result": [1.5, "2"]}
    assert String(0, "x").to_json() == {"resultType": "string", "result": [0.0, "x"]}
    assert Vector([Sample(labels, 1000, 1.0)]).to_json()["result"] == [
        {"metric": {"__name__": "up", "job": "a"}, "value": [1.0, "1"]}
    ]
    assert Matrix([Series(labels, [0, 1000], [1.0, math.nan])]).to_json()["result"][0][
        "values"
    ] == [[0.0, "1"], [1.0, "NaN"]]
