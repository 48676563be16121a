"""Taxonomies: parent -> child categories, their names, keywords and owners; label syntax.

>>> from feedback_classifier.taxonomy import load_taxonomy
>>> tax = load_taxonomy("cx-default")
>>> tax.parse_labels("Service > Support communication; price")
[('service', 'support_communication'), ('price', None)]
>>> tax.owner(("service", "support_communication"))
'Customer Support'
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from feedback_classifier._lazy import lazy_attributes

if TYPE_CHECKING:  # the names below, for readers and type checkers; at run time each loads on first use
    from feedback_classifier.taxonomy.bundled import (bundled_taxonomy, bundled_taxonomy_names, bundled_taxonomy_path,
                                                      load_taxonomy)
    from feedback_classifier.taxonomy.category import DEFAULT_OWNER, Category
    from feedback_classifier.taxonomy.infer import infer_taxonomy
    from feedback_classifier.taxonomy.labels import Label, slugify
    from feedback_classifier.taxonomy.schema import Problem
    from feedback_classifier.taxonomy.taxonomy import Taxonomy

# Which submodule defines each name. Importing them all here made every command pay for every
# package's dependencies (scipy.stats, matplotlib, sklearn.metrics: ~1 s of CPU) at start-up.
_LAZY = {
    "bundled_taxonomy": "bundled",
    "bundled_taxonomy_names": "bundled",
    "bundled_taxonomy_path": "bundled",
    "load_taxonomy": "bundled",
    "DEFAULT_OWNER": "category",
    "Category": "category",
    "infer_taxonomy": "infer",
    "Label": "labels",
    "slugify": "labels",
    "Problem": "schema",
    "Taxonomy": "taxonomy",
}

__all__ = [
    "DEFAULT_OWNER",
    "Category",
    "Label",
    "Problem",
    "Taxonomy",
    "bundled_taxonomy",
    "bundled_taxonomy_names",
    "bundled_taxonomy_path",
    "infer_taxonomy",
    "load_taxonomy",
    "slugify",
]


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, __all__)
