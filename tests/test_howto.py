"""Following docs/how-to/write-a-crosswalk.md gives a working crosswalk.

1. The page's finished example crosswalk harmonizes the page's example table.
2. The same steps, applied to a table the docs never show (a French register extract
   with a title line, ';' separators, "Hommes/Femmes", "0-14 ans", decimal commas,
   figures in thousands, '..' and a note line), starting from `migharmony crosswalk
   new`, give a crosswalk that lints clean and harmonizes every cell.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

import migharmony
from migharmony.cli import main

HOWTO = Path(__file__).parents[1] / "docs" / "how-to" / "write-a-crosswalk.md"

pytestmark = pytest.mark.skipif(not HOWTO.is_file(), reason="not a source checkout")

REGISTRE = """\
Population étrangère résidente au 1er janvier, par pays de naissance, sexe et âge (en milliers)
Source : registre de la population (extraction fictive)
Pays de naissance;Sexe;Âge;2022;2023
Mali;Hommes;0-14 ans;12,4;12,9
Mali;Hommes;15-64 ans;40,1;41,0
Mali;Hommes;65 ans et plus;3,2;3,3
Mali;Femmes;0-14 ans;11,8;12,2
Mali;Femmes;15-64 ans;35,6;36,4
Mali;Femmes;65 ans et plus;2,9;..
Guinée;Hommes;0-14 ans;8,1;8,4
Guinée;Hommes;15-64 ans;22,7;23,5
Guinée;Hommes;65 ans et plus;1,0;1,1
Guinée;Femmes;0-14 ans;7,6;7,9
Guinée;Femmes;15-64 ans;19,8;20,6
Guinée;Femmes;65 ans et plus;0,9;1,0
Côte d'Ivoire;Hommes;0-14 ans;5,5;5,7
Côte d'Ivoire;Hommes;15-64 ans;18,2;18,8
Côte d'Ivoire;Hommes;65 ans et plus;0,7;0,8
Côte d'Ivoire;Femmes;0-14 ans;5,1;5,3
Côte d'Ivoire;Femmes;15-64 ans;16,9;17,6
Côte d'Ivoire;Femmes;65 ans et plus;0,6;0,6
Ensemble;Ensemble;Ensemble;213,1;..
Note : .. donnée non disponible.
"""


def _blocks(language: str) -> list[str]:
    text = HOWTO.read_text(encoding="utf-8")
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def test_the_pages_example_harmonizes(tmp_path: Path) -> None:
    table = next(b for b in _blocks("text") if b.startswith("Table 4."))
    crosswalk = next(b for b in _blocks("yaml") if b.startswith("migharmony: crosswalk/1"))
    (tmp_path / "immigrants_2023.csv").write_text(table, encoding="utf-8")
    (tmp_path / "nso-immigrants-2023.yaml").write_text(crosswalk, encoding="utf-8")
    result = migharmony.harmonize(tmp_path / "immigrants_2023.csv",
                                  tmp_path / "nso-immigrants-2023.yaml")
    assert len(result.data) == 18 and len(result.rejected) == 0  # as the page says
    data = result.data.set_index(["counterpart_area", "sex"])
    assert data.loc[("PHL", "_T"), "obs_value"] == 12410
    assert data.loc[("_T", "F"), "obs_value"] == 22116
    assert data.loc[("_O", "M"), "obs_value"] == 8787
    assert data.loc[("VNM", "M"), "conf_status"] == "C"


def test_following_the_steps_on_an_unseen_table(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "registre.csv"
    source.write_text(REGISTRE, encoding="utf-8")
    draft_path = tmp_path / "registre-etrangers.yaml"

    # Step 1. Draft
    assert main(["crosswalk", "new", str(source), "--id", "registre-etrangers",
                 "-o", str(draft_path)]) == 0
    draft = draft_path.read_text(encoding="utf-8")
    assert "TODO" in draft
    cw = yaml.safe_load(draft)
    # the draft's guesses the page tells us to check
    assert cw["read"]["header_rows"] == [3] and cw["read"]["first_row"] == 4
    assert cw["values"]["columns"] == ["2022", "2023"]
    assert cw["dimensions"]["sex"]["map"] == {"Hommes": "M", "Femmes": "F", "Ensemble": "_T"}

    # Step 2. Identity and source
    cw["title"] = "Population étrangère résidente au 1er janvier (registre, extraction fictive)"
    cw["source"].update(producer="Office national de la statistique (fictif)",
                        licence="CC BY 4.0")

    # Step 3. Definitions; figures in thousands
    cw["definitions"] = {"measure": "STOCK", "migr_basis": "COB", "residence_rule": "REG",
                         "source_type": "REGISTER", "ref_date_type": "JAN1", "unit_mult": 3}

    # Step 4. Reading: the note line is not data; decimal commas
    cw["read"].update(last_row=22, decimal=",")

    # Step 5. Columns: the country column is the country of birth, not ref_area
    columns = {key: ("birth" if name == "ref_area" else name)
               for key, name in cw["columns"].items()}
    cw["columns"] = columns
    assert "age" in columns.values()  # the draft named the "Âge" column

    # Step 6. Dimensions
    dims = cw["dimensions"]
    dims.pop("ref_area")
    dims["ref_area"] = {"value": "SEN"}  # the (fictional) office's country
    dims["counterpart_area"] = {"from": "birth", "areas": {"scheme": "name", "lang": "fr"}}
    dims["age"] = {"from": "age", "age": True}

    # Step 7. Symbols: the draft's ".." is the table's own symbol; keep it
    assert cw["symbols"][".."]["obs_status"] == "M"

    # Step 8. Check, harmonize, look at what was rejected
    done = tmp_path / "registre-etrangers.done.yaml"
    done.write_text(yaml.safe_dump(cw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    assert main(["crosswalk", "lint", str(done), "--data", str(source)]) == 0, \
        capsys.readouterr().out
    result = migharmony.harmonize(source, done)
    assert len(result.rejected) == 0, result.rejected[["source_ref", "reason"]]
    assert len(result.data) == 38  # 19 rows x 2 years: every cell accounted for

    data = result.data.set_index(["counterpart_area", "sex", "age", "time_period"])
    assert data.loc[("MLI", "M", "Y0T14", "2022"), "obs_value"] == pytest.approx(12_400)
    assert data.loc[("CIV", "F", "Y15T64", "2023"), "obs_value"] == pytest.approx(17_600)
    assert data.loc[("GIN", "M", "Y_GE65", "2022"), "obs_value"] == pytest.approx(1_000)
    assert data.loc[("_T", "_T", "_T", "2022"), "obs_value"] == pytest.approx(213_100)
    missing = data.loc[("MLI", "F", "Y_GE65", "2023")]
    assert pd_isna(missing["obs_value"]) and "not-available" in missing["caveats"]
    assert set(result.data["migr_basis"]) == {"COB"}
    assert set(result.data["ref_area"]) == {"SEN"}


def pd_isna(value: object) -> bool:
    import pandas as pd

    return bool(pd.isna(value))
