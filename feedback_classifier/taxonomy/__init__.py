"""Taxonomies: parent -> child categories, their names, keywords and owners; label syntax."""

from feedback_classifier.taxonomy.core import (
    Category,
    Taxonomy,
    bundled_taxonomy_names,
    infer_taxonomy,
    load_taxonomy,
)

__all__ = ["Category", "Taxonomy", "bundled_taxonomy_names", "infer_taxonomy", "load_taxonomy"]
