"""QA (an analytics lead auditing reproducibility and the caches): damaged cache files are rebuilt,
results do not depend on the current directory."""

from __future__ import annotations

import numpy as np


def test_truncated_cache_npz_is_rebuilt_not_a_traceback(tmp_path, monkeypatch):
    # a full disk or a killed copy leaves half a file: np.load raised zipfile.BadZipFile
    from feedback_classifier.model.cache import cached_arrays

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    cached_arrays("demo", "k1", lambda: {"x": np.arange(1000)})
    path = tmp_path / "demo-k1.npz"
    path.write_bytes(path.read_bytes()[:100])
    assert cached_arrays("demo", "k1", lambda: {"x": np.arange(3)})["x"].tolist() == [0, 1, 2]
    # and the rebuilt table replaced the damaged file
    assert cached_arrays("demo", "k1", lambda: {"x": np.zeros(1)})["x"].tolist() == [0, 1, 2]


def test_truncated_teacher_shard_is_skipped(tmp_path, monkeypatch):
    from feedback_classifier.model import teacher

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(teacher, "_memo", {})
    teacher._write_shard("9.9", ["a", "b"], np.ones((2, 4), np.float32))
    (tmp_path / "teacher-e5" / "9.9-broken.npz").write_bytes(b"PK\x03\x04 not a whole zip")
    teacher._read_shards("9.9")
    assert sorted(teacher._memo) == ["a", "b"]
