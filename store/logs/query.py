"""The log query language: a pure parser from text to a small tree.

    payments timeout                 both terms (implicit AND)
    "connection refused"             a phrase
    service:payments level>=warn     fields: service, level, trace_id, source, any extracted field
    error OR fatal                   AND, OR, NOT (upper case), parentheses; -term is NOT term

Terms and phrases match words of the message (case-insensitive, whole
words). A malformed query raises QueryError naming ``line:column``.
The backends compile the tree: ``query_sql`` (FTS5 / tsquery) and
``query_es`` (Elasticsearch query DSL); ``match`` evaluates it in memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from store.logs.record import LEVELS, normalise_level

COLUMN_FIELDS = frozenset({"service", "level", "trace_id", "source"})
TEXT_FIELDS = frozenset({"message", "msg"})
COMPARISONS = (">=", "<=", ">", "<")
KEYWORDS = frozenset({"AND", "OR", "NOT"})
MAX_NESTING = 100
"""Parentheses and NOTs deeper than this are an error, not a RecursionError here or later."""


class QueryError(ValueError):
    """A malformed query; ``str()`` starts with ``line:column``."""

    def __init__(self, message: str, text: str, offset: int) -> None:
        before = text[:offset]
        line = before.count("\n") + 1
        column = offset - (before.rfind("\n") + 1) + 1
        self.line, self.column, self.message = line, column, message
        super().__init__(f"{line}:{column}: {message}")


@dataclass(frozen=True, slots=True)
class MatchAll:
    pass


@dataclass(frozen=True, slots=True)
class Text:
    """A term or a phrase: words that must appear in the message, in this order."""

    text: str
    phrase: bool = False


@dataclass(frozen=True, slots=True)
class Field:
    """``name:value``, or ``level`` compared with ``op`` (``=``, ``>=``, ``>``, ``<=``, ``<``)."""

    name: str
    value: str
    op: str = "="


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Node


Node = MatchAll | Text | Field | And | Or | Not

_TOKEN = re.compile(r'\s*(?:(?P<lparen>\()|(?P<rparen>\))|(?P<quote>")|(?P<word>[^\s()"]+))')
_FIELD = re.compile(r"^([A-Za-z_@][\w.@-]*)(>=|<=|>|<|:)(.*)$", re.S)


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while True:
        match = _TOKEN.match(text, position)
        if match is None:
            break
        kind = match.lastgroup or ""
        start = match.start(kind)
        if kind == "quote":
            end = start + 1
            chars: list[str] = []
            while end < len(text) and text[end] != '"':
                if text[end] == "\\" and end + 1 < len(text):
                    end += 1
                chars.append(text[end])
                end += 1
            if end >= len(text):
                raise QueryError("unterminated phrase", text, start)
            tokens.append(_Token("phrase", "".join(chars), start))
            position = end + 1
            continue
        tokens.append(_Token(kind, match.group(kind), start))
        position = match.end()
    if text[position:].strip():
        raise QueryError(f"unexpected {text[position:].strip()[0]!r}", text, position)
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.index = 0
        self.depth = 0

    @property
    def token(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def fail(self, token: _Token, expected: str = "") -> QueryError:
        what = "end of query" if token.kind == "end" else repr(token.text or '"')
        tail = f", expected {expected}" if expected else ""
        return QueryError(f"unexpected {what}{tail}", self.text, token.offset)

    def is_keyword(self, word: str) -> bool:
        return self.token.kind == "word" and self.token.text == word

    def parse(self) -> Node:
        if self.token.kind == "end":
            return MatchAll()
        node = self.parse_or()
        if self.token.kind != "end":
            raise self.fail(self.token)
        return node

    def parse_or(self) -> Node:
        items = [self.parse_and()]
        while self.is_keyword("OR"):
            self.advance()
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def parse_and(self) -> Node:
        items = [self.parse_not()]
        while True:
            if self.is_keyword("AND"):
                self.advance()
            elif self.token.kind in ("end", "rparen") or self.is_keyword("OR"):
                break
            items.append(self.parse_not())
        return items[0] if len(items) == 1 else And(tuple(items))

    def nest(self, token: _Token) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise QueryError(f"nested deeper than {MAX_NESTING} levels", self.text, token.offset)

    def parse_not(self) -> Node:
        if self.is_keyword("NOT"):
            self.nest(self.advance())
            node = Not(self.parse_not())
            self.depth -= 1
            return node
        token = self.token
        if token.kind == "word" and token.text.startswith("-") and len(token.text) > 1:
            self.tokens[self.index] = _Token("word", token.text[1:], token.offset + 1)
            return Not(self.parse_atom())
        return self.parse_atom()

    def parse_atom(self) -> Node:
        token = self.advance()
        if token.kind == "lparen":
            self.nest(token)
            node = self.parse_or()
            if self.token.kind != "rparen":
                raise self.fail(self.token, "')'")
            self.advance()
            self.depth -= 1
            return node
        if token.kind == "phrase":
            return Text(token.text, phrase=True)
        if token.kind == "word" and token.text not in KEYWORDS:
            field = _FIELD.match(token.text)
            if field is None:
                return Text(token.text)
            return self.parse_field(token, field.group(1), field.group(2), field.group(3))
        raise self.fail(token, "a term, a phrase, a field or '('")

    def parse_field(self, token: _Token, name: str, op: str, value: str) -> Node:
        offset = token.offset + len(name) + len(op)
        phrase = False
        if not value:
            if self.token.kind != "phrase" or self.token.offset != offset:
                raise QueryError(f"expected a value after {name}{op}", self.text, offset)
            value, phrase = self.advance().text, True
        if name in TEXT_FIELDS and op == ":":
            return Text(value, phrase=phrase)
        if op != ":" and name != "level":
            raise QueryError(f"{op} compares levels only", self.text, token.offset + len(name))
        if name == "level":
            level = normalise_level(value)
            if level is None:
                known = ", ".join(LEVELS)
                raise QueryError(f'unknown level "{value}" (one of {known})', self.text, offset)
            return Field("level", level, "=" if op == ":" else op)
        return Field(name, value)


def parse_query(text: str) -> Node:
    """The tree for a query; an empty query matches every line."""
    return _Parser(text).parse()


def levels_matching(op: str, level: str) -> tuple[str, ...]:
    """The levels ``level <op> value`` selects, e.g. ``>=`` warn: warn, error, fatal."""
    number = LEVELS.index(level)
    tests = {
        "=": lambda n: n == number,
        ">=": lambda n: n >= number,
        ">": lambda n: n > number,
        "<=": lambda n: n <= number,
        "<": lambda n: n < number,
    }
    return tuple(name for n, name in enumerate(LEVELS) if tests[op](n))
