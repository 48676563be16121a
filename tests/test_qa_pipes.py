"""A shell-pipeline user's QA sweep: compressed exports and the commands between `zcat`, `tee` and `xargs`.

Each test fails on the code before its fix.
"""

from __future__ import annotations

import bz2
import lzma
import zipfile

import pytest
from typer.testing import CliRunner

from feedback_classifier.cli import app
from feedback_classifier.errors import InputFileError
from feedback_classifier.tableio import read_table, write_table

runner = CliRunner()

SURVEY = b"id,comment,nps\n1,Courier was late,2\n2,Great support,10\n"


def _zip(path, names):
    with zipfile.ZipFile(path, "w") as z:
        for name in names:
            z.writestr(name, SURVEY)
    return path


@pytest.mark.parametrize(("name", "pack", "kind", "tool"), [
    ("export.csv.bz2", bz2.compress, "bzip2", "bzip2 -dc"),
    ("export.csv.xz", lzma.compress, "xz", "xz -dc"),
])
def test_a_bz2_or_xz_export_is_named_compressed_with_the_command_to_read_it(tmp_path, name, pack, kind, tool):
    # before: "unknown table format '.bz2'; ... pass --input-format", and with --input-format csv
    # "looks like a binary file": neither said the file was compressed
    path = tmp_path / name
    path.write_bytes(pack(SURVEY))
    for extra in ([], ["--input-format", "csv"]):
        result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out",
                                     str(tmp_path / "o.csv"), "-q", *extra])
        assert result.exit_code == 1, result.output
        assert f"is {kind}-compressed" in result.output and "only gzip" in result.output
        assert f"{tool} {path} | gzip > {tmp_path / 'export.csv.gz'}" in result.output
        assert "binary" not in result.output and "unknown table format" not in result.output


def test_a_zip_export_says_which_file_to_extract(tmp_path):
    one = _zip(tmp_path / "one.zip", ["survey.csv"])
    with pytest.raises(InputFileError, match=r"is a zip archive, not a table; extract its one file first: "
                                             r"unzip -p .*one\.zip survey\.csv > survey\.csv"):
        read_table(one)
    many = _zip(tmp_path / "many.zip", ["a.csv", "b.csv"])
    with pytest.raises(InputFileError, match=r"it holds 2 files \(a\.csv, b\.csv\): extract the one to read"):
        read_table(many, fmt="csv")


def test_a_gzipped_file_without_gz_in_its_name_is_told_to_be_renamed(tmp_path):
    import gzip

    path = tmp_path / "export.csv"
    path.write_bytes(gzip.compress(SURVEY))
    with pytest.raises(InputFileError, match=r"is gzip-compressed but its name does not end in \.gz; rename it "
                                             r"to export\.csv\.gz"):
        read_table(path)


def test_an_output_named_bz2_xz_or_zip_is_refused_not_written_as_plain_text(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"a": ["x"]})
    for name, fmt in (("out.csv.xz", "csv"), ("out.csv.bz2", None), ("out.zip", None)):
        with pytest.raises(InputFileError, match=r"output is not written; only gzip is"):
            write_table(df, tmp_path / name, fmt=fmt)
        assert not (tmp_path / name).exists()
    (tmp_path / "in.csv").write_bytes(SURVEY)
    result = runner.invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment",
                                 "--out", str(tmp_path / "o.csv.bz2"), "-q"])
    assert result.exit_code == 1 and "bzip2 output is not written" in result.output


def test_an_output_that_is_a_fifo_or_a_device_is_refused_and_left_as_it_is(tmp_path):
    # before: the temp file was renamed over it: a FIFO's reader waited forever, and as root
    # `--out /dev/null --format csv` put a regular file in place of the system's /dev/null
    import os
    import stat

    import pandas as pd

    (tmp_path / "in.csv").write_bytes(SURVEY)
    fifo = tmp_path / "queue.csv"
    os.mkfifo(fifo)
    result = runner.invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment", "--out", str(fifo),
                                 "-q"])
    assert result.exit_code == 1 and "is a pipe" in result.output and "give --out a file path" in result.output
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    with pytest.raises(InputFileError, match="is a pipe"):
        write_table(pd.DataFrame({"a": ["x"]}), fifo)
    result = runner.invoke(app, ["analyze", str(tmp_path / "in.csv"), "--text-col", "comment", "--out-dir", str(fifo),
                                 "-q"])
    assert result.exit_code == 1 and "give --out-dir a folder path" in result.output
    device = tmp_path / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except OSError:  # not root: no device node to test with
        return
    result = runner.invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment", "--format", "csv",
                                 "--out", str(device), "-q"])
    assert result.exit_code == 1 and "is a device" in result.output
    assert stat.S_ISCHR(os.stat(device).st_mode)


def test_out_dev_stdout_on_a_pipe_is_refused_in_one_line(tmp_path):
    # before: "/proc/123/fd/pipe:[456]: cannot write the output there (No such file or directory); ...
    # fix the folder's permissions or free some disk space"
    import subprocess
    import sys

    (tmp_path / "in.csv").write_bytes(SURVEY)
    proc = subprocess.run([sys.executable, "-m", "feedback_classifier", "classify", str(tmp_path / "in.csv"),
                           "--text-col", "comment", "--format", "csv", "--out", "/dev/stdout", "-q"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("Error: /dev/stdout: is a pipe") and "disk space" not in proc.stderr


def test_classify_refuses_standard_input_before_building_the_default_model(tmp_path, monkeypatch):
    # before: the default model's first build (12-20 s on a fresh cache) came before the one-line error
    from feedback_classifier.model import default

    def no_model(*args, **kwargs):
        raise AssertionError("the model was loaded before the input was checked")

    monkeypatch.setattr(default, "load_model_and_taxonomy", no_model)
    for args in (["-", "--out", str(tmp_path / "o.csv")], [str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv")]):
        result = runner.invoke(app, ["classify", *args, "--text-col", "comment", "-q"])
        assert result.exit_code == 1 and "the model was loaded" not in str(result.exception), result.output
        assert "not supported" in result.output or "file not found" in result.output
    (tmp_path / "in.csv").write_bytes(SURVEY)
    result = runner.invoke(app, ["classify", str(tmp_path / "in.csv"), "--text-col", "comment", "--out", "-", "-q"])
    assert result.exit_code == 1 and "writing to standard output is not supported" in result.output


def test_a_csv_whose_header_starts_like_bzip2_magic_is_still_read(tmp_path):
    path = tmp_path / "export.csv"
    path.write_bytes(b"BZh91AY,comment\n1,Late\n")
    assert list(read_table(path).columns) == ["BZh91AY", "comment"]
    for data in (b"", b"id\n1\n"):
        packed = tmp_path / "x.csv"
        packed.write_bytes(bz2.compress(data))
        with pytest.raises(InputFileError, match="is bzip2-compressed"):
            read_table(packed)


def test_two_exports_joined_with_cat_warn_of_the_header_line_read_as_a_row(tmp_path):
    # before: `cat jan.csv.gz feb.csv.gz > q1.csv.gz` classified February's header line as a comment
    # ("comment") without a word; only `drivers` named its score 'nps'
    import gzip

    jan = b"id,comment,nps\n1,Courier was late,2\n"
    feb = b"id,comment,nps\n2,Great support,10\n"
    path = tmp_path / "q1.csv.gz"
    path.write_bytes(gzip.compress(jan) + gzip.compress(feb))
    result = runner.invoke(app, ["classify", str(path), "--text-col", "comment", "--out", str(tmp_path / "o.csv"),
                                 "-q"])
    assert result.exit_code == 0, result.output
    assert "row 2 repeats the column names (files joined with cat?)" in result.output
    assert len(read_table(tmp_path / "o.csv")) == 3  # every row kept, as read
    (tmp_path / "one.csv").write_bytes(jan)
    result = runner.invoke(app, ["classify", str(tmp_path / "one.csv"), "--text-col", "comment", "--out",
                                 str(tmp_path / "o1.csv"), "-q"])
    assert "repeat" not in result.output


def test_an_upper_case_gz_output_names_the_file_inside_without_gz(tmp_path):
    import pandas as pd

    path = write_table(pd.DataFrame({"a": ["x"]}), tmp_path / "OUT.CSV.GZ")
    header = path.read_bytes()
    assert header[3] & 0x08  # FNAME
    assert header[10:header.index(b"\0", 10)] == b"OUT.CSV"
