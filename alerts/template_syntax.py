"""Go text/template syntax: a parser to an AST, following Go's ``text/template/parse``.

Parsing checks what Go checks (undefined variables, unknown functions,
misplaced ``else``/``end``) plus what Go only finds while executing: the
number of arguments of each function. ``define``, ``template``, ``block`` and
character constants are refused, so a rule using them fails ``vigil check
rules`` instead of rendering an error at 3 a.m. Positions are byte offsets
into the text; ``TemplateSyntaxError`` turns them into ``line:column``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from alerts.template_lexer import (
    TemplateSyntaxError,
    Token,
    describe,
    lex,
    number_value,
    string_value,
)

KEYWORDS = frozenset({"if", "else", "end", "range", "with", "break", "continue"})
UNSUPPORTED = frozenset({"define", "template", "block"})


# --- AST -----------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    pos: int


@dataclass(frozen=True)
class Text(Node):
    text: str


@dataclass(frozen=True)
class Field(Node):
    names: tuple[str, ...]

    def __str__(self) -> str:
        return "".join("." + name for name in self.names)


@dataclass(frozen=True)
class Variable(Node):
    name: str
    names: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.name + "".join("." + n for n in self.names)


@dataclass(frozen=True)
class Identifier(Node):
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class Literal(Node):
    value: object
    source: str

    def __str__(self) -> str:
        return self.source


@dataclass(frozen=True)
class Dot(Node):
    def __str__(self) -> str:
        return "."


@dataclass(frozen=True)
class Chain(Node):
    node: Pipe
    names: tuple[str, ...]

    def __str__(self) -> str:
        return f"({self.node})" + "".join("." + n for n in self.names)


@dataclass(frozen=True)
class Command(Node):
    args: tuple[Arg, ...]

    def __str__(self) -> str:
        return " ".join(f"({a})" if isinstance(a, Pipe) else str(a) for a in self.args)


@dataclass(frozen=True)
class Pipe(Node):
    declare: tuple[str, ...]
    is_assign: bool
    commands: tuple[Command, ...]

    def __str__(self) -> str:
        head = (
            ", ".join(self.declare) + (" = " if self.is_assign else " := ") if self.declare else ""
        )
        return head + " | ".join(str(c) for c in self.commands)


Arg = Field | Variable | Identifier | Literal | Dot | Chain | Pipe


@dataclass(frozen=True)
class Action(Node):
    pipe: Pipe


@dataclass(frozen=True)
class Control(Node):
    """``if``, ``range`` or ``with``: the pipeline, its body and the else body."""

    keyword: str
    pipe: Pipe
    body: tuple[Node, ...]
    otherwise: tuple[Node, ...] | None


@dataclass(frozen=True)
class LoopJump(Node):
    keyword: str  # break or continue


# --- parser --------------------------------------------------------------------


@dataclass
class _Parser:
    text: str
    tokens: list[Token]
    arities: Mapping[str, tuple[int, int | None]]
    """Function name -> (fewest, most) arguments; None: any number."""
    roots: frozenset[str]
    """Field names the top-level data has (dot outside range/with), checked at load."""
    variables: list[str] = field(default_factory=list)
    index: int = 0
    range_depth: int = 0
    dot_is_root: bool = True

    def error(self, pos: int, message: str) -> TemplateSyntaxError:
        return TemplateSyntaxError(self.text, pos, message)

    def _find(self, skip_space: bool) -> int:
        index = self.index
        while skip_space and index < len(self.tokens) and self.tokens[index].kind == "space":
            index += 1
        return index

    def peek(self, skip_space: bool = True) -> Token:
        index = self._find(skip_space)
        return self.tokens[index] if index < len(self.tokens) else Token("eof", "", len(self.text))

    def next(self, skip_space: bool = True) -> Token:
        token = self.peek(skip_space)
        self.index = min(self._find(skip_space) + 1, len(self.tokens))
        return token

    def expect(self, kind: str, context: str) -> Token:
        token = self.next()
        if token.kind != kind:
            raise self.error(token.pos, f"unexpected {describe(token)} in {context}")
        return token

    # A list of nodes up to {{end}} or {{else}}: returns the nodes and which one stopped it.
    def item_list(self, top: bool = False) -> tuple[tuple[Node, ...], Token]:
        nodes: list[Node] = []
        while True:
            token = self.next(skip_space=False)
            if token.kind == "eof":
                if top:
                    return tuple(nodes), token
                raise self.error(token.pos, "unexpected EOF")
            if token.kind == "text":
                nodes.append(Text(token.pos, token.value))
                continue
            keyword = self.peek()
            if keyword.kind == "identifier" and keyword.value in ("end", "else"):
                if top:
                    raise self.error(keyword.pos, f"unexpected {{{{{keyword.value}}}}}")
                self.next()
                if keyword.value == "end":
                    self.expect("right", "end")
                return tuple(nodes), keyword
            nodes.append(self.action(token.pos))

    def action(self, pos: int) -> Node:
        token = self.peek()
        if token.kind == "identifier" and token.value in ("if", "range", "with"):
            self.next()
            return self.control(token.value, pos)
        if token.kind == "identifier" and token.value in ("break", "continue"):
            self.next()
            if not self.range_depth:
                raise self.error(token.pos, f"{{{{{token.value}}}}} outside {{{{range}}}}")
            self.expect("right", token.value)
            return LoopJump(pos, token.value)
        if token.kind == "identifier" and token.value in UNSUPPORTED:
            raise self.error(token.pos, f'"{token.value}" is not supported in alert templates')
        return Action(pos, self.pipeline("command"))

    def control(self, keyword: str, pos: int) -> Control:
        mark, was_root = len(self.variables), self.dot_is_root
        pipe = self.pipeline(keyword)
        if keyword != "if":
            self.dot_is_root = False
        self.range_depth += keyword == "range"
        body, stop = self.item_list()
        self.range_depth -= keyword == "range"
        self.dot_is_root = was_root
        otherwise: tuple[Node, ...] | None = None
        if stop.value == "else":
            chained = self.peek()
            if (
                keyword in ("if", "with")
                and chained.kind == "identifier"
                and chained.value == keyword
            ):
                self.next()
                otherwise = (self.control(keyword, chained.pos),)
            else:
                self.expect("right", "else")
                otherwise, stop = self.item_list()
                if stop.value != "end":
                    raise self.error(stop.pos, "expected end; found {{else}}")
        del self.variables[mark:]
        return Control(pos, keyword, pipe, body, otherwise)

    def pipeline(self, context: str) -> Pipe:
        start = self.peek()
        declare: list[Token] = []
        is_assign, save = False, self.index
        while self.peek().kind == "variable":
            name = self.next()
            after = self.peek()
            if after.kind in ("declare", "assign"):
                self.next()
                is_assign = after.kind == "assign"
                declare.append(name)
                break
            if after.kind == "comma" and context == "range" and not declare:
                self.next()
                declare.append(name)
                continue
            if declare:
                raise self.error(after.pos, "range can only initialize variables")
            self.index = save
            break
        for name in declare:
            if is_assign and name.value not in self.variables:
                raise self.error(name.pos, f'undefined variable "{name.value}"')
        commands: list[Command] = []
        while self.peek().kind not in ("right", "rparen", "eof"):
            commands.append(self.command(len(commands)))
            if self.peek().kind == "pipe":
                pipe = self.next()
                if self.peek().kind in ("right", "rparen", "eof"):
                    raise self.error(pipe.pos, "missing command in pipeline")
        end = self.next()
        if end.kind != ("rparen" if context == "paren" else "right"):
            raise self.error(end.pos, f"unexpected {describe(end)} in {context}")
        if not commands:
            raise self.error(start.pos, f"missing value for {context}")
        names = tuple(name.value for name in declare)
        if not is_assign:
            self.variables.extend(names)
        return Pipe(start.pos, names, is_assign, tuple(commands))

    def command(self, stage: int) -> Command:
        start = self.peek()
        args: list[Arg] = []
        while True:
            args.append(self.operand())
            token = self.peek(skip_space=False)
            if token.kind == "space":
                self.next(skip_space=False)
                if self.peek().kind in ("right", "rparen", "pipe", "eof"):
                    break
                continue
            if token.kind in ("right", "rparen", "pipe"):
                break
            raise self.error(token.pos, f"unexpected {describe(token)} in operand")
        first = args[0]
        executable = isinstance(first, Field | Chain) or (
            isinstance(first, Variable) and bool(first.names)
        )
        if isinstance(first, Identifier):
            given = len(args) - 1 + (stage > 0)
            fewest, most = self.arities[first.name]
            if given < fewest or (most is not None and given > most):
                want = f"at least {fewest}" if most is None else str(fewest)
                if most is not None and most != fewest:
                    want = f"{fewest} to {most}"
                raise self.error(
                    first.pos, f"wrong number of args for {first.name}: want {want} got {given}"
                )
        elif len(args) > 1 and not executable:
            raise self.error(first.pos, f"can't give argument to non-function {first}")
        elif stage > 0 and not executable:
            raise self.error(first.pos, f"non executable command in pipeline stage {stage + 1}")
        return Command(start.pos, tuple(args))

    def operand(self) -> Arg:
        node = self.term()
        names: list[str] = []
        while self.peek(skip_space=False).kind == "field":
            names.append(self.next(skip_space=False).value[1:])
        if not names:
            return node
        if isinstance(node, Field):
            return self.checked_field(Field(node.pos, node.names + tuple(names)))
        if isinstance(node, Variable):
            return self.checked_variable(Variable(node.pos, node.name, tuple(names)))
        if isinstance(node, Pipe):
            return Chain(node.pos, node, tuple(names))
        raise self.error(node.pos, f"unexpected . after term {str(node)!r}")

    def term(self) -> Arg:
        token = self.next()
        kind, value, pos = token.kind, token.value, token.pos
        if kind == "identifier":
            if value in ("true", "false"):
                return Literal(pos, value == "true", value)
            if value == "nil":
                raise self.error(pos, "nil is not a command")
            if value in KEYWORDS or value in UNSUPPORTED:
                raise self.error(pos, f"unexpected <{value}> in operand")
            if value not in self.arities:
                raise self.error(pos, f'function "{value}" not defined')
            return Identifier(pos, value)
        if kind == "dot":
            return Dot(pos)
        if kind == "variable":
            return self.checked_variable(Variable(pos, value))
        if kind == "field":
            return self.checked_field(Field(pos, (value[1:],)))
        if kind == "number":
            return Literal(pos, number_value(self.text, token), value)
        if kind == "string":
            return Literal(pos, string_value(self.text, token), value)
        if kind == "raw":
            return Literal(pos, value[1:-1], value)
        if kind == "lparen":
            return self.pipeline("paren")
        raise self.error(pos, f"unexpected {describe(token)} in operand")

    def checked_variable(self, node: Variable) -> Variable:
        if node.name not in self.variables:
            raise self.error(node.pos, f'undefined variable "{node.name}"')
        if node.name == "$" and node.names and node.names[0] not in self.roots:
            raise self.error(node.pos, f"can't evaluate field {node.names[0]} in alert data")
        return node

    def checked_field(self, node: Field) -> Field:
        if self.dot_is_root and node.names[0] not in self.roots:
            raise self.error(node.pos, f"can't evaluate field {node.names[0]} in alert data")
        return node


def parse(
    text: str,
    arities: Mapping[str, tuple[int, int | None]],
    *,
    variables: Iterable[str] = (),
    roots: Iterable[str] = (),
) -> tuple[Node, ...]:
    """The template's nodes; ``variables`` are predeclared (besides ``$``)."""
    parser = _Parser(text, lex(text), arities, frozenset(roots), ["$", *variables])
    try:
        nodes, _ = parser.item_list(top=True)
    except RecursionError:
        # Go stops at a maximum expression depth too; here Python's stack sets the bound.
        raise parser.error(parser.peek().pos, "template nesting too deep") from None
    return nodes
