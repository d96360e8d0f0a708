"""PromQL tokenizer, plus the Go string quoting rules PromQL literals follow.

The lexer mirrors the modes of Prometheus's own (`promql/parser/lex.go`):
outside braces, inside `{...}` where keywords are plain label names, and just
after `[` where a duration is expected. Those modes decide which error a bad
character produces, and the messages are part of the user-visible contract.

Positions are character offsets into the query string. Invalid UTF-8 cannot
occur in a Python `str`; lone surrogates (what `surrogateescape` decoding
produces for bad bytes) and U+FFFD are treated as the invalid runes Go sees.
"""

from __future__ import annotations

import enum
from typing import NamedTuple


class Kind(enum.Enum):
    """Token kinds, grouped the way Prometheus's error messages describe them."""

    EOF = enum.auto()
    ERROR = enum.auto()
    IDENTIFIER = enum.auto()
    METRIC_IDENTIFIER = enum.auto()
    STRING = enum.auto()
    NUMBER = enum.auto()
    DURATION = enum.auto()
    LEFT_PAREN = enum.auto()
    RIGHT_PAREN = enum.auto()
    LEFT_BRACE = enum.auto()
    RIGHT_BRACE = enum.auto()
    LEFT_BRACKET = enum.auto()
    RIGHT_BRACKET = enum.auto()
    COMMA = enum.auto()
    COLON = enum.auto()
    EQL = enum.auto()
    # Operators.
    ADD = enum.auto()
    SUB = enum.auto()
    MUL = enum.auto()
    DIV = enum.auto()
    MOD = enum.auto()
    POW = enum.auto()
    EQLC = enum.auto()
    NEQ = enum.auto()
    LTE = enum.auto()
    LSS = enum.auto()
    GTE = enum.auto()
    GTR = enum.auto()
    EQL_REGEX = enum.auto()
    NEQ_REGEX = enum.auto()
    LAND = enum.auto()
    LOR = enum.auto()
    LUNLESS = enum.auto()
    ATAN2 = enum.auto()
    AT = enum.auto()
    # Aggregation operators.
    AVG = enum.auto()
    BOTTOMK = enum.auto()
    COUNT = enum.auto()
    COUNT_VALUES = enum.auto()
    GROUP = enum.auto()
    MAX = enum.auto()
    MIN = enum.auto()
    QUANTILE = enum.auto()
    STDDEV = enum.auto()
    STDVAR = enum.auto()
    SUM = enum.auto()
    TOPK = enum.auto()
    LIMITK = enum.auto()
    LIMIT_RATIO = enum.auto()
    # Keywords.
    BOOL = enum.auto()
    BY = enum.auto()
    GROUP_LEFT = enum.auto()
    GROUP_RIGHT = enum.auto()
    IGNORING = enum.auto()
    OFFSET = enum.auto()
    SMOOTHED = enum.auto()
    ANCHORED = enum.auto()
    ON = enum.auto()
    WITHOUT = enum.auto()
    # `@` preprocessors and duration-expression keywords.
    START = enum.auto()
    END = enum.auto()
    STEP = enum.auto()


OPERATORS = frozenset(
    {
        Kind.ADD,
        Kind.SUB,
        Kind.MUL,
        Kind.DIV,
        Kind.MOD,
        Kind.POW,
        Kind.EQLC,
        Kind.NEQ,
        Kind.LTE,
        Kind.LSS,
        Kind.GTE,
        Kind.GTR,
        Kind.EQL_REGEX,
        Kind.NEQ_REGEX,
        Kind.LAND,
        Kind.LOR,
        Kind.LUNLESS,
        Kind.ATAN2,
        Kind.AT,
    }
)
AGGREGATORS = frozenset(
    {
        Kind.AVG,
        Kind.BOTTOMK,
        Kind.COUNT,
        Kind.COUNT_VALUES,
        Kind.GROUP,
        Kind.MAX,
        Kind.MIN,
        Kind.QUANTILE,
        Kind.STDDEV,
        Kind.STDVAR,
        Kind.SUM,
        Kind.TOPK,
        Kind.LIMITK,
        Kind.LIMIT_RATIO,
    }
)
KEYWORDS = frozenset(
    {
        Kind.BOOL,
        Kind.BY,
        Kind.GROUP_LEFT,
        Kind.GROUP_RIGHT,
        Kind.IGNORING,
        Kind.OFFSET,
        Kind.SMOOTHED,
        Kind.ANCHORED,
        Kind.ON,
        Kind.WITHOUT,
    }
)

# Words the lexer turns into keyword tokens outside braces (case-insensitively).
WORDS: dict[str, Kind] = {
    "and": Kind.LAND,
    "or": Kind.LOR,
    "unless": Kind.LUNLESS,
    "atan2": Kind.ATAN2,
    "sum": Kind.SUM,
    "avg": Kind.AVG,
    "count": Kind.COUNT,
    "min": Kind.MIN,
    "max": Kind.MAX,
    "group": Kind.GROUP,
    "stddev": Kind.STDDEV,
    "stdvar": Kind.STDVAR,
    "topk": Kind.TOPK,
    "bottomk": Kind.BOTTOMK,
    "count_values": Kind.COUNT_VALUES,
    "quantile": Kind.QUANTILE,
    "limitk": Kind.LIMITK,
    "limit_ratio": Kind.LIMIT_RATIO,
    "offset": Kind.OFFSET,
    "smoothed": Kind.SMOOTHED,
    "anchored": Kind.ANCHORED,
    "by": Kind.BY,
    "without": Kind.WITHOUT,
    "on": Kind.ON,
    "ignoring": Kind.IGNORING,
    "group_left": Kind.GROUP_LEFT,
    "group_right": Kind.GROUP_RIGHT,
    "bool": Kind.BOOL,
    "start": Kind.START,
    "end": Kind.END,
    "step": Kind.STEP,
}
_SPECIAL_NUMBERS = frozenset({"inf", "nan"})

# Canonical spelling of every token kind with a fixed text (used in messages and printing).
FIXED_TEXT: dict[Kind, str] = {
    Kind.LEFT_PAREN: "(",
    Kind.RIGHT_PAREN: ")",
    Kind.LEFT_BRACE: "{",
    Kind.RIGHT_BRACE: "}",
    Kind.LEFT_BRACKET: "[",
    Kind.RIGHT_BRACKET: "]",
    Kind.COMMA: ",",
    Kind.COLON: ":",
    Kind.EQL: "=",
    Kind.ADD: "+",
    Kind.SUB: "-",
    Kind.MUL: "*",
    Kind.DIV: "/",
    Kind.MOD: "%",
    Kind.POW: "^",
    Kind.EQLC: "==",
    Kind.NEQ: "!=",
    Kind.LTE: "<=",
    Kind.LSS: "<",
    Kind.GTE: ">=",
    Kind.GTR: ">",
    Kind.EQL_REGEX: "=~",
    Kind.NEQ_REGEX: "!~",
    Kind.AT: "@",
} | {kind: word for word, kind in WORDS.items()}

_CATEGORY = {
    Kind.IDENTIFIER: "identifier",
    Kind.METRIC_IDENTIFIER: "metric identifier",
    Kind.STRING: "string",
    Kind.NUMBER: "number",
    Kind.DURATION: "duration",
}
_SPACE = " \t\n\r"
_DIGITS = "0123456789"
_HEX_DIGITS = "0123456789abcdefABCDEF"
_ALPHA = "_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_ALNUM = _ALPHA + _DIGITS
_DURATION_KEYWORDS = {"step": Kind.STEP, "min": Kind.MIN, "max": Kind.MAX}


class Token(NamedTuple):
    """One lexed token; for ERROR tokens `text` is the error message."""

    kind: Kind
    text: str
    pos: int

    @property
    def end(self) -> int:
        return self.pos + len(self.text)

    def describe(self) -> str:
        """How Prometheus names this token in `unexpected ...` messages."""
        if self.kind is Kind.EOF:
            return "end of input"
        if self.kind in FIXED_TEXT:
            return self._item_string()
        return f"{_CATEGORY.get(self.kind, 'error')} {self._item_string()}"

    def _item_string(self) -> str:
        if self.kind in (Kind.IDENTIFIER, Kind.METRIC_IDENTIFIER):
            return go_quote(self.text)
        if self.kind in KEYWORDS:
            return f"<{self.text}>"
        if self.kind in OPERATORS:
            return f"<op:{self.text}>"
        if self.kind in AGGREGATORS:
            return f"<aggr:{self.text}>"
        if len(self.text) > 10:
            return go_quote(self.text[:10]) + "..."
        return go_quote(self.text)


def is_invalid_rune(char: str) -> bool:
    """Whether Go would decode this character as `utf8.RuneError`."""
    code = ord(char)
    return 0xD800 <= code <= 0xDFFF or code == 0xFFFD


class Lexer:
    """Produces tokens on demand; the first ERROR token ends the useful stream."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.start = 0
        self._paren_depth = 0
        self._brace_open = False
        self._bracket_open = False
        self._expect_duration = False  # Right after `[`, until the first number.
        self._got_colon = False
        self._got_duration = False
        self._quote = ""
        self._width = 0

    def next_token(self) -> Token:
        """Return the next token, skipping whitespace and `#` comments."""
        while True:
            self.start = self.pos
            if self.text.startswith("#", self.pos) and not self._expect_duration:
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
                continue
            if self._brace_open:
                token = self._lex_inside_braces()
            elif self._expect_duration:
                token = self._lex_duration_start()
            else:
                token = self._lex_statement()
            if token is not None:
                return token

    # Character primitives, as in Go's lexer: `_next` returns "" at the end.
    def _next(self) -> str:
        if self.pos >= len(self.text):
            self._width = 0
            return ""
        self._width = 1
        self.pos += 1
        return self.text[self.pos - 1]

    def _backup(self) -> None:
        self.pos -= self._width

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _accept(self, valid: str) -> bool:
        char = self._next()
        if char and char in valid:
            return True
        self._backup()
        return False

    def _is(self, valid: str) -> bool:
        char = self._peek()
        return bool(char) and char in valid

    def _emit(self, kind: Kind) -> Token:
        token = Token(kind, self.text[self.start : self.pos], self.start)
        self.start = self.pos
        return token

    def _error(self, message: str) -> Token:
        return Token(Kind.ERROR, message, self.start)

    def _lex_statement(self) -> Token | None:
        char = self._next()
        simple = _SIMPLE_OPERATORS.get(char)
        if simple is not None:
            return self._emit(simple)
        if char == "":
            if self._paren_depth:
                return self._error("unclosed left parenthesis")
            if self._bracket_open:
                return self._error("unclosed left bracket")
            return self._emit(Kind.EOF)
        if char in _SPACE:
            return None
        if char == "=":
            if self._peek() == "=":
                self._next()
                return self._emit(Kind.EQLC)
            if self._peek() == "~":
                return self._error(f"unexpected character after '=': {go_quote_rune('~')}")
            return self._emit(Kind.EQL)
        if char == "!":
            following = self._next()
            if following != "=":
                return self._error(f"unexpected character after '!': {go_quote_rune(following)}")
            return self._emit(Kind.NEQ)
        if char in "<>":
            if self._accept("="):
                return self._emit(Kind.LTE if char == "<" else Kind.GTE)
            return self._emit(Kind.LSS if char == "<" else Kind.GTR)
        if char in _DIGITS or (char == "." and self._is(_DIGITS)):
            self._backup()
            return self._lex_number_or_duration()
        if char in "\"'":
            self._quote = char
            return self._lex_string()
        if char == "`":
            return self._lex_raw_string()
        if char in _ALPHA or char == ":":
            if not self._bracket_open:
                self._backup()
                return self._lex_keyword_or_identifier()
            if char == ":":
                if self._got_colon:
                    return self._error(f"unexpected colon {go_quote_rune(':')}")
                self._got_colon = True
                return self._emit(Kind.COLON)
            if char in "sSmM" and (keyword := self._scan_duration_keyword()) is not None:
                return keyword
            return self._error(f"unexpected character: {go_quote_rune(char)}, expected ':'")
        return self._lex_bracket_or_paren(char)

    def _lex_bracket_or_paren(self, char: str) -> Token:
        if char == "(":
            self._paren_depth += 1
            return self._emit(Kind.LEFT_PAREN)
        if char == ")":
            return self._right_paren()
        if char == "{":
            self._brace_open = True
            return self._emit(Kind.LEFT_BRACE)
        if char == "[":
            if self._bracket_open:
                return self._error(f"unexpected left bracket {go_quote_rune('[')}")
            self._got_colon = False
            token = self._emit(Kind.LEFT_BRACKET)
            while self._is(_SPACE):
                self._next()
            self._bracket_open = True
            self._expect_duration = True
            return token
        if char == "]":
            if not self._bracket_open:
                return self._error(f"unexpected right bracket {go_quote_rune(']')}")
            self._bracket_open = False
            return self._emit(Kind.RIGHT_BRACKET)
        return self._error(f"unexpected character: {go_quote_rune(char)}")

    def _right_paren(self) -> Token:
        token = self._emit(Kind.RIGHT_PAREN)
        self._paren_depth -= 1
        if self._paren_depth < 0:
            return self._error(f"unexpected right parenthesis {go_quote_rune(')')}")
        return token

    def _lex_duration_start(self) -> Token | None:
        """Lex right after `[`: only a duration, `]`, `:`, parentheses or arithmetic fit."""
        char = self._next()
        if char == "":
            return self._error("unexpected end of input in duration expression")
        if char in _SPACE:
            return None
        if char == "]":
            self._bracket_open = self._got_colon = self._expect_duration = False
            return self._emit(Kind.RIGHT_BRACKET)
        if char == ":":
            token = self._emit(Kind.COLON)
            if not self._got_duration:
                return self._error("unexpected colon before duration in duration expression")
            if self._got_colon:
                return self._error("unexpected repeated colon in duration expression")
            self._got_colon = True
            return token
        if char == "(":
            self._paren_depth += 1
            return self._emit(Kind.LEFT_PAREN)
        if char == ")":
            return self._right_paren()
        if char in "+-*/%^,":
            return self._emit(_SIMPLE_OPERATORS.get(char, Kind.COMMA))
        if char in "sSmM":
            keyword = self._scan_duration_keyword()
            if keyword is not None:
                return keyword
        elif char in _DIGITS or (char == "." and self._is(_DIGITS)):
            self._backup()
            self._got_duration = True
            self._expect_duration = False
            return self._lex_number_or_duration()
        return self._error(f"unexpected character in duration expression: {go_quote_rune(char)}")

    def _scan_duration_keyword(self) -> Token | None:
        while self._accept(_ALPHA):
            pass
        kind = _DURATION_KEYWORDS.get(self.text[self.start : self.pos].lower())
        return None if kind is None else self._emit(kind)

    def _lex_inside_braces(self) -> Token | None:
        char = self._next()
        if char == "":
            return self._error("unexpected end of input inside braces")
        if char in _SPACE:
            return None
        if char in _ALPHA:
            while self._accept(_ALNUM):
                pass
            return self._emit(Kind.IDENTIFIER)
        if char == ",":
            return self._emit(Kind.COMMA)
        if char in "\"'":
            self._quote = char
            return self._lex_string()
        if char == "`":
            return self._lex_raw_string()
        if char == "=":
            return self._emit(Kind.EQL_REGEX if self._accept("~") else Kind.EQL)
        if char == "!":
            following = self._next()
            if following == "~":
                return self._emit(Kind.NEQ_REGEX)
            if following == "=":
                return self._emit(Kind.NEQ)
            return self._error(
                f"unexpected character after '!' inside braces: {go_quote_rune(following)}"
            )
        if char == "{":
            return self._error(f"unexpected left brace {go_quote_rune('{')}")
        if char == "}":
            self._brace_open = False
            return self._emit(Kind.RIGHT_BRACE)
        return self._error(f"unexpected character inside braces: {go_quote_rune(char)}")

    def _lex_string(self) -> Token:
        while True:
            char = self._next()
            if char == "\\":
                problem = self._scan_escape()
                if problem:
                    return self._error(problem)
            elif char == "" or char == "\n":
                return self._error("unterminated quoted string")
            elif is_invalid_rune(char):
                return self._error("invalid UTF-8 rune")
            elif char == self._quote:
                return self._emit(Kind.STRING)

    def _scan_escape(self) -> str:
        """Validate one escape sequence (after the backslash); return an error or ""."""
        char = self._next()
        if char and char in "abfnrtv\\" + self._quote:
            return ""
        if char and char in "01234567":
            count, base, maximum = 3, 8, 255
        elif char and char in "xuU":
            count, base, maximum = {"x": (2, 16, 255), "u": (4, 16, 0x10FFFF)}.get(
                char, (8, 16, 0x10FFFF)
            )
            char = self._next()
        elif char == "":
            return "escape sequence not terminated"
        else:
            return f"unknown escape sequence {go_format_unicode(char)}"
        value = 0
        while count > 0:
            digit = int(char, 16) if char and char in _HEX_DIGITS else 16
            if digit >= base:
                if char == "":
                    return "escape sequence not terminated"
                return f"illegal character {go_format_unicode(char)} in escape sequence"
            value = value * base + digit
            count -= 1
            if count > 0:
                char = self._next()
        if value > maximum or 0xD800 <= value < 0xE000:
            return "escape sequence is an invalid Unicode code point"
        return ""

    def _lex_raw_string(self) -> Token:
        while True:
            char = self._next()
            if char == "":
                return self._error("unterminated raw string")
            if is_invalid_rune(char):
                return self._error("invalid UTF-8 rune")
            if char == "`":
                return self._emit(Kind.STRING)

    def _lex_number_or_duration(self) -> Token:
        if self._scan_number():
            return self._emit(Kind.NUMBER)
        if self._accept_remaining_duration():
            self._backup()
            return self._emit(Kind.DURATION)
        return self._error(
            f"bad number or duration syntax: {go_quote(self.text[self.start : self.pos])}"
        )

    def _accept_remaining_duration(self) -> bool:
        """Consume the unit part of a duration like `5m` or `1h30m`; bad units fail later."""
        if not self._accept("smhdwy"):
            return False
        self._accept("s")
        while self._accept(_DIGITS):
            while self._accept(_DIGITS):
                pass
            if not self._accept("smhdw"):
                return False
            self._accept("s")
        following = self._next()
        return not (following and following in _ALNUM)

    def _scan_number(self) -> bool:
        """Consume a number the way Prometheus does; the parser rejects bad values later."""
        initial = self.pos
        hexadecimal = self._accept("0") and self._accept("xX")
        if hexadecimal:
            self._accept("_")
        digits = _HEX_DIGITS if hexadecimal else _DIGITS
        self._accept(".")
        self._accept(digits)
        dot_seen = exponent_seen = False
        while self._is(digits + "._eE"):
            if self._is(".") and dot_seen:
                self._accept(".")
                return False
            if self._is("eE") and exponent_seen:
                self._accept("eE")
                return False
            if self._accept("."):
                dot_seen = True
                if self._accept("_.") or hexadecimal:
                    return False
                continue
            if self._accept("eE"):
                exponent_seen = True
                self._accept("+-")
                if self._accept("._eE") or self._peek() == "":
                    return False
                continue
            if self._accept("_"):
                if self._accept("._eE") or self._peek() == "":
                    return False
                continue
            while self._accept(digits):
                pass
        if self.pos == initial:
            return False
        following = self._peek()
        return not (following and following in _ALNUM)

    def _lex_keyword_or_identifier(self) -> Token:
        while self._accept(_ALNUM + ":"):
            pass
        word = self.text[self.start : self.pos].lower()
        if word in _SPECIAL_NUMBERS:
            return self._emit(Kind.NUMBER)
        kind = WORDS.get(word)
        if kind is not None:
            return self._emit(kind)
        return self._emit(Kind.METRIC_IDENTIFIER if ":" in word else Kind.IDENTIFIER)


_SIMPLE_OPERATORS = {
    ",": Kind.COMMA,
    "*": Kind.MUL,
    "/": Kind.DIV,
    "%": Kind.MOD,
    "+": Kind.ADD,
    "-": Kind.SUB,
    "^": Kind.POW,
    "@": Kind.AT,
}


def go_quote(text: str) -> str:
    """Go's `strconv.Quote`: how Prometheus prints strings in queries and messages."""
    return '"' + "".join(_escape(char, '"') for char in text) + '"'


def go_quote_rune(char: str) -> str:
    """Go's `%q` for a single rune (`'x'`); the empty string stands for end of input."""
    return "'" + _escape(char or "\ufffd", "'") + "'"


def go_format_unicode(char: str) -> str:
    """Go's `%#U`: `U+0063 'c'`, without the quoted form for unprintable runes."""
    text = f"U+{ord(char):04X}"
    return f"{text} '{char}'" if char.isprintable() else text


_SIMPLE_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
}


def _escape(char: str, quote: str) -> str:
    code = ord(char)
    if char == quote:
        return "\\" + char
    if char in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[char]
    if 0xDC80 <= code <= 0xDCFF:  # A raw byte carried by surrogateescape.
        return f"\\x{code - 0xDC00:02x}"
    if char.isprintable() and not 0xD800 <= code <= 0xDFFF:
        return char
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def unquote_string(literal: str) -> str:
    """Decode a lexed string literal ('…', "…" or `…`) into its value.

    Escapes that produce bytes (`\\xff`, octal) are assembled as UTF-8 and
    decoded with `surrogateescape`, so invalid UTF-8 survives as lone
    surrogates that later checks (label names, for instance) can detect.
    """
    quote, body = literal[0], literal[1:-1]
    if quote == "`" or "\\" not in body:
        return body
    out = bytearray()
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out += char.encode("utf-8", "surrogateescape")
            index += 1
            continue
        kind = body[index + 1]
        index += 2
        if kind in "xuU":
            width = {"x": 2, "u": 4, "U": 8}[kind]
            value = int(body[index : index + width], 16)
            index += width
            out += bytes([value]) if kind == "x" else chr(value).encode("utf-8")
        elif kind in "01234567":
            out.append(int(body[index - 1 : index + 2], 8))
            index += 2
        else:
            out += _UNESCAPES.get(kind, kind).encode("utf-8")
    return out.decode("utf-8", "surrogateescape")


_UNESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
