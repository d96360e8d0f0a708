"""Executing a parsed template, as Go's ``text/template`` does, plus Go's builtin functions.

Functions come from a registry of ``TemplateFunction`` entries (name ->
callable and arity), so adding one is one dict entry. A failure raises
``TemplateExecError`` carrying the position and the command, which the caller
turns into Prometheus's ``<error expanding template: ...>`` text.
"""

from __future__ import annotations

import html
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from typing import Any

from alerts.template_printf import sprint, sprintf, sprintln
from alerts.template_syntax import (
    Action,
    Chain,
    Command,
    Control,
    Dot,
    Field,
    Identifier,
    Literal,
    LoopJump,
    Node,
    Pipe,
    Text,
    Variable,
)
from alerts.template_values import (
    AnyMap,
    ExecError,
    TemplateError,
    Value,
    go_str,
    truth,
    type_name,
    zero_of_map,
)

MISSING: Any = object()
"""No piped-in value (distinct from nil, which is None)."""


@dataclass(frozen=True)
class TemplateFunction:
    call: Callable[..., Value]
    fewest: int
    most: int | None
    uses_context: bool = False
    """Called with the evaluation context (query, time, URL) as first argument."""
    lazy: bool = False
    """Called with zero-argument callables instead of values (``and``, ``or``)."""


class ArgumentTypeError(ExecError):
    """Go reports these without the ``error calling f:`` prefix."""


class TemplateExecError(TemplateError):
    def __init__(self, pos: int, context: str, message: str) -> None:
        super().__init__(message)
        self.pos, self.context, self.message = pos, context, message


class _Break(Exception):
    pass


class _Continue(Exception):
    pass


def want(kind: type | tuple[type, ...], name: str, value: Value) -> Any:
    """Go's argument conversion: the value, or a wrong-type error."""
    if isinstance(value, kind) and not (isinstance(value, bool) and kind is int):
        return value
    got = "nil" if value is None else type_name(value)
    raise ArgumentTypeError(f"wrong type for value; expected {name}; got {got}")


class Executor:
    def __init__(
        self,
        functions: Mapping[str, TemplateFunction],
        context: object,
        root: Value,
        variables: Mapping[str, Value],
    ) -> None:
        self._functions = functions
        self._context = context
        self._vars: list[tuple[str, Value]] = [("$", root), *variables.items()]

    def run(self, nodes: Sequence[Node]) -> str:
        out: list[str] = []
        self._walk(self._vars[0][1], nodes, out)
        return "".join(out)

    def _walk(self, dot: Value, nodes: Sequence[Node], out: list[str]) -> None:
        for node in nodes:
            if isinstance(node, Text):
                out.append(node.text)
            elif isinstance(node, Action):
                value = self._pipe(dot, node.pipe)
                if not node.pipe.declare:
                    out.append(go_str(value))
            elif isinstance(node, Control):
                mark = len(self._vars)
                try:
                    self._control(dot, node, out)
                finally:
                    del self._vars[mark:]
            elif isinstance(node, LoopJump):
                raise _Break() if node.keyword == "break" else _Continue()

    def _control(self, dot: Value, node: Control, out: list[str]) -> None:
        value = self._pipe(dot, node.pipe, declare=node.keyword != "range")
        if node.keyword == "range":
            items = self._range_items(node, value)
            for key, item in items:
                mark = len(self._vars)
                names = node.pipe.declare
                if len(names) == 2:
                    self._vars += [(names[0], key), (names[1], item)]
                elif names:
                    self._vars.append((names[0], item))
                try:
                    self._walk(item, node.body, out)
                except _Continue:
                    pass
                except _Break:
                    break
                finally:
                    del self._vars[mark:]
            if not items and node.otherwise is not None:
                self._walk(dot, node.otherwise, out)
        elif truth(value):
            self._walk(value if node.keyword == "with" else dot, node.body, out)
        elif node.otherwise is not None:
            self._walk(dot, node.otherwise, out)

    def _range_items(self, node: Control, value: Value) -> list[tuple[Value, Value]]:
        if value is None:
            return []
        if isinstance(value, list):
            return list(enumerate(value))
        if isinstance(value, Mapping):
            return [(key, value[key]) for key in sorted(value)]
        if isinstance(value, int) and not isinstance(value, bool):
            return [(i, i) for i in range(value)]
        raise TemplateExecError(
            node.pipe.pos, str(node.pipe), f"range can't iterate over {go_str(value)}"
        )

    def _pipe(self, dot: Value, pipe: Pipe, *, declare: bool = True) -> Value:
        value = MISSING
        for command in pipe.commands:
            value = self._command(dot, command, value)
        if declare:
            for name in pipe.declare:
                if pipe.is_assign:
                    index = max(i for i, (n, _) in enumerate(self._vars) if n == name)
                    self._vars[index] = (name, value)
                else:
                    self._vars.append((name, value))
        return value

    def _command(self, dot: Value, command: Command, final: Value) -> Value:
        first, rest = command.args[0], command.args[1:]
        try:
            if isinstance(first, Identifier):
                return self._call(dot, first.name, rest, final)
            if isinstance(first, Field):
                return self._fields(dot, first.names, self._args(dot, rest), final)
            if isinstance(first, Chain):
                base = self._pipe(dot, first.node)
                return self._fields(base, first.names, self._args(dot, rest), final)
            if isinstance(first, Variable) and first.names:
                base = self._variable(first.name)
                return self._fields(base, first.names, self._args(dot, rest), final)
            return self._arg(dot, first)
        except ExecError as error:
            raise TemplateExecError(command.pos, str(command), str(error)) from None

    def _call(self, dot: Value, name: str, nodes: Sequence[Node], final: Value) -> Value:
        function = self._functions[name]
        args: list[Value]
        if function.lazy:
            args = [lambda node=node: self._arg(dot, node) for node in nodes]
            if final is not MISSING:
                args.append(lambda: final)
        else:
            args = [self._arg(dot, node) for node in nodes]
            if final is not MISSING:
                args.append(final)
        if function.uses_context:
            args.insert(0, self._context)
        try:
            return function.call(*args)
        except ArgumentTypeError:
            raise
        except ExecError as error:
            raise ExecError(f"error calling {name}: {error}") from None

    def _args(self, dot: Value, nodes: Sequence[Node]) -> list[Value]:
        return [self._arg(dot, node) for node in nodes]

    def _arg(self, dot: Value, node: Node) -> Value:
        if isinstance(node, Literal):
            return node.value
        if isinstance(node, Dot):
            return dot
        if isinstance(node, Variable):
            return self._fields(self._variable(node.name), node.names, [], MISSING)
        if isinstance(node, Field):
            return self._fields(dot, node.names, [], MISSING)
        if isinstance(node, Chain):
            return self._fields(self._pipe(dot, node.node), node.names, [], MISSING)
        if isinstance(node, Pipe):
            mark = len(self._vars)
            try:
                return self._pipe(dot, node)
            finally:
                del self._vars[mark:]
        assert isinstance(node, Identifier)
        return self._call(dot, node.name, [], MISSING)

    def _variable(self, name: str) -> Value:
        for var, value in reversed(self._vars):
            if var == name:
                return value
        raise ExecError(f"undefined variable: {name}")

    def _fields(
        self, receiver: Value, names: Sequence[str], args: list[Value], final: Value
    ) -> Value:
        for index, name in enumerate(names):
            last = index == len(names) - 1
            receiver = field_of(receiver, name, args if last else [], final if last else MISSING)
        return receiver


def field_of(receiver: Value, name: str, args: list[Value], final: Value) -> Value:
    """``receiver.name``: a map key, a struct field or a method (given args and final)."""
    has_args = bool(args) or final is not MISSING
    if receiver is None:
        return None
    if isinstance(receiver, Mapping):
        if has_args:
            raise ExecError(f"{name} is not a method but has arguments")
        return receiver.get(name, zero_of_map(receiver))
    if is_dataclass(receiver) and name in {f.name for f in fields(receiver)} and name[0].isupper():
        if has_args:
            raise ExecError(f"{name} has arguments but cannot be invoked as function")
        return getattr(receiver, name)
    method = getattr(receiver, name, None) if name[:1].isupper() else None
    if callable(method):
        return method(*args, *([] if final is MISSING else [final]))
    raise ExecError(f"can't evaluate field {name} in type {type_name(receiver)}")


# --- Go's builtin functions ----------------------------------------------------------

_BASIC = (bool, int, float, str)


def _kind(value: Value) -> type | None:
    for kind in _BASIC:
        if isinstance(value, kind):
            return kind
    return None


def _eq(first: Value, *others: Value) -> bool:
    for other in others:
        if first is None or other is None:
            if first is None and other is None:
                return True
            continue
        if _kind(first) is None or _kind(other) is None:
            raise ExecError("invalid type for comparison")
        if _kind(first) is not _kind(other):
            raise ExecError("incompatible types for comparison")
        if first == other:
            return True
    return False


def _lt(first: Value, second: Value) -> bool:
    kinds = (_kind(first), _kind(second))
    if None in kinds or bool in kinds:
        raise ExecError("invalid type for comparison")
    if kinds[0] is not kinds[1]:
        raise ExecError("incompatible types for comparison")
    return bool(first < second)


def _and(*thunks: Callable[[], Value]) -> Value:
    value: Value = None
    for thunk in thunks:
        value = thunk()
        if not truth(value):
            return value
    return value


def _or(*thunks: Callable[[], Value]) -> Value:
    value: Value = None
    for thunk in thunks:
        value = thunk()
        if truth(value):
            return value
    return value


def _len(value: Value) -> int:
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, Mapping | list):
        return len(value)
    raise ExecError(f"len of type {type_name(value)}")


def _index(item: Value, *keys: Value) -> Value:
    for key in keys:
        if item is None:
            raise ExecError("index of untyped nil")
        if isinstance(item, Mapping):
            item = item.get(want(str, "string", key), zero_of_map(item))
        elif isinstance(item, list | str):
            position = want(int, "int", key)
            if not 0 <= position < len(item):
                raise ExecError(f"index out of range: {position}")
            item = item[position] if isinstance(item, list) else item.encode()[position]
        else:
            raise ExecError(f"can't index item of type {type_name(item)}")
    return item


def _js(*args: Value) -> str:
    escapes = {"\\": "\\\\", "'": "\\'", '"': "\\u0022", "<": "\\u003C", ">": "\\u003E",
               "&": "\\u0026", "=": "\\u003D", "\n": "\\n", "\r": "\\r", "\t": "\\t"}  # fmt: skip
    return "".join(
        escapes.get(c, c if c.isprintable() else f"\\u{ord(c):04X}") for c in sprint(args)
    )


def _html(*args: Value) -> str:
    return (
        html.escape(sprint(args), quote=True)
        .replace("&#x27;", "&#39;")
        .replace("&quot;", "&#34;")
        .replace("\0", "\ufffd")
    )


BUILTINS: dict[str, TemplateFunction] = {
    "and": TemplateFunction(_and, 1, None, lazy=True),
    "or": TemplateFunction(_or, 1, None, lazy=True),
    "not": TemplateFunction(lambda value: not truth(value), 1, 1),
    "len": TemplateFunction(_len, 1, 1),
    "index": TemplateFunction(_index, 1, None),
    "eq": TemplateFunction(_eq, 1, None),
    "ne": TemplateFunction(lambda a, b: not _eq(a, b), 2, 2),
    "lt": TemplateFunction(_lt, 2, 2),
    "le": TemplateFunction(lambda a, b: _lt(a, b) or _eq(a, b), 2, 2),
    "gt": TemplateFunction(lambda a, b: not (_lt(a, b) or _eq(a, b)), 2, 2),
    "ge": TemplateFunction(lambda a, b: not _lt(a, b), 2, 2),
    "print": TemplateFunction(lambda *args: sprint(args), 0, None),
    "println": TemplateFunction(lambda *args: sprintln(args), 0, None),
    "printf": TemplateFunction(lambda f, *args: sprintf(want(str, "string", f), args), 1, None),
    "html": TemplateFunction(_html, 0, None),
    "js": TemplateFunction(_js, 0, None),
    "urlquery": TemplateFunction(lambda *args: urllib.parse.quote_plus(sprint(args)), 0, None),
}
"""Go's text/template builtins (``call`` and ``slice`` are not offered)."""

__all__ = ["BUILTINS", "MISSING", "AnyMap", "Executor", "TemplateExecError", "TemplateFunction"]
