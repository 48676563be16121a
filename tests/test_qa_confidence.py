"""What classify writes about its own certainty agrees with itself: a parent's probability is
never below its children's (``predict_proba``'s promise, kept after the default model's lifts)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_classifier.model.default import default_model
from feedback_classifier.model.enrichment import enrich

# real comments (SemEval ru, Banking77) whose child was lifted by a keyword over its parent
LIFTED = ["С сервисом полный порядок.", "How do I deal with a blocked PIN?",
          "Могу сказать одно - нашли место, куда действительно стоит зайти каждому и приятно провести время."]


def test_parent_probability_is_never_below_its_childs_in_classify_output():
    model = default_model()
    out = enrich(pd.DataFrame({"c": LIFTED + ["The courier was late and rude", "Курьер опоздал"]}), model, "c",
                 lang="en", probabilities=True, sentiment=False)
    names = [model.taxonomy_.display_name(label, "en") for label in model.classes_]
    P = out[["p: " + n for n in names]].to_numpy(float)
    low = [(out["c"][i], names[j], P[i, names.index(names[j].split(" > ")[0])], P[i, j])
           for i in range(len(out)) for j, label in enumerate(model.classes_)
           if label[1] is not None and P[i, names.index(names[j].split(" > ")[0])] < P[i, j]]
    assert low == []
    # and the weakest predicted category (the confidence) is a probability the row shows
    for i, cats in enumerate(out["categories"]):
        fired = [names.index(c) for c in cats.split("; ")] if cats else []
        fired += [names.index(names[j].split(" > ")[0]) for j in fired]
        if fired:
            assert np.isclose(out["confidence"][i], P[i, fired].min(), atol=1e-4)
