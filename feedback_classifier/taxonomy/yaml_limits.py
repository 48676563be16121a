"""Limits on a taxonomy file's YAML before it is built into Python values.

A few lines of YAML can name a structure of billions of values through its aliases (``&a`` /
``*a``, the "billion laughs"): PyYAML shares the aliased values, but everything that walks
them (validation, the error messages' text) takes exponential time and memory. And a deeply
nested ``[[[[...]]]]`` exhausts PyYAML's recursion. Both are refused here, with one line. And a
file that is not UTF-8 is said where, as an editor counts it.

>>> import yaml
>>> bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\\n" + "".join(
...     f"b{i}: &b{i} [{', '.join(['*a' if i == 0 else f'*b{i - 1}'] * 10)}]\\n" for i in range(6))
>>> load_bounded(bomb, yaml.SafeLoader)
Traceback (most recent call last):
...
ValueError: its aliases (&name / *name) expand to more than 1,000,000 values; write the repeated parts out, or fewer of them
>>> load_bounded("a: &a [*a]", yaml.SafeLoader)
Traceback (most recent call last):
...
ValueError: an alias (*name) refers to a value it is part of, so it never ends; write that part out
>>> load_bounded("a: [1, 2]", yaml.SafeLoader)
{'a': [1, 2]}
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

#: values a taxonomy may expand to (the bundled ones have a few thousand)
MAX_VALUES = 1_000_000
#: nesting a taxonomy may have (it needs about 8 levels)
MAX_DEPTH = 100


def _too_deep(text: str) -> bool:
    """Whether YAML ``text`` opens more than ``MAX_DEPTH`` flow collections (``[``/``{``) at once:
    a cheap over-estimate done before parsing (deep block nesting is caught as it recurses)."""
    depth = deepest = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest > MAX_DEPTH


def _expanded_size(root: yaml.Node) -> int:
    """How many values ``root`` stands for with every alias written out (each node counted once
    per place it appears), computed without expanding them; stops early past ``MAX_VALUES``.
    A ``ValueError`` for a node inside itself (``a: &a [*a]``): it stands for infinitely many."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # (on the path from the root: meeting one again is a cycle)
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        kids = [] if isinstance(node, yaml.ScalarNode) else (
            [n for pair in node.value for n in pair] if isinstance(node, yaml.MappingNode) else list(node.value))
        if done or not kids:
            open_nodes.discard(id(node))
            sizes[id(node)] = min(1 + sum(sizes[id(k)] for k in kids), MAX_VALUES + 1)
        elif id(node) in open_nodes:
            raise ValueError("an alias (*name) refers to a value it is part of, so it never ends; "
                             "write that part out")
        else:
            open_nodes.add(id(node))
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in sizes)
    return sizes[id(root)]


def load_bounded(text: str, loader_class: type) -> Any:
    """``yaml.load(text, Loader=loader_class)`` (a SafeLoader), refusing with a ``ValueError``
    saying why a document that nests deeper than ``MAX_DEPTH`` or expands past ``MAX_VALUES``."""
    if _too_deep(text):
        raise ValueError(f"it nests more than {MAX_DEPTH} levels deep; a taxonomy needs a few")
    loader = loader_class(text)
    try:
        node = loader.get_single_node()  # (a RecursionError in here too)
        if node is None:
            return None
        if _expanded_size(node) > MAX_VALUES:
            raise ValueError(f"its aliases (&name / *name) expand to more than {MAX_VALUES:,} values; "
                             "write the repeated parts out, or fewer of them")
        return loader.construct_document(node)
    except RecursionError:
        raise ValueError("it nests too deep to read; a taxonomy needs a few levels") from None
    finally:
        loader.dispose()


def shown(value: Any, limit: int = 80) -> str:
    """``repr(value)`` cut to ``limit`` characters, for an error message about a value of any size.

    >>> shown(list(range(100)), 20), shown(list(range(100)))
    ('[0, 1, 2, 3, 4, 5, …', '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, ...]')
    """
    import reprlib

    r = reprlib.Repr()
    r.maxlist = r.maxdict = r.maxtuple = r.maxset = 10
    r.maxstring = r.maxother = limit
    r.maxlevel = 3  # (a deep or aliased structure is never walked whole)
    text = r.repr(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def kind(value: Any) -> str:
    """What a YAML value is, in the file's own terms (the loader's class names meant nothing to users).

    >>> kind({"id": "a"}), kind(["a"]), kind("a"), kind(3)
    ('a mapping (fields)', 'a list', 'text', 'a number')
    """
    if isinstance(value, Mapping):
        return "a mapping (fields)"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, str):
        return "text"
    return "a number" if isinstance(value, (int, float)) and not isinstance(value, bool) else type(value).__name__


def where_not_utf8(path: Path, start: int) -> str:
    """Where a file stops being UTF-8, as an editor shows it, and what it looks like instead:
    "byte 117" sent the user counting bytes in a file Notepad had saved as Windows-1251."""
    data = path.read_bytes()
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "it is UTF-16"
    line = data[:start].count(b"\n") + 1
    try:
        data.decode("cp1251")
    except UnicodeDecodeError:
        return f"line {line}"
    cyrillic = sum(0xC0 <= b or b in (0xA8, 0xB8) for b in data[start:start + 200])
    return f"line {line}" + (", Cyrillic in Windows-1251" if cyrillic else "")


#: PyYAML's words for the slips people make writing a taxonomy by hand, and what to do about each
_HINTS = (
    ("mapping values are not allowed", "a ':' where YAML did not expect one: check this line's indentation "
     "against the line above, or put a value holding ': ' in quotes"),
    ("expected <block end>", "this line's indentation does not match the lines around it: align it with the "
     "other fields of its category"),
    ("cannot start any token", "YAML indents with spaces only: replace the tab with spaces"),
    ("expected ',' or '}'", "a '{...}' left open before this point: add its '}', or a ',' between its entries"),
    ("expected ',' or ']'", "a '[...]' left open before this point: add its ']', or a ',' between its entries"),
)


def yaml_hint(exc: Exception) -> str:
    """``; <what to do>`` for a YAML error PyYAML words for parsers, not for the person writing the file.

    >>> import yaml
    >>> try:
    ...     yaml.safe_load("a:\\n  b: 1\\n    c: 2\\n")
    ... except yaml.YAMLError as exc:
    ...     print(yaml_hint(exc))
    ; a ':' where YAML did not expect one: check this line's indentation against the line above, or put a value holding ': ' in quotes
    """
    said = f"{getattr(exc, 'problem', '')} {exc}"
    return next((f"; {hint}" for words, hint in _HINTS if words in said), "")
