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
    assert sorted(teacher._read_stored("9.9", ["a", "b"])) == ["a", "b"]


def test_a_file_called_cx_default_in_the_current_folder_does_not_replace_the_bundled_taxonomy(tmp_path, monkeypatch):
    # drivers on a classified file names its categories by the bundled taxonomy; that look-up went through
    # load_taxonomy("cx-default"), where a file of that name in the current folder wins
    from typer.testing import CliRunner

    from feedback_classifier.cli import app
    from feedback_classifier.taxonomy import bundled_taxonomy

    rows = ["nps,categories"] + [f"{i % 11},Delivery and logistics" if i % 2 else f"{i % 11},Price and value"
                                 for i in range(60)]
    (tmp_path / "classified.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cx-default").write_text("my notes on the default taxonomy\n", encoding="utf-8")
    assert bundled_taxonomy("cx-default").name == "cx-default"
    result = CliRunner().invoke(app, ["drivers", "classified.csv", "--score-col", "nps", "--out", "d.csv",
                                      "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert "Delivery and logistics" in (tmp_path / "d.csv").read_text(encoding="utf-8")


def _disk_full(file, *args, **kwargs):
    file.write(b"PK half a table")
    raise OSError(28, "No space left on device")


def test_a_full_cache_disk_leaves_no_partial_files_behind(tmp_path, monkeypatch):
    # each run on a full disk left its own <name>.<pid>.partial files (the lemma table's 240 KB each time)
    from feedback_classifier.model import teacher
    from feedback_classifier.model.cache import cached_arrays

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path))
    monkeypatch.setattr(np, "savez", _disk_full)
    assert cached_arrays("demo", "k2", lambda: {"x": np.arange(3)})["x"].tolist() == [0, 1, 2]
    teacher._write_shard("9.9", ["a"], np.ones((1, 4), np.float32))
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == []


def test_e5_tone_sample_is_the_same_whatever_the_row_order(tmp_path, monkeypatch):
    # analyze/classify --tone-teacher auto: e5 reads a seeded sample of the comments; drawn over row
    # positions, a shuffled copy of the example survey got other tone words (53 rows changed sentiment)
    import random

    from feedback_classifier.jobs import tone
    from feedback_classifier.model import e5_tone
    from feedback_classifier.tableio import DEFAULT_READ

    read = []
    monkeypatch.setattr(tone, "_check_e5", lambda: None)  # e5 itself is not needed to see what it would read
    monkeypatch.setattr(e5_tone, "e5_tone_words", lambda texts, C, progress=None: (read.append(list(texts)) or
                                                                                 ({}, 20, 20)))
    comments = [f"comment number {i % 70}" for i in range(200)]  # repeated comments, as real exports have
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_text("comment\n" + "\n".join(comments) + "\n", encoding="utf-8")
        random.Random(1).shuffle(comments)
        tone.e5_tone_from_file(tmp_path / name, "comment", read=DEFAULT_READ, limit=50)
    assert read[0] == read[1] and len(read[0]) == len(set(read[0])) == 50


def test_drivers_tables_are_the_same_bytes_for_shuffled_rows(tmp_path):
    # a classified file read without a taxonomy took its categories in the order the rows first named
    # them: the regression's rows, the collinear category left out and tied segment ranks followed the rows
    import random

    from typer.testing import CliRunner

    from feedback_classifier.cli import app

    rng = random.Random(0)
    cells = ["Delivery > Courier", "Price", "Delivery > Courier; Price", "Service > Staff", "", "Returns"]
    rows = [f"{rng.randint(0, 10)},{rng.choice(['north', 'south'])},{rng.choice(cells)}" for _ in range(300)]
    outputs = []
    for name in ("a", "b"):
        (tmp_path / f"{name}.csv").write_text("nps,region,categories\n" + "\n".join(rows) + "\n", encoding="utf-8")
        result = CliRunner().invoke(app, ["drivers", str(tmp_path / f"{name}.csv"), "--score-col", "nps", "--by",
                                          "region", "--min-n", "5", "--out", str(tmp_path / f"{name}_d.csv")])
        assert result.exit_code == 0, result.output
        outputs.append({p.name[1:]: p.read_bytes() for p in sorted(tmp_path.glob(f"{name}_d*.csv"))})
        rows.reverse()
    assert outputs[0].keys() == outputs[1].keys() and len(outputs[0]) >= 3
    for table in outputs[0]:
        assert outputs[0][table] == outputs[1][table], table


def test_a_damaged_lemma_cache_file_is_rebuilt_not_read_with_a_wrong_lemma(tmp_path, monkeypatch):
    # marshal has no checksum: one flipped byte in the middle of the cached English lemma table mostly
    # still loaded, as a table with a wrong lemma, which then silently changed what matched
    from feedback_classifier.lang import lemmas

    monkeypatch.setenv("FEEDBACK_CLASSIFIER_CACHE", str(tmp_path / "cache"))
    source = tmp_path / "lemmas.json"
    source.write_text("{}", encoding="utf-8")
    table = {f"word{i}": f"lemma{i}" for i in range(200)}
    assert lemmas._cached_table(source, lambda: dict(table)) == table
    (cached,) = (tmp_path / "cache").glob("lemmas-*")
    data = bytearray(cached.read_bytes())
    data[len(data) // 2] ^= 0x01
    cached.write_bytes(bytes(data))
    assert lemmas._cached_table(source, lambda: dict(table)) == table


def test_xlsx_output_is_the_same_bytes_with_source_date_epoch(tmp_path, monkeypatch):
    # a workbook carries its creation time (core properties and every zip entry's date): the same command
    # twice wrote different bytes; SOURCE_DATE_EPOCH pins it, as reproducible builds do
    import time
    import zipfile

    import pandas as pd

    from feedback_classifier.tableio import write_table

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    df = pd.DataFrame({"id": [1, 2], "comment": ["late courier", "rude staff"]})
    write_table(df, tmp_path / "a.xlsx")
    time.sleep(2.1)  # past the zip format's 2-second resolution
    write_table(df, tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as zf:
        assert {info.date_time for info in zf.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        assert b"2023-11-14T22:13:20Z" in zf.read("docProps/core.xml")
    assert pd.read_excel(tmp_path / "a.xlsx").equals(df)


def test_the_model_cache_key_follows_the_code_the_cached_tables_are_made_by(tmp_path, monkeypatch):
    # the key hashed model/ and lang/ only: an edit to taxonomy/ (which parses the taxonomy the default
    # model is built from) or tableio/ (which reads its example files) kept serving the old tables
    from feedback_classifier.model import cache

    for part in ("model", "lang", "taxonomy", "tableio", "cli"):
        (tmp_path / part).mkdir()
        (tmp_path / part / "a.py").write_text("x = 1\n")
    (tmp_path / "_arrays.py").write_text("y = 1\n")
    monkeypatch.setattr(cache, "_PACKAGE_DIR", tmp_path)

    def digest() -> str:
        monkeypatch.setattr(cache, "_digest_memo", [])
        return cache.code_digest()

    seen = {digest()}
    for edited in ("taxonomy/a.py", "tableio/a.py", "_arrays.py", "model/a.py", "lang/a.py"):
        (tmp_path / edited).write_text("x = 2\n")
        seen.add(digest())
    assert len(seen) == 6  # each edit made a new key
    last = digest()
    (tmp_path / "cli" / "a.py").write_text("x = 2\n")  # what the tables are not made by keeps the key
    assert digest() == last
