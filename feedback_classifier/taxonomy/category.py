"""One validated category of a taxonomy: its id, names, description, owner, keywords and children.

>>> Category("price", {"en": "Price"}, owner="Pricing").to_dict()
{'id': 'price', 'names': {'en': 'Price'}, 'owner': 'Pricing'}
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = ["Category", "DEFAULT_OWNER"]

DEFAULT_OWNER = "unassigned"


@dataclass(frozen=True)
class Category:
    """One validated category. ``owner`` is None when a child inherits its parent's.

    >>> child = Category("courier", {"en": "Courier", "ru": "Курьер"})
    >>> parent = Category("delivery", {"en": "Delivery"}, owner="Logistics", children=(child,))
    >>> parent.children[0].names["ru"], child.owner is None
    ('Курьер', True)
    """

    id: str
    names: Mapping[str, str]
    description: str = ""
    owner: str | None = None
    keywords: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    aliases: tuple[str, ...] = ()
    children: tuple["Category", ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The category as it is written in a taxonomy file, without empty fields.

        >>> Category("a", {"en": "A"}, keywords={"en": ()}, children=(Category("b", {"en": "B"}),)).to_dict()
        {'id': 'a', 'names': {'en': 'A'}, 'children': [{'id': 'b', 'names': {'en': 'B'}}]}
        """
        d: dict[str, Any] = {"id": self.id, "names": dict(self.names)}
        if self.description:
            d["description"] = self.description
        if self.owner is not None:
            d["owner"] = self.owner
        if any(self.keywords.values()):
            d["keywords"] = {lang: list(words) for lang, words in self.keywords.items()}
        if self.aliases:
            d["aliases"] = list(self.aliases)
        if self.children:
            d["children"] = [child.to_dict() for child in self.children]
        return d
