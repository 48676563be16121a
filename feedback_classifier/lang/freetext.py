"""Whether a column meant for short values (labels, segment names) holds comments instead.

A comment column passed where labels or a segment column go turns every comment into a category or
a segment of its own, and every output that names categories or segments then carries the comments,
personal data and all.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# a name of this many words is a sentence: the longest category names of the bundled taxonomies have 5
SENTENCE_WORDS = 8
_SENTENCE_END = re.compile(r"\w[.!?…]+(?:\s|$)")


def free_text(values: Iterable[str]) -> list[str]:
    """The distinct ``values`` that read as sentences (``SENTENCE_WORDS`` words or more, or a word followed
    by a sentence's end), when they are most of at least three distinct values; otherwise empty.

    >>> free_text(["Delivery > Late courier", "Price", "Kazan"])
    []
    >>> free_text(["The courier was late.", "Too expensive!", "Kazan"])
    ['The courier was late.', 'Too expensive!']
    """
    names = list(dict.fromkeys(str(v) for v in values))
    sentences = [n for n in names if len(n.split()) >= SENTENCE_WORDS or _SENTENCE_END.search(n)]
    return sentences if len(names) >= 3 and 2 * len(sentences) > len(names) else []
