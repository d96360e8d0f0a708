"""Parse errors carry Prometheus's exact wording and position (`line:col: parse error: ...`)."""

from __future__ import annotations

import pytest

from promql import ParseError, parse_expr

# (query, rendered error) — positions and messages as Prometheus 3.9 reports them.
CASES = [
    # Lexical errors.
    ("(1))", "1:5: parse error: unexpected right parenthesis ')'"),
    ("((1)", "1:5: parse error: unclosed left parenthesis"),
    ("sum(rate(", "1:10: parse error: unclosed left parenthesis"),
    (".", "1:1: parse error: unexpected character: '.'"),
    ("}", "1:1: parse error: unexpected character: '}'"),
    ("2.5.", '1:1: parse error: bad number or duration syntax: "2.5."'),
    ("100..4", '1:1: parse error: bad number or duration syntax: "100.."'),
    ("0deadbeef", '1:1: parse error: bad number or duration syntax: "0de"'),
    ("1 !~ 1", "1:3: parse error: unexpected character after '!': '~'"),
    ("1 =~ 1", "1:3: parse error: unexpected character after '=': '~'"),
    ("{", "1:2: parse error: unexpected end of input inside braces"),
    ("some{", "1:6: parse error: unexpected end of input inside braces"),
    ('some_metric{a:b="b"}', "1:14: parse error: unexpected character inside braces: ':'"),
    ('foo{a*"b"}', "1:6: parse error: unexpected character inside braces: '*'"),
    ("foo{1}", "1:5: parse error: unexpected character inside braces: '1'"),
    ('sum by ("foo)(some_metric{})', "1:9: parse error: unterminated quoted string"),
    ("`\\``", "1:4: parse error: unterminated raw string"),
    ('"\\', "1:1: parse error: escape sequence not terminated"),
    ('"\\c"', "1:1: parse error: unknown escape sequence U+0063 'c'"),
    ('"\\x."', "1:1: parse error: illegal character U+002E '.' in escape sequence"),
    ('"\\ud800"', "1:1: parse error: escape sequence is an invalid Unicode code point"),
    ('some_metric{a="\udcff"}', "1:15: parse error: invalid UTF-8 rune"),
    ('foo{bar="baz"}[', "1:16: parse error: unexpected end of input in duration expression"),
    ('foo["5m"]', "1:5: parse error: unexpected character in duration expression: '\"'"),
    ("foo[5m", "1:7: parse error: unclosed left bracket"),
    ("foo]", "1:4: parse error: unexpected right bracket ']'"),
    ("foo[5s x 5s]", "1:8: parse error: unexpected character: 'x', expected ':'"),
    ("foo[5mm]", '1:5: parse error: bad number or duration syntax: "5mm"'),
    ("foo[5m:1m1]", '1:8: parse error: bad number or duration syntax: "1m1"'),
    ("some_metric[5m] OFFSET 1mm", '1:24: parse error: bad number or duration syntax: "1mm"'),
    # Syntax errors.
    ("", "unknown position: parse error: no expression found in input"),
    ("# just a comment\n\n", "1:1: parse error: no expression found in input"),
    ("1+", "1:3: parse error: unexpected end of input"),
    ("1 /", "1:4: parse error: unexpected end of input"),
    ("*1", "1:1: parse error: unexpected <op:*>"),
    ("@@", "1:1: parse error: unexpected <op:@>"),
    ("-=", '1:2: parse error: unexpected "="'),
    ("++-++-+-+-<", "1:11: parse error: unexpected <op:<>"),
    ("start()", '1:6: parse error: unexpected "("'),
    ("a - on(b) ignoring(c) d", "1:11: parse error: unexpected <ignoring>"),
    ("foo + group_left(baz) bar", "1:7: parse error: unexpected <group_left>"),
    ("some_metric{a=b}", '1:15: parse error: unexpected identifier "b" in label matching, '
                         "expected string"),
    ("foo{gibberish}", '1:14: parse error: unexpected "}" in label matching, '
                       "expected label matching operator"),
    ("foo{,}", '1:5: parse error: unexpected "," in label matching, expected identifier or "}"'),
    ('foo{__name__="bar" lol}', '1:20: parse error: unexpected identifier "lol" in label '
                                'matching, expected "," or "}"'),
    ('foo{"a"=}', '1:9: parse error: unexpected "}" in label matching, expected string'),
    ("foo[]", '1:5: parse error: unexpected "]" in subquery or range selector, '
              "expected number, duration, or step()"),
    ("foo[5m 5m]", '1:8: parse error: unexpected duration "5m" in subquery or range, '
                   'expected ":" or "]"'),
    ("some_metric[5m] OFFSET", "1:23: parse error: unexpected end of input in offset, "
                               "expected number, duration, or step()"),
    ("some_metric[5m] @", "1:18: parse error: unexpected end of input in @, expected timestamp"),
    ("sum without(==)(some_metric)", "1:13: parse error: unexpected <op:==> in grouping opts, "
                                     "expected label"),
    ("sum without(foo,,)(some_metric)", '1:17: parse error: unexpected "," in grouping opts, '
                                        "expected label"),
    ("sum by (a b) (x)", '1:11: parse error: unexpected identifier "b" in grouping opts, '
                         'expected "," or ")"'),
    ("sum some_metric by (test)", '1:5: parse error: unexpected identifier "some_metric"'),
    ("sum (some_metric) by test", '1:22: parse error: unexpected identifier "test" in grouping '
                                  'opts, expected "("'),
    ("sum by (a) x", '1:12: parse error: unexpected identifier "x" in aggregation'),
    ("sum (some_metric) without (test) by (test)", "1:34: parse error: unexpected <by>"),
    ("MIN (some_metric) keep_common", '1:19: parse error: unexpected identifier "keep_common"'),
    ('"a long string literal" x', '1:25: parse error: unexpected identifier "x"'),
    ("foo 'a long string literal'", "1:5: parse error: unexpected string \"'a long st\"..."),
    # Errors found while building nodes.
    ("999" + "9" * 400, '1:1: parse error: error parsing number: strconv.ParseFloat: parsing "'
                       + "9" * 403 + '": value out of range'),
    ("non_existent_function_far_bar()", '1:1: parse error: unknown function with name '
                                        '"non_existent_function_far_bar"'),
    ("a>b()", '1:3: parse error: unknown function with name "b"'),
    ("topk(some_metric,)", "1:17: parse error: trailing commas not allowed in function call args"),
    ("sum () by (test)", "1:1: parse error: no arguments for aggregate expression provided"),
    ("topk(some_metric)", "1:1: parse error: wrong number of arguments for aggregate expression "
                          "provided, expected 2, got 1"),
    ("1 offset 1d", "1:1: parse error: offset modifier must be preceded by an instant vector "
                    "selector or range vector selector or a subquery"),
    ("foo offset 1s offset 2s", "1:1: parse error: offset may not be set multiple times"),
    ("foo @ 1 @ 2", "1:1: parse error: @ <timestamp> may not be set multiple times"),
    ("rate(some_metric[5m]) @ 1234", "1:1: parse error: @ modifier must be preceded by an "
                                     "instant vector selector or range vector selector or a "
                                     "subquery"),
    ("foo @ +Inf", "1:1: parse error: timestamp out of bounds for @ modifier: +Inf"),
    ("foo @ NaN", "1:1: parse error: timestamp out of bounds for @ modifier: NaN"),
    ("some_metric OFFSET 1m[5m]", "1:22: parse error: no offset modifiers allowed before range"),
    ("some_metric @ 1234 [5m]", "1:20: parse error: no @ modifiers allowed before range"),
    ("(foo + bar)[5m]", "1:12: parse error: ranges only allowed for vector selectors"),
    ("rate(food[1m])[1h] offset 1h", "1:15: parse error: ranges only allowed for vector selectors"),
    ("foo[5y1hs]", '1:5: parse error: unknown unit "hs" in duration "5y1hs"'),
    ("foo[5m1h]", '1:5: parse error: not a valid duration string: "5m1h"'),
    ("foo[0m]", "1:5: parse error: duration must be greater than 0"),
    ("foo[-1]", "1:5: parse error: duration must be greater than 0"),
    ("foo[9.5e10]", "1:5: parse error: duration out of range"),
    ("foo offset 9.5e10", "1:12: parse error: duration out of range"),
    ('foo{a=~"(bar"}', "1:5: parse error: error parsing regexp: missing closing ): `(bar`"),
    ('sum by ("") (x)', '1:9: parse error: invalid label name for grouping: ""'),
    ("foo[5m+1m]", "1:5: parse error: experimental duration expression is not enabled"),
    ("foo[step]", '1:9: parse error: unexpected "]" in subquery or range selector, '
                  "expected number, duration, or step()"),
    ("foo anchored", "1:1: parse error: anchored modifier is experimental and not enabled"),
    # Type errors.
    ("1 and 1", '1:1: parse error: set operator "and" not allowed in binary scalar expression'),
    ("foo or 1", '1:1: parse error: set operator "or" not allowed in binary scalar expression'),
    ("1 == 1", "1:3: parse error: comparisons between scalars must use BOOL modifier"),
    ("foo + bool bar", "1:5: parse error: bool modifier can only be used on comparison operators"),
    ("foo and bool 10", "1:5: parse error: bool modifier can only be used on comparison operators"),
    ("1 or on(bar) foo", "1:1: parse error: vector matching only allowed between instant vectors"),
    ("foo and on(bar) group_left(baz) bar", '1:1: parse error: no grouping allowed for "and" '
                                            "operation"),
    ("foo unless on(bar) group_right(baz) bar", '1:1: parse error: no grouping allowed for '
                                                '"unless" operation'),
    ('http_requests{group="production"} + on(instance) group_left(job,instance) '
     'cpu_count{type="smp"}', '1:35: parse error: label "instance" must not occur in ON and '
                              "GROUP clause at once"),
    ("foo[5m] + 1", "1:1: parse error: binary expression must contain only scalar and instant "
                    "vector types"),
    ('1 + "a"', "1:5: parse error: binary expression must contain only scalar and instant vector "
                "types"),
    ('-"string"', '1:1: parse error: unary expression only allowed on expressions of type scalar '
                  'or instant vector, got "string"'),
    ("-test[5m]", '1:1: parse error: unary expression only allowed on expressions of type scalar '
                  'or instant vector, got "range vector"'),
    ("{}", "1:1: parse error: vector selector must contain at least one non-empty matcher"),
    ('{x=~".*"}', "1:1: parse error: vector selector must contain at least one non-empty matcher"),
    ('{x!="a"}', "1:1: parse error: vector selector must contain at least one non-empty matcher"),
    ('foo{__name__="bar"}', '1:1: parse error: metric name must not be set twice: "foo" or "bar"'),
    ("topk(some_metric, other_metric)", "1:6: parse error: expected type scalar in aggregation "
                                        "parameter, got instant vector"),
    ("count_values(5, other_metric)", "1:14: parse error: expected type string in aggregation "
                                      "parameter, got scalar"),
    ("sum(x[5m])", "1:5: parse error: expected type instant vector in aggregation expression, "
                   "got range vector"),
    ("floor()", '1:1: parse error: expected 1 argument(s) in call to "floor", got 0'),
    ("abs(x, y)", '1:1: parse error: expected 1 argument(s) in call to "abs", got 2'),
    ("floor(1)", '1:7: parse error: expected type instant vector in call to function "floor", '
                 "got scalar"),
    ("hour(a, a, a)", '1:1: parse error: expected at most 1 argument(s) in call to "hour", got 3'),
    ('label_join(a, "b")', '1:1: parse error: expected at least 3 argument(s) in call to '
                           '"label_join", got 2'),
    ("time(some_metric)", '1:1: parse error: expected 0 argument(s) in call to "time", got 1'),
    ("rate(some_metric)", '1:6: parse error: expected type range vector in call to function '
                          '"rate", got instant vector'),
    ("test[5d] OFFSET 10s [10m:5s]", "1:1: parse error: subquery is only allowed on instant "
                                     "vector, got matrix instead"),
    ('info(rate(http_request_counter_total{}[5m]), target_info{foo="bar"})',
     "1:46: parse error: expected label selectors only, got vector selector instead"),
    # Positions on later lines count from the line start, in UTF-8 bytes.
    ("sum(\n  x\n) +", "3:4: parse error: unexpected end of input"),
    ('"é" + )', "1:9: parse error: unexpected right parenthesis ')'"),
]


@pytest.mark.parametrize(("query", "rendered"), CASES)
def test_error_message_and_position(query: str, rendered: str) -> None:
    with pytest.raises(ParseError) as error:
        parse_expr(query)
    assert str(error.value) == rendered


def test_error_keeps_range_and_query() -> None:
    with pytest.raises(ParseError) as error:
        parse_expr("rate(foo)")
    assert (error.value.start, error.value.end) == (5, 8)
    assert error.value.query == "rate(foo)"
    assert error.value.message.startswith("expected type range vector")
