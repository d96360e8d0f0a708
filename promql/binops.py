"""Binary operators: arithmetic, comparison, atan2 and the set operators.

Vector/vector matching is done once per pair of series over all steps: rows
are keyed by their matching signature, then each step's presence masks decide
which pairs exist. Error checks (duplicate "one" side, ambiguous matches) are
per step, as in Prometheus.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from promql.blocks import BoolArray, EvalError, FloatArray, InstantBlock, ScalarBlock
from promql.labels import METRIC_NAME, Labels

ARITHMETIC: dict[str, Callable[[FloatArray, FloatArray], FloatArray]] = {
    "+": np.add,
    "-": np.subtract,
    "*": np.multiply,
    "/": np.divide,
    "%": np.fmod,
    "^": np.power,
    "atan2": np.arctan2,
}
COMPARISON: dict[str, Callable[[FloatArray, FloatArray], BoolArray]] = {
    "==": np.equal,
    "!=": np.not_equal,
    ">": np.greater,
    "<": np.less,
    ">=": np.greater_equal,
    "<=": np.less_equal,
}
SET_OPS = ("and", "or", "unless")


@dataclass(frozen=True)
class Matching:
    """How two vectors are matched: ``card`` is one-to-one, many-to-one, one-to-many."""

    card: str = "one-to-one"
    on: bool = False
    labels: tuple[str, ...] = ()
    include: tuple[str, ...] = ()


def _compute(op: str, lhs: FloatArray, rhs: FloatArray) -> tuple[FloatArray, BoolArray | None]:
    with np.errstate(all="ignore"):
        if op in ARITHMETIC:
            return ARITHMETIC[op](lhs, rhs), None
        return lhs, COMPARISON[op](lhs, rhs)


def scalar_binop(op: str, lhs: ScalarBlock, rhs: ScalarBlock, return_bool: bool) -> ScalarBlock:
    values, keep = _compute(op, lhs.values, rhs.values)
    if keep is not None:
        values = keep.astype(np.float64)
    return ScalarBlock(np.asarray(values, np.float64))


def vector_scalar_binop(
    op: str, vec: InstantBlock, scalar: ScalarBlock, scalar_left: bool, return_bool: bool
) -> InstantBlock:
    s = np.broadcast_to(scalar.values, vec.values.shape)
    values, keep = _compute(op, s, vec.values) if scalar_left else _compute(op, vec.values, s)
    present = vec.present.copy()
    if keep is not None:
        values = vec.values  # a comparison keeps the vector's own value
        if return_bool:
            values = keep.astype(np.float64)
        else:
            present &= keep
    drop = vec.drop_name.copy()
    if op in ARITHMETIC or return_bool:
        drop[:] = True
    out = InstantBlock(list(vec.labels), np.asarray(values, np.float64), present, drop)
    return out.nonempty()


def signature(labels: Labels, on: bool, names: Sequence[str]) -> Labels:
    if on:
        wanted = set(names)
        return tuple(pair for pair in labels if pair[0] in wanted)
    skip = set(names) | {METRIC_NAME}
    return tuple(pair for pair in labels if pair[0] not in skip)


def _fmt(labels: Labels) -> str:
    """Go's labels.Labels.String(): every label, ``__name__`` included."""
    inner = ", ".join(f'{n}="{v}"' for n, v in labels)
    return "{" + inner + "}"


def _by_sig(vec: InstantBlock, matching: Matching) -> dict[Labels, list[int]]:
    out: dict[Labels, list[int]] = {}
    for i, labels in enumerate(vec.labels):
        out.setdefault(signature(labels, matching.on, matching.labels), []).append(i)
    return out


def _result_labels(many: Labels, one: Labels, op: str, matching: Matching) -> Labels:
    pairs = dict(many)
    if op in ARITHMETIC:
        pairs.pop(METRIC_NAME, None)
    if matching.card == "one-to-one":
        if matching.on:
            pairs = {k: v for k, v in pairs.items() if k in matching.labels}
        else:
            for name in matching.labels:
                pairs.pop(name, None)
    one_dict = dict(one)
    for name in matching.include:
        if one_dict.get(name, ""):
            pairs[name] = one_dict[name]
        else:
            pairs.pop(name, None)
    return tuple(sorted(pairs.items()))


def vector_binop(
    op: str, lhs: InstantBlock, rhs: InstantBlock, matching: Matching, return_bool: bool
) -> InstantBlock:
    """Arithmetic or comparison between two instant vectors."""
    swapped = matching.card == "one-to-many"
    many, one = (rhs, lhs) if swapped else (lhs, rhs)
    steps = lhs.values.shape[1]
    both_nonempty = lhs.present.any(axis=0) & rhs.present.any(axis=0)
    one_sigs = _by_sig(one, matching)
    for rows in one_sigs.values():
        if len(rows) < 2:
            continue
        counts = one.present[rows].sum(axis=0) * both_nonempty
        bad = np.flatnonzero(counts > 1)
        if len(bad):
            j = int(bad[0])
            dup = [r for r in rows if one.present[r, j]]
            side = "left" if swapped else "right"
            matched = signature(one.labels[dup[1]], matching.on, matching.labels)
            raise EvalError(
                f"found duplicate series for the match group {_fmt(matched)} on the {side} "
                f"hand-side of the operation: [{_fmt(one.labels[dup[1]])}, "
                f"{_fmt(one.labels[dup[0]])}]"
                ";many-to-many matching not allowed: matching labels must be unique on one side"
            )
    out_labels: list[Labels] = []
    out_values: list[FloatArray] = []
    out_present: list[BoolArray] = []
    seen: dict[tuple[Labels, Labels | None], BoolArray] = {}
    for m_row, m_labels in enumerate(many.labels):
        sig = signature(m_labels, matching.on, matching.labels)
        for o_row in one_sigs.get(sig, []):
            both = many.present[m_row] & one.present[o_row]
            if not both.any():
                continue
            left, right = (one, many) if swapped else (many, one)
            l_row, r_row = (o_row, m_row) if swapped else (m_row, o_row)
            values, keep = _compute(op, left.values[l_row], right.values[r_row])
            result = _result_labels(m_labels, one.labels[o_row], op, matching)
            key = (sig, None) if matching.card == "one-to-one" else (sig, result)
            earlier = seen.get(key)
            if earlier is not None and (earlier & both).any():
                raise EvalError(
                    "multiple matches for labels: many-to-one matching must be explicit "
                    "(group_left/group_right)"
                    if matching.card == "one-to-one"
                    else "multiple matches for labels: grouping labels must ensure unique matches"
                )
            seen[key] = both if earlier is None else (earlier | both)
            present = both.copy()
            if keep is not None:
                if return_bool:
                    values = keep.astype(np.float64)
                else:
                    present &= keep
            out_labels.append(result)
            out_values.append(np.asarray(values, np.float64))
            out_present.append(present)
    if not out_labels:
        return InstantBlock.empty(steps)
    drop = np.full(len(out_labels), return_bool)
    out = InstantBlock(out_labels, np.array(out_values), np.array(out_present), drop)
    from promql.blocks import merge_same_labels

    return merge_same_labels(out.nonempty(), check=False)


def _sig_presence(vec: InstantBlock, matching: Matching) -> dict[Labels, BoolArray]:
    out: dict[Labels, BoolArray] = {}
    for sig, rows in _by_sig(vec, matching).items():
        out[sig] = np.asarray(vec.present[rows].any(axis=0), bool)
    return out


def set_binop(op: str, lhs: InstantBlock, rhs: InstantBlock, matching: Matching) -> InstantBlock:
    """``and``/``or``/``unless``: filter by signature presence at each step."""
    steps = lhs.values.shape[1]
    none = np.zeros(steps, bool)
    if op in ("and", "unless"):
        rhs_sigs = _sig_presence(rhs, matching)
        present = lhs.present.copy()
        for i, labels in enumerate(lhs.labels):
            other = rhs_sigs.get(signature(labels, matching.on, matching.labels), none)
            present[i] &= other if op == "and" else ~other
        return InstantBlock(list(lhs.labels), lhs.values, present, lhs.drop_name).nonempty()
    lhs_sigs = _sig_presence(lhs, matching)
    rhs_present = rhs.present.copy()
    for i, labels in enumerate(rhs.labels):
        rhs_present[i] &= ~lhs_sigs.get(signature(labels, matching.on, matching.labels), none)
    rhs_part = InstantBlock(list(rhs.labels), rhs.values, rhs_present, rhs.drop_name).nonempty()
    return InstantBlock(
        lhs.labels + rhs_part.labels,
        np.concatenate([lhs.values, rhs_part.values]),
        np.concatenate([lhs.present, rhs_part.present]),
        np.concatenate([lhs.drop_name, rhs_part.drop_name]),
    )
