"""QA sweep as a Python-library user (notebook / pipeline): what the public API does with the inputs a
data scientist hands it, and that a mistake comes back as one of the project's own errors."""

import warnings

import numpy as np
import pandas as pd
import pytest

from feedback_classifier.insights.drivers import compute_drivers


def test_drivers_of_a_category_every_row_mentions_warn_nothing():
    # A category in every scored row (or in every row of a segment) has no "without" group: its
    # interval is NaN. numpy's "All-NaN slice encountered" RuntimeWarning reached the notebook and
    # the drivers command's terminal, above the table.
    df = pd.DataFrame({"nps": [9, 2, 10, 3, 7, 0] * 5, "categories": ["Price", "Price; Delivery"] * 15,
                       "region": ["N", "S", "N"] * 10})
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = compute_drivers(df, score_col="nps", by="region", min_n=1, n_boot=50)
    price = result.level("parent").set_index("category").loc["Price"]
    assert np.isnan(price["impact"]) and np.isnan(price["impact_low"]) and np.isnan(price["impact_high"])
    delivery = result.level("parent").set_index("category").loc["Delivery"]
    assert delivery["impact_low"] <= delivery["impact"] <= delivery["impact_high"]
