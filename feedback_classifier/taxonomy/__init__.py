"""Taxonomies: parent -> child categories, their names, keywords and owners; label syntax.

>>> tax = load_taxonomy("cx-default")
>>> tax.parse_labels("Service > Support communication; price")
[('service', 'support_communication'), ('price', None)]
>>> tax.owner(("service", "support_communication"))
'Customer Support'
"""

from feedback_classifier.taxonomy.bundled import bundled_taxonomy_names, bundled_taxonomy_path, load_taxonomy
from feedback_classifier.taxonomy.category import DEFAULT_OWNER, Category
from feedback_classifier.taxonomy.infer import infer_taxonomy
from feedback_classifier.taxonomy.labels import Label, slugify
from feedback_classifier.taxonomy.schema import Problem
from feedback_classifier.taxonomy.taxonomy import Taxonomy

__all__ = [
    "DEFAULT_OWNER",
    "Category",
    "Label",
    "Problem",
    "Taxonomy",
    "bundled_taxonomy_names",
    "bundled_taxonomy_path",
    "infer_taxonomy",
    "load_taxonomy",
    "slugify",
]
