"""Go's ``fmt.Sprintf``, ``Sprint`` and ``Sprintln`` for template values.

Enough of ``fmt`` for what alert templates print: flags, width, precision
(``*`` too), the verbs ``v s q d x X o b c t e E f F g G`` and Go's in-band
errors (``%!d(string=x)``, ``%!v(MISSING)``, ``%!(EXTRA int=1)``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from alerts.template_values import Value, format_go_float, go_str, type_name
from promql.lexer import go_quote

_DIRECTIVE = re.compile(r"%([-+# 0]*)(\*|\d+)?(?:\.(\*|\d*))?(.?)", re.DOTALL)


def sprint(args: Sequence[Value]) -> str:
    """``fmt.Sprint``: a space between operands when neither is a string."""
    out: list[str] = []
    for index, arg in enumerate(args):
        if index and not isinstance(arg, str) and not isinstance(args[index - 1], str):
            out.append(" ")
        out.append(_print_arg(arg))
    return "".join(out)


def sprintln(args: Sequence[Value]) -> str:
    return " ".join(_print_arg(arg) for arg in args) + "\n"


def _print_arg(arg: Value) -> str:
    return "<nil>" if arg is None else go_str(arg)


def sprintf(format_: str, args: Sequence[Value]) -> str:
    out: list[str] = []
    used = 0
    pos = 0
    while pos < len(format_):
        percent = format_.find("%", pos)
        if percent < 0:
            out.append(format_[pos:])
            break
        out.append(format_[pos:percent])
        match = _DIRECTIVE.match(format_, percent)
        assert match is not None
        flags, width_text, precision_text, verb = match.groups()
        pos = match.end()
        width: int | None = None
        precision: int | None = None
        if _crazy(width_text) or _crazy(precision_text):
            out.append("%!(NOVERB)")  # Go's parsenum gives up on the rest of the format
            break
        if width_text == "*":
            width, used = _star(args, used)
            if width is None or abs(width) > _TOO_LARGE:
                width = None
                out.append("%!(BADWIDTH)")
        elif width_text:
            width = int(width_text)
        if precision_text == "*":
            precision, used = _star(args, used)
            if precision is None or abs(precision) > _TOO_LARGE:
                precision = None
                out.append("%!(BADPREC)")
        elif precision_text is not None:
            precision = int(precision_text or "0")
        if width is not None and width < 0:
            flags, width = flags + "-", -width
        if verb == "%":
            out.append("%")
            continue
        if not verb:
            out.append("%!(NOVERB)")
            continue
        if used >= len(args):
            out.append(f"%!{verb}(MISSING)")
            continue
        arg = args[used]
        used += 1
        out.append(_pad(_format_one(verb, flags, precision, arg), width, flags, arg, verb))
    if used < len(args):
        extra = ", ".join(f"{type_name(a)}={_print_arg(a)}" for a in args[used:])
        out.append(f"%!(EXTRA {extra})")
    return "".join(out)


_TOO_LARGE = 1_000_000
"""Go's fmt bound on widths and precisions, which keeps ``%999999999d`` from taking a GB."""


def _crazy(number: str | None) -> bool:
    """Go's parsenum: a prefix past ``_TOO_LARGE`` with digits still to come is an overflow."""
    if not number or number == "*":
        return False
    value = 0
    for digit in number:
        if value > _TOO_LARGE:
            return True
        value = value * 10 + int(digit)
    return False


def _star(args: Sequence[Value], used: int) -> tuple[int | None, int]:
    if used < len(args) and isinstance(args[used], int) and not isinstance(args[used], bool):
        return int(args[used]), used + 1
    return None, used + 1


def _bad(verb: str, arg: Value) -> str:
    return f"%!{verb}(<nil>)" if arg is None else f"%!{verb}({type_name(arg)}={_print_arg(arg)})"


def _format_one(verb: str, flags: str, precision: int | None, arg: Value) -> str:
    if verb == "v":
        return _print_arg(arg)
    if isinstance(arg, bool):
        return ("true" if arg else "false") if verb == "t" else _bad(verb, arg)
    if isinstance(arg, int):
        return _format_int(verb, flags, precision, arg)
    if isinstance(arg, float):
        return _format_float(verb, flags, precision, arg)
    if isinstance(arg, str):
        return _format_str(verb, precision, arg)
    if arg is not None and hasattr(arg, "String") and verb in "sq":
        return _format_str(verb, precision, str(arg))
    if verb == "s" and arg is not None and not hasattr(arg, "String"):
        return _print_arg(arg)
    return _bad(verb, arg)


def _sign(flags: str) -> str:
    return "+" if "+" in flags else " " if " " in flags else ""


def _format_int(verb: str, flags: str, precision: int | None, arg: int) -> str:
    bases = {"d": "d", "x": "x", "X": "X", "o": "o", "b": "b"}
    if verb == "c":
        return chr(arg) if 0 <= arg <= 0x10FFFF else "\ufffd"
    if verb == "q":
        return "'" + go_quote(chr(arg))[1:-1].replace("'", "\\'").replace('\\"', '"') + "'"
    if verb not in bases:
        return _bad(verb, arg)
    digits = format(abs(arg), bases[verb])
    if precision is not None:
        digits = digits.zfill(precision) if precision or arg else ""
    if "#" in flags and verb in "xXob":
        digits = {"x": "0x", "X": "0X", "o": "0", "b": "0b"}[verb] + digits
    return ("-" if arg < 0 else _sign(flags)) + digits


def _format_float(verb: str, flags: str, precision: int | None, arg: float) -> str:
    if verb not in "eEfFgG":
        return _bad(verb, arg)
    if math.isnan(arg) or math.isinf(arg):
        text = "NaN" if math.isnan(arg) else ("+Inf" if arg > 0 else "-Inf")
        return _sign(flags) + text if text == "NaN" else text
    if verb in "gG" and precision is None:
        text = format_go_float(arg)
        text = text.upper() if verb == "G" else text
    else:
        spec = verb if verb != "F" else "f"
        text = format(
            arg, f"{'#' if '#' in flags else ''}.{6 if precision is None else precision}{spec}"
        )
    if not text.startswith("-"):
        text = _sign(flags) + text
    return text


def _format_str(verb: str, precision: int | None, arg: str) -> str:
    if precision is not None:
        arg = arg[:precision]
    if verb == "s":
        return arg
    if verb == "q":
        return go_quote(arg)
    if verb in "xX":
        hexed = arg.encode().hex()
        return hexed.upper() if verb == "X" else hexed
    return _bad(verb, arg)


def _pad(text: str, width: int | None, flags: str, arg: Value, verb: str) -> str:
    if width is None or len(text) >= width:
        return text
    if "-" in flags:
        return text.ljust(width)
    numeric = isinstance(arg, int | float) and not isinstance(arg, bool) and verb != "v"
    finite = not isinstance(arg, float) or math.isfinite(arg)
    if "0" in flags and numeric and finite:
        sign = text[0] if text[:1] in "+- " else ""
        return sign + text[len(sign) :].rjust(width - len(sign), "0")
    return text.rjust(width)
