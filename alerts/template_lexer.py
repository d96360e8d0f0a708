"""Go text/template lexing: text, delimiters with trim markers, comments and action tokens.

Follows Go's ``text/template/parse/lex.go``: ``{{- `` and `` -}}`` trim the
whitespace next to them, comments vanish, and inside an action every token
(spaces included, which separate arguments) keeps its byte offset for errors.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from alerts.template_values import TemplateError
from promql.lexer import go_quote


def line_col(text: str, pos: int) -> tuple[int, int]:
    """1-based line and 0-based byte column, as Go reports template positions."""
    before = text[:pos].encode()
    line = before.count(b"\n") + 1
    return line, len(before) - (before.rfind(b"\n") + 1)


class TemplateSyntaxError(TemplateError):
    def __init__(self, text: str, pos: int, message: str) -> None:
        line, col = line_col(text, pos)
        super().__init__(f"{line}:{col}: {message}")
        self.line, self.col, self.message = line, col, message


# --- lexer -------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    kind: str
    value: str
    pos: int


_ACTION_TOKEN = re.compile(
    r"""(?P<space>[ \t\r\n]+)
    | (?P<declare>:=) | (?P<assign>=) | (?P<pipe>\|)
    | (?P<lparen>\() | (?P<rparen>\)) | (?P<comma>,)
    | (?P<string>"(?:[^"\\\n]|\\.)*")
    | (?P<raw>`[^`]*`)
    | (?P<char>'(?:[^'\\\n]|\\.)*')
    | (?P<number>[+-]?(?:0[xX][0-9a-fA-F_]*(?:\.[0-9a-fA-F_]*)?(?:[pP][+-]?\d+)?|0[bBoO][0-9_]+
        |(?:\d[\d_]*(?:\.[\d_]*)?|\.\d[\d_]*)(?:[eE][+-]?[\d_]+)?)i?)
    | (?P<variable>\$\w*)
    | (?P<field>\.\w+)
    | (?P<dot>\.)
    | (?P<identifier>[^\W\d]\w*)
    """,
    re.VERBOSE,
)
_SPACE = " \t\r\n"


def lex(text: str) -> list[Token]:
    """Text, ``left``/``right`` delimiters and the tokens between them; comments are dropped."""
    tokens: list[Token] = []
    pos, trim_next = 0, False
    while pos < len(text):
        start = text.find("{{", pos)
        end_text = len(text) if start < 0 else start
        literal_start = pos
        trim_left = (
            start >= 0
            and text[start + 2 : start + 3] == "-"
            and (text[start + 3 : start + 4] in tuple(_SPACE))
        )
        literal = text[pos:end_text]
        if trim_next:
            stripped = literal.lstrip(_SPACE)
            literal_start += len(literal) - len(stripped)
            literal = stripped
        if trim_left:
            literal = literal.rstrip(_SPACE)
        if literal:
            tokens.append(Token("text", literal, literal_start))
        if start < 0:
            break
        pos = start + (4 if trim_left else 2)
        if text.startswith("/*", pos):
            close = text.find("*/", pos + 2)
            if close < 0:
                raise TemplateSyntaxError(text, pos, "unclosed comment")
            pos = close + 2
            trim_next = re.match(r"[ \t\r\n]-}}", text[pos:]) is not None
            if not trim_next and not text.startswith("}}", pos):
                raise TemplateSyntaxError(text, pos, "comment ends before closing delimiter")
            pos += 4 if trim_next else 2
            continue
        tokens.append(Token("left", "{{", start))
        pos, trim_next = _lex_action(text, pos, tokens)
    return tokens


def _lex_action(text: str, pos: int, tokens: list[Token]) -> tuple[int, bool]:
    while True:
        if pos >= len(text):
            raise TemplateSyntaxError(text, pos, "unclosed action")
        if text.startswith("}}", pos):
            tokens.append(Token("right", "}}", pos))
            return pos + 2, False
        trim = re.match(r"[ \t\r\n]-}}", text[pos:])
        if trim:
            tokens.append(Token("right", "}}", pos + 2))
            return pos + 4, True
        match = _ACTION_TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            char = text[pos]
            if char == '"' or char == "`":
                raise TemplateSyntaxError(text, pos, "unterminated quoted string")
            raise TemplateSyntaxError(text, pos, f"unexpected {_quote_char(char)} in command")
        kind = match.lastgroup
        assert kind is not None
        value = match.group(kind)
        if kind in ("number", "identifier", "variable", "field") and re.match(
            r"[\w]", text[match.end() : match.end() + 1]
        ):
            raise TemplateSyntaxError(text, pos, f"bad number syntax: {value!r}")
        if kind == "char":
            raise TemplateSyntaxError(text, pos, "character constants are not supported")
        tokens.append(Token(kind, value, pos))
        pos = match.end()


def _quote_char(char: str) -> str:
    return go_quote(char).replace('"', "'") if char != "'" else "'\\''"


def describe(token: Token) -> str:
    names = {"right": "}}", "rparen": ")", "eof": "EOF", "left": "{{"}
    return f"<{names.get(token.kind, token.value)}>"


_UINT64_LIMIT = 1 << 64


def _finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError("out of range")
    return value


def number_value(text: str, token: Token) -> int | float:
    text = token.value.replace("_", "")
    if text.endswith("i"):
        raise TemplateSyntaxError(text, token.pos, "complex numbers are not supported")
    try:
        body = text.lstrip("+-")
        if re.fullmatch(r"0[xX][0-9a-fA-F]+|0[bBoO][0-7]+|\d+", body):
            number = int(body, 0) if not re.fullmatch(r"0\d+", body) else int(body, 8)
            if number >= _UINT64_LIMIT:  # past uint64 Go reads a decimal as float64
                if not body.isdigit():
                    raise ValueError("out of range")
                large = _finite(float(body))
                return -large if text.startswith("-") else large
            return -number if text.startswith("-") else number
        return float.fromhex(text) if body[:2] in ("0x", "0X") else float(text)
    except ValueError:
        raise TemplateSyntaxError(text, token.pos, f"bad number syntax: {token.value!r}") from None


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "a": "\a", "b": "\b",
            "f": "\f", "v": "\v", "'": "'"}  # fmt: skip


def string_value(text: str, token: Token) -> str:
    body, out, index = token.value[1:-1], [], 0
    while index < len(body):
        char = body[index]
        if char == "\\":
            escape = re.match(
                r"x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|.", body[index + 1 :]
            )
            code = escape.group(0) if escape else ""
            if code in _ESCAPES:
                char = _ESCAPES[code]
            elif len(code) > 1:
                char = chr(int(code[1:], 16))
            else:
                raise TemplateSyntaxError(text, token.pos, f"invalid syntax: {token.value}")
            index += len(code)
        out.append(char)
        index += 1
    return "".join(out)
