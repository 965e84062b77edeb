"""Better BibTeX's citation-key formulas, read and evaluated (pure).

A formula is what Better BibTeX's ``citekeyFormat`` preference holds, in the same language
(content/key-manager/compile.js and formatter.ts of zotero-better-bibtex):

    auth.lower + shorttitle(3,3) + year              Better BibTeX's default
    authors(2).fold + year | title.abbr + year       "|" or ";": the first that gives a key
    (ShortTitle || Title).condense("_") + year       "||" the first non-empty, "&&", "? :"
    auth + year + len('>', 4) | auth + title         "+ len(…)" tests what comes before it
    [auth:lower][shorttitle3_3][year]                the legacy bracket form, upgraded

A part is a function (keyparts.FUNCTIONS), a quoted literal, or an item field by its
capitalised name (``Title``, ``Volume``); filters follow with a dot (``.lower``,
``.select(1,2)``; keyparts.FILTERS).  The key is the first pattern's text that is not
empty, folded to ASCII, without spaces or the characters BibTeX reads as structure.
``postfix(...)``/``infix(...)`` set how the allocator (citekeys.py) tells clashing keys apart.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zotsync.core.keyparts import (
    FILTERS,
    FUNCTIONS,
    MARKER,
    Context,
    KeyItem,
    Pattern,
    Skip,
    field_value,
    fold,
)

DEFAULT_FORMULA = "auth.lower + shorttitle(3,3) + year"
# citekeyUnsafeChars' default, and white space: what BibTeX would read as structure.
_UNSAFE = re.compile(r"[\\\"#%'(),={}~\s\ufffd]")


class FormulaError(ValueError):
    """A formula Better BibTeX would refuse: the message says what and where."""


# --------------------------------------------------------------------------- the tree


@dataclass(frozen=True, slots=True)
class Call:
    """A function (or a capitalised field) and its arguments."""

    name: str
    args: tuple[Any, ...] = ()
    named: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Filtered:
    head: Node
    filters: tuple[Call, ...]


@dataclass(frozen=True, slots=True)
class Joined:  # a + b
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Either:  # a || b, a && b
    operator: str
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Choice:  # test ? then : otherwise
    test: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Length:  # a > 3
    node: Node
    relation: str
    length: int


Node = str | Call | Filtered | Joined | Either | Choice | Length


# --------------------------------------------------------------------------- reading

_TOKEN = re.compile(
    r"""\s*(?:(?P<number>-?\d+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"""
    r"""|"(?P<dq>(?:[^"\\]|\\.)*)"|'(?P<sq>(?:[^'\\]|\\.)*)'"""
    r"""|(?P<op>\|\||&&|<=|>=|==|!=|[+|;.(),=?:<>\[\]/]))"""
)
_REGEX = re.compile(r"/((?:[^/\\\n]|\\.)+)/([a-z]*)")


def _tokens(text: str) -> list[tuple[str, Any, int]]:
    tokens: list[tuple[str, Any, int]] = []
    position = 0
    while text[position:].strip():
        after_open = tokens and tokens[-1][0] == "op" and tokens[-1][1] in "(,="
        found_regex = _REGEX.match(
            text, position + len(text[position:]) - len(text[position:].lstrip())
        )
        if after_open and found_regex:
            flags = re.IGNORECASE if "i" in found_regex.group(2) else 0
            try:
                regex = re.compile(found_regex.group(1), flags)
            except re.error as error:
                raise FormulaError(f"regular expression at {position + 1}: {error}") from None
            pattern = Pattern(regex, every="g" in found_regex.group(2))
            tokens.append(("regex", pattern, position + 1))
            position = found_regex.end()
            continue
        found = _TOKEN.match(text, position)
        if not found:
            raise FormulaError(f"unexpected {text[position:].strip()[:10]!r} at {position + 1}")
        kind = found.lastgroup or ""
        value: Any = found.group(kind)
        start = found.start(kind)
        if kind == "number":
            value = int(value)
        elif kind in ("dq", "sq"):
            kind, value = "string", re.sub(r"\\(.)", r"\1", value)
        tokens.append((kind, value, start + 1))
        position = found.end()
    return tokens


class _Reader:
    """A recursive-descent reader of the formula language (what compile.js accepts)."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, Any, int] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def where(self) -> str:
        token = self.peek()
        return f"at {token[2]}" if token else "at the end"

    def accept(self, value: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "op" and token[1] == value:
            self.at += 1
            return True
        return False

    def expect(self, value: str) -> None:
        if not self.accept(value):
            raise FormulaError(f"expected {value!r} {self.where()}")

    def patterns(self) -> list[Node]:
        found: list[Node] = []
        while True:
            while self.accept(";") or self.accept("|"):
                pass
            if self.peek() is None:
                return found
            found.append(self.choice())
            if self.peek() is not None and not (self.accept(";") or self.accept("|")):
                raise FormulaError(f"unexpected {self.peek()[1]!r} {self.where()}")  # type: ignore[index]

    def choice(self) -> Node:
        test = self.either("||")
        if not self.accept("?"):
            return test
        then = self.choice()
        self.expect(":")
        return Choice(test, then, self.choice())

    def either(self, operator: str) -> Node:
        parts = [self._operand(operator)]
        while self.accept(operator):
            parts.append(self._operand(operator))
        return parts[0] if len(parts) == 1 else Either(operator, tuple(parts))

    def _operand(self, operator: str) -> Node:
        return self.either("&&") if operator == "||" else self.length()

    def length(self) -> Node:
        node = self.joined()
        token = self.peek()
        if (
            token is not None
            and token[0] == "op"
            and token[1] in ("<", "<=", "==", "!=", ">", ">=")
        ):
            self.at += 1
            number = self.peek()
            if number is None or number[0] != "number":
                raise FormulaError(f"a length comparison needs a number {self.where()}")
            self.at += 1
            return Length(node, str(token[1]), int(number[1]))
        return node

    def joined(self) -> Node:
        parts = [self.filtered()]
        while self.accept("+"):
            part = self.filtered()
            if isinstance(part, Call) and part.name.lower() == "len":  # "a + len(…)": a.len(…)
                parts = [Filtered(_joined(parts), (part,))]
            else:
                parts.append(part)
        return _joined(parts)

    def filtered(self) -> Node:
        head = self.primary()
        filters = []
        while self.accept("."):
            filters.append(self.call())
        return Filtered(head, tuple(filters)) if filters else head

    def primary(self) -> Node:
        token = self.peek()
        if token is not None and token[0] == "string":
            self.at += 1
            return str(token[1])
        if self.accept("("):
            node = self.choice()
            self.expect(")")
            return node
        return self.call()

    def call(self) -> Call:
        token = self.peek()
        if token is None or token[0] != "name":
            raise FormulaError(f"expected a function or field name {self.where()}")
        self.at += 1
        args: list[Any] = []
        named: list[tuple[str, Any]] = []
        if self.accept("(") and not self.accept(")"):
            while True:
                value, keyword = self.argument()
                if keyword:
                    named.append((keyword, value))
                elif named:
                    raise FormulaError(f"{token[1]}: a positional argument after a named one")
                else:
                    args.append(value)
                if not self.accept(","):
                    break
            self.expect(")")
        return Call(str(token[1]), tuple(args), tuple(named))

    def argument(self) -> tuple[Any, str]:
        """(value, its name when given as ``name=value``); a bare word is a string, an
        array a tuple."""
        if self.accept("["):
            items = [self.argument()[0]]
            while self.accept(","):
                items.append(self.argument()[0])
            self.expect("]")
            return tuple(items), ""
        token = self.peek()
        if token is None or token[0] not in ("number", "string", "name", "regex"):
            raise FormulaError(f"expected an argument {self.where()}")
        self.at += 1
        if token[0] == "name" and self.accept("="):
            value, _ = self.argument()
            return value, str(token[1])
        if token[0] == "name" and token[1] in ("true", "false"):
            return token[1] == "true", ""
        return token[1], ""


def _joined(parts: list[Node]) -> Node:
    return parts[0] if len(parts) == 1 else Joined(tuple(parts))


_LEGACY_PART = re.compile(r"\[([^\]]*)\]|([^\[]+)")
_LEGACY_HEAD = re.compile(r"^([A-Za-z]+?)(\d+)?(?:_(\d+))?$")


def upgrade(formula: str) -> str:
    """The bracket form (``[auth:lower][shorttitle3_3][year]``) in today's syntax, as
    Better BibTeX upgrades it; a formula without brackets is returned as it is."""
    outside = re.sub(r"\[[^\]]*\]", "", formula)
    if "[" not in formula or any(c in outside for c in "+(.|;"):
        return formula  # today's syntax ("[" in an array or a regular expression)
    if formula.count("[") != formula.count("]") or re.search(r"\[[^\]]*\[", formula):
        raise FormulaError("unbalanced brackets")
    parts = []
    for bracket, literal in _LEGACY_PART.findall(formula):
        if literal:
            parts.append(repr(literal).replace("\\'", "'") if literal.strip() else "")
            continue
        head, *filters = bracket.split(":")
        found = _LEGACY_HEAD.match(head)
        if not found:
            raise FormulaError(f"cannot read [{bracket}]")
        name, first, second = found.groups()
        numbers = [n for n in (first, second) if n is not None]
        call = name + (f"({','.join(numbers)})" if numbers else "")
        for filter_text in filters:
            filter_name, *filter_args = filter_text.split(",")
            call += f".{filter_name}" + (
                f"({','.join(map(repr, filter_args))})" if filter_args else ""
            )
        parts.append(call)
    return " + ".join(p for p in parts if p)


# --------------------------------------------------------------------------- formulas


@dataclass(frozen=True, slots=True)
class Made:
    """A key as the formula made it: ``text`` may hold the infix marker; ``postfix`` and
    ``offset`` say how the allocator tells clashing keys apart."""

    text: str
    postfix: str = "%(a)s"
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Formula:
    """A compiled formula: :meth:`make` gives an item's key before any postfix."""

    text: str
    patterns: tuple[Node, ...]

    def make(self, item: KeyItem) -> Made:
        context = Context(item)
        for pattern in self.patterns:
            try:
                text = _evaluate(pattern, context)
            except Skip:
                continue
            cleaned = _UNSAFE.sub("", fold(text))
            if cleaned.replace(MARKER, ""):
                return Made(cleaned, context.postfix, context.postfix_offset)
        return Made("", context.postfix, context.postfix_offset)

    def key(self, item: KeyItem) -> str:
        """The key without a postfix (an infix marker removed)."""
        return self.make(item).text.replace(MARKER, "")


@lru_cache(maxsize=64)
def compile_formula(text: str) -> Formula:
    """The formula of ``text`` (the bracket form upgraded), or :class:`FormulaError`."""
    patterns = _Reader(upgrade(text.strip())).patterns()
    if not patterns:
        raise FormulaError("the formula is empty")
    for pattern in patterns:
        _check(pattern)
    return Formula(text, tuple(patterns))


def _children(node: Node) -> tuple[Node, ...]:
    if isinstance(node, Filtered):
        return (node.head,)
    if isinstance(node, (Joined, Either)):
        return node.parts
    if isinstance(node, Choice):
        return (node.test, node.then, node.otherwise)
    if isinstance(node, Length):
        return (node.node,)
    return ()


def _check(node: Node) -> None:
    """compile.js's checks: known functions and filters, with arguments they take."""
    if isinstance(node, Call):
        if node.name[:1].isupper():
            if node.args or node.named:
                raise FormulaError(f"direct field access {node.name} does not take arguments")
            return
        _check_call(node, FUNCTIONS, "function", Context(KeyItem()))
    if isinstance(node, Filtered):
        for call in node.filters:
            _check_call(call, FILTERS, "filter", "")
    for child in _children(node):
        _check(child)


def _check_call(call: Call, table: dict[str, Callable[..., str]], kind: str, first: Any) -> None:
    function = table.get(call.name.lower())
    if function is None:
        raise FormulaError(f"unknown {kind} {call.name!r}")
    try:
        inspect.signature(function).bind(first, *call.args, **dict(call.named))
    except TypeError as error:
        raise FormulaError(f"{call.name}: {error}") from None


def _evaluate(node: Node, item: Context) -> str:
    if isinstance(node, str):
        return node
    if isinstance(node, Call):
        if node.name[:1].isupper():  # compile.js: a capitalised name is the item's field
            return field_value(item, _field_name(item, node.name))
        return FUNCTIONS[node.name.lower()](item, *node.args, **dict(node.named))
    if isinstance(node, Filtered):
        text = _evaluate(node.head, item)
        for call in node.filters:
            text = FILTERS[call.name.lower()](text, *call.args, **dict(call.named))
        return text
    if isinstance(node, Joined):
        return "".join(_evaluate(part, item) for part in node.parts)
    if isinstance(node, Length):
        return FILTERS["len"](_evaluate(node.node, item), node.relation, node.length)
    if isinstance(node, Choice):
        return _evaluate(node.then if _test(node.test, item) else node.otherwise, item)
    return _either(node, item)


def _test(node: Node, item: Context) -> str:
    try:
        return _evaluate(node, item)
    except Skip:
        return ""


def _either(node: Either, item: Context) -> str:
    """formula_or: the first part that gives text; formula_and: the last, if all do."""
    *first, last = node.parts
    for part in first:
        text = _test(part, item)
        if node.operator == "||" and text:
            return text
        if node.operator == "&&" and not text:
            return ""
    return _evaluate(last, item)


def _field_name(item: Context, name: str) -> str:
    """A capitalised part names a field: ``Title``, ``PublicationTitle``, ``Volume``."""
    lowered = name.lower()
    return next((f for f in item.fields if f.lower() == lowered), name[:1].lower() + name[1:])


DEFAULT = compile_formula(DEFAULT_FORMULA)
