"""benchmarks/semeval_test_data.py: official SemEval-2016 test XML -> training-CSV format."""

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from feedback_classifier.taxonomy import load_taxonomy

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "semeval_test_data.py"
spec = importlib.util.spec_from_file_location("semeval_test_data", SCRIPT)
converter = importlib.util.module_from_spec(spec)
spec.loader.exec_module(converter)

GOLD = """<?xml version="1.0" encoding="UTF-8"?>
<Reviews>
 <Review rid="r1"><sentences>
  <sentence id="r1:0"><text>Суп холодный, но официант милый.</text><Opinions>
   <Opinion target="Суп" category="FOOD#QUALITY" polarity="negative" from="0" to="3"/>
   <Opinion target="официант" category="SERVICE#GENERAL" polarity="positive" from="17" to="25"/>
  </Opinions></sentence>
  <sentence id="r1:1"><text>Were there on Sunday.</text></sentence>
 </sentences></Review>
 <Review rid="r2"><sentences>
  <sentence id="r2:0"><text>Pricey, "but" worth it.</text><Opinions>
   <Opinion target="NULL" category="RESTAURANT#PRICES" polarity="conflict" from="0" to="0"/>
   <Opinion target="NULL" category="RESTAURANT#PRICES" polarity="negative" from="0" to="0"/>
  </Opinions></sentence>
 </sentences></Review>
</Reviews>
"""


def test_gold_xml_becomes_training_format_csv(tmp_path):
    source = tmp_path / "RU_REST_SB1_TEST.xml.gold"
    source.write_text(GOLD, encoding="utf-8")
    assert converter.main(["--ru", str(source), "--out", str(tmp_path / "out")]) == 0
    df = pd.read_csv(tmp_path / "out" / "restaurants_ru_test.csv", keep_default_na=False, dtype=str)
    assert list(df.columns) == ["id", "review_id", "text", "labels", "polarities"]
    assert df["id"].tolist() == ["r1:0", "r1:1", "r2:0"]
    assert df["review_id"].tolist() == ["r1", "r1", "r2"]
    assert df.loc[0, "labels"] == "FOOD > QUALITY; SERVICE > GENERAL"
    assert df.loc[1, "labels"] == "" and df.loc[1, "polarities"] == ""
    assert df.loc[2, "text"] == 'Pricey, "but" worth it.'
    assert df.loc[2, "labels"] == "RESTAURANT > PRICES"
    assert df.loc[2, "polarities"] == "RESTAURANT > PRICES=conflict; RESTAURANT > PRICES=negative"
    # the cells must parse with the same taxonomy the benchmarks use
    taxonomy = load_taxonomy("semeval-restaurants")
    assert [len(taxonomy.parse_labels(c)) for c in df["labels"]] == [2, 0, 1]


def test_unannotated_input_file_is_refused(tmp_path):
    source = tmp_path / "EN_REST_SB1_TEST.xml.A"
    source.write_text(GOLD.replace('polarity="negative"', 'polarity=""'), encoding="utf-8")
    with pytest.raises(SystemExit, match="not a gold file"):
        converter.main(["--en", str(source), "--out", str(tmp_path)])
    assert not (tmp_path / "restaurants_en_test.csv").exists()


def test_missing_file_is_a_one_line_error(tmp_path, capsys):
    assert converter.main(["--en", str(tmp_path / "nope.xml.gold"), "--out", str(tmp_path)]) == 2
    assert "no such file" in capsys.readouterr().err
