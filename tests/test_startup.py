"""Start-up stays light (issue #17): what a command imports, and the derived tables read back from the cache."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _modules_after(code: str, *, top_level: bool = True) -> set[str]:
    """Top-level names (``top_level``) or full names in ``sys.modules`` after running ``code`` in a fresh interpreter."""
    names = "{m.split('.')[0] for m in sys.modules}" if top_level else "set(sys.modules)"
    script = code + f"\nimport sys, json; print(json.dumps(sorted({names})))"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


def test_help_imports_no_data_libraries():
    code = ("from typer.testing import CliRunner\nfrom feedback_classifier.cli import app\n"
            "assert CliRunner().invoke(app, ['classify', '--help']).exit_code == 0")
    loaded = _modules_after(code)
    assert not loaded & {"pandas", "sklearn", "scipy", "matplotlib", "spacy"}, loaded


def test_classify_path_imports_no_plotting_no_spacy():
    code = ("import feedback_classifier.cli, feedback_classifier.jobs.classify\n"
            "from feedback_classifier.model.default import default_model\n"
            "from feedback_classifier.model.enrichment import enrich\nimport pandas as pd\n"
            "enrich(pd.DataFrame({'c': ['Курьер опоздал', 'great app, but pricey']}), default_model(), 'c')")
    loaded = _modules_after(code)
    assert "matplotlib" not in loaded and "spacy" not in loaded, loaded & {"matplotlib", "spacy"}


def test_a_saved_model_classifies_without_importing_sklearn(tmp_path):
    # scikit-learn's estimator base class pulls in scipy.stats: ~0.65 s of every classify (issue #17)
    from feedback_classifier.model.estimator import FeedbackClassifier
    from feedback_classifier.model.persist import save_model

    texts, labels = ["late courier", "rude staff", "slow delivery", "nice staff"] * 4, [[("delivery", None)],
                                                                                      [("service", None)]] * 8
    path = save_model(FeedbackClassifier(cv=2).fit(texts, labels), tmp_path / "m.fcmodel")
    code = (f"from feedback_classifier.model.persist import load_model\nm = load_model({str(path)!r})\n"
            "from feedback_classifier.model.enrichment import enrich\nimport pandas as pd\n"
            "out = enrich(pd.DataFrame({'c': ['Курьер опоздал', 'late courier']}), m, 'c')\n"
            "assert out['categories'].tolist()[1] == 'delivery', out")
    loaded = _modules_after(code)
    assert "sklearn" not in loaded, "the predict path imported scikit-learn"
    assert not any(m.startswith("scipy.stats") for m in _modules_after(code, top_level=False))


def test_lazy_package_names_resolve_and_unknown_names_fail():
    import feedback_classifier.insights as insights
    import feedback_classifier.jobs as jobs

    assert insights.compute_drivers.__module__ == "feedback_classifier.insights.drivers"
    assert callable(jobs.analyze) and jobs.analyze.__module__ == "feedback_classifier.jobs.analyze"
    assert set(insights.__all__) <= set(dir(insights))
    try:
        insights.no_such_name
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an unknown name resolved")


def test_stop_words_read_without_importing_spacy_match_spacy():
    from spacy.lang.en.stop_words import STOP_WORDS as en
    from spacy.lang.ru.stop_words import STOP_WORDS as ru

    from feedback_classifier.lang.negation import _spacy_stop_words

    assert _spacy_stop_words("en") == set(en) and _spacy_stop_words("ru") == set(ru)


def test_cached_sentiment_model_predicts_like_a_fresh_one(tmp_path, monkeypatch):
    from feedback_classifier.model import default_sentiment

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    built = default_sentiment._cached_or_trained()  # trains and writes the cache
    assert default_sentiment.sentiment_model_path().exists()
    loaded = default_sentiment._cached_or_trained()  # reads it back
    assert loaded is not built
    texts = ["Delivery was fast but the box was crushed", "Курьер нахамил, но цены низкие"] * 2
    labels = [("delivery", "delivery_time"), ("delivery", "packaging"), ("delivery", "courier"), ("price", None)]
    assert np.array_equal(loaded.predict_proba(texts, labels), built.predict_proba(texts, labels))
    default_sentiment.sentiment_model_path().write_bytes(b"not a model")
    assert default_sentiment._cached_or_trained().predict(texts, labels) == built.predict(texts, labels)


def test_cached_keyword_index_and_prototypes_equal_built_ones(tmp_path, monkeypatch):
    from feedback_classifier.lang import TextAnalyzer
    from feedback_classifier.model import word_table
    from feedback_classifier.model.keywords import KeywordMatcher
    from feedback_classifier.taxonomy import load_taxonomy

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    tax = load_taxonomy("cx-default")
    built = KeywordMatcher(tax, TextAnalyzer())  # an explicit analyzer: always built, never cached
    first, again = KeywordMatcher(tax), KeywordMatcher(tax)  # the second reads the cache
    assert list(tmp_path.glob("keywords-*.npz"))
    assert first._index == built._index == again._index
    table = word_table.load_word_table()
    if table is not None:
        classes = list(tax.labels)
        fresh = word_table._prototype_vectors(table, tax, classes)
        assert list(tmp_path.glob("zero-shot-*.npz"))
        assert np.array_equal(word_table._prototype_vectors(table, tax, classes), fresh)


def test_default_model_cache_is_stored_uncompressed_and_predicts_like_a_compressed_file(tmp_path):
    import io
    import zipfile

    from feedback_classifier.model.default import default_model, default_model_path
    from feedback_classifier.model.persist import load_model, read_model_metadata, save_model

    model = default_model()
    cached = default_model_path().read_bytes()
    payload = cached[len(cached) - read_model_metadata(default_model_path())["payload_bytes"]:]
    with zipfile.ZipFile(io.BytesIO(payload)) as zf:  # ~35 ms less of every start than deflated entries
        assert {info.compress_type for info in zf.infolist()} == {zipfile.ZIP_STORED}
    compressed = load_model(save_model(model, tmp_path / "m.fcmodel"))
    texts = ["Курьер опоздал на два часа", "the app keeps crashing at checkout", ""]
    assert np.array_equal(load_model(default_model_path()).predict_proba(texts), compressed.predict_proba(texts))
    assert (tmp_path / "m.fcmodel").stat().st_size < 0.8 * len(cached)


def _faults_of_reused_blocks(setup: str) -> list[int]:
    """Minor page faults of three rounds of allocating, filling and freeing 16 MB in a fresh process."""
    code = (f"import feedback_classifier, resource, json\n{setup}\nimport numpy as np\nfaults = []\n"
            "for _ in range(3):\n    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt\n"
            "    a = np.ones(2_000_000)\n    del a\n"
            "    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)\n"
            "print(json.dumps(faults))")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_command_line_keeps_freed_blocks_for_the_next_batch():
    if not hasattr(os, "confstr") or "glibc" not in (os.confstr("CS_GNU_LIBC_VERSION") or ""):
        import pytest

        pytest.skip("glibc's allocator only")
    kept = _faults_of_reused_blocks("from feedback_classifier.cli.main import _reuse_freed_memory\n"
                                    "_reuse_freed_memory()")
    default = _faults_of_reused_blocks("")
    # 16 MB is ~3,900 pages: with the settings only the first round touches fresh memory
    assert kept[0] > 3000 and max(kept[1:]) < 300, kept
    assert max(default[1:]) > 3000, default  # glibc's default returned some round's block to the kernel


def test_the_package_turns_numpys_huge_page_requests_off_unless_the_user_chose():
    code = "import feedback_classifier, numpy\nprint(numpy._core.multiarray._get_madvise_hugepage())"
    env = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}

    def run(extra: dict) -> str:
        return subprocess.run([sys.executable, "-c", code], env={**env, **extra, "PYTHONPATH": str(ROOT)},
                              capture_output=True, text=True, check=True).stdout.split()[-1]

    assert run({}) == "False"
    assert run({"NUMPY_MADVISE_HUGEPAGE": "1"}) == "True"
