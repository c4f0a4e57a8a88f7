"""The shared vocabulary: the data files follow their format and the API reads them."""

from __future__ import annotations

import doctest
import string

import pandas as pd
import pytest

from migharmony import vocab
from migharmony._resources import data_dir
from migharmony._yaml import load_yaml
from migharmony.errors import VocabularyError

EXPECTED_DIMENSIONS = {
    "age", "caveat", "conf_status", "measure", "migr_basis", "obs_status", "pop_type",
    "ref_date_type", "residence_rule", "sex", "source_type", "unit_measure", "unit_mult",
}
FULLY_TRANSLATED = ("sex", "obs_status", "conf_status", "measure", "migr_basis")


def test_every_expected_dimension_ships() -> None:
    assert set(vocab.dimensions()) == EXPECTED_DIMENSIONS
    assert vocab.version() == "2026.12.0"


@pytest.mark.parametrize("dimension", sorted(EXPECTED_DIMENSIONS))
def test_file_follows_the_format(dimension: str) -> None:
    data = load_yaml(data_dir("vocab") / f"{dimension}.yaml").data
    assert data["dimension"] == dimension
    assert {"en", "fr"} <= set(data["title"])
    assert data["standard"]["name"] and data["standard"]["version"]
    for code, record in data["codes"].items():
        labels = record.get("label") or record.get("title")
        assert {"en", "fr"} <= set(labels), code
        assert set(labels) <= set(vocab.LANGUAGES), code
        assert (record.get("definition") or record.get("description") or "").strip(), code
        assert all(a == a.lower() for a in record.get("aliases", [])), code


@pytest.mark.parametrize("dimension", FULLY_TRANSLATED)
def test_west_african_languages_are_complete(dimension: str) -> None:
    for code in vocab.codes(dimension):
        assert set(vocab.info(dimension, code)["label"]) == {"en", "fr", "es", "pt"}, code


def test_age_specials_have_all_languages() -> None:
    for code in vocab.codes("age"):
        assert set(vocab.info("age", code)["label"]) == {"en", "fr", "es", "pt"}


@pytest.mark.parametrize("dimension", sorted(EXPECTED_DIMENSIONS))
def test_aliases_are_unambiguous_and_include_codes_and_labels(dimension: str) -> None:
    found = vocab.aliases(dimension)  # raises on an alias meaning two codes
    for code in vocab.codes(dimension):
        assert found[vocab.normalize(code)] == code
        for lang in vocab.LANGUAGES:
            assert found[vocab.normalize(vocab.label(dimension, code, lang))] == code


def test_sex_is_exactly_cl_sex_2_1() -> None:
    assert vocab.codes("sex") == ["F", "M", "_T", "_U", "_O", "_N", "_Z"]
    assert vocab.standard("sex")["version"] == "2.1"


def test_obs_status_is_exactly_cl_obs_status_2_2() -> None:
    assert set(vocab.codes("obs_status")) == set("ABDEFGIKWPOMLHQSJNUV")
    assert len(vocab.codes("obs_status")) == 20
    assert vocab.standard("obs_status")["version"] == "2.2"


def test_obs_status_precedence_follows_the_sdmx_hierarchy() -> None:
    ranked = sorted(vocab.codes("obs_status"),
                    key=lambda c: vocab.info("obs_status", c)["precedence"])
    assert "".join(ranked) == "BOMLHQJSDKWIFEPNUVGA"
    assert vocab.primary_obs_status(["Q", "B"]) == "B"
    assert vocab.primary_obs_status(["A", "U", "E"]) == "E"
    assert vocab.primary_obs_status([]) is None


def test_conf_status_codes() -> None:
    assert vocab.codes("conf_status") == list("FNCDSAOTGME")


def test_unit_mult_exponents_match_codes() -> None:
    assert {int(c) for c in vocab.codes("unit_mult")} == set(range(-15, 16))
    for code in vocab.codes("unit_mult"):
        record = vocab.info("unit_mult", code)
        assert record["exponent"] == int(code)
        assert float(record["pint"]) == 10.0 ** int(code)
    assert vocab.aliases("unit_mult")["thousands"] == "3"


def test_unit_measure_pint_expressions_parse() -> None:
    import pint

    registry = pint.UnitRegistry()
    for code in vocab.codes("unit_measure"):
        registry(vocab.info("unit_measure", code)["pint"])
    assert vocab.info("unit_measure", "PS")["is_count"] is True
    assert vocab.info("unit_measure", "PER_1000_POP")["is_count"] is False


def test_measure_kinds() -> None:
    kinds = {c: vocab.info("measure", c)["kind"] for c in vocab.codes("measure")}
    assert kinds["STOCK"] == kinds["REF"] == kinds["IDP"] == "stock"
    assert kinds["IMM"] == kinds["DISPL_NEW"] == kinds["RST"] == kinds["ASY_APP"] == "flow"
    assert len(kinds) == 23  # with IRREG_PRES (Eurostat migr_eipre)


def test_required_codes_of_small_dimensions() -> None:
    assert vocab.codes("migr_basis") == ["COB", "CIT", "PREV_RES", "NEXT_RES", "LEGAL",
                                         "MIXED", "_U", "_Z"]
    assert vocab.codes("residence_rule") == ["R12", "R6", "R3", "REG", "PERM", "_U", "_Z"]
    assert vocab.codes("source_type") == ["CENSUS", "REGISTER", "SURVEY", "ADMIN", "MODEL",
                                          "_U"]
    assert vocab.codes("ref_date_type") == ["JAN1", "MIDYEAR", "DEC31", "CENSUS", "PERIOD",
                                            "_U"]
    assert {"_T", "_U", "FAM", "EDUC", "REMUN", "PROT", "OTH"} <= set(vocab.codes("pop_type"))


REQUIRED_CAVEATS = (
    "definition-differs", "basis-citizenship", "basis-mixed", "refugees-added", "imputed",
    "estimated", "provisional", "forecast", "break-in-series", "suppressed",
    "small-count-protected", "rounded-to-zero", "rounded", "coverage-excludes",
    "partial-coverage", "reference-date-differs", "source-note", "corrected", "lower-bound",
    "zero-not-disaggregated", "territory-change", "low-reliability", "approximated-age-bands",
    "not-available", "confidential", "mixed-definitions", "aggregate-of-parts",
)


def test_caveats_are_complete_and_their_templates_use_plain_names() -> None:
    assert set(REQUIRED_CAVEATS) <= set(vocab.codes("caveat"))
    for code in vocab.codes("caveat"):
        record = vocab.info("caveat", code)
        assert record["severity"] in {"info", "warning"}
        assert set(record["affects"]) <= {"comparability", "completeness", "accuracy",
                                           "timeliness"}
        names = [f for _, f, _, _ in string.Formatter().parse(record["template"]) if f]
        assert all(n.isidentifier() for n in names), code


def test_caveat_message_fills_and_keeps_missing_fields() -> None:
    assert (vocab.caveat_message("basis-citizenship", ref_area="Senegal")
            == "Figures for Senegal count foreign citizens, not the foreign-born")
    message = vocab.caveat_message("imputed", ref_area="MLI")
    assert "MLI" in message and "{time_period}" in message
    with pytest.raises(VocabularyError, match="did you mean 'rounded'"):
        vocab.caveat_message("rounding")


def test_label_languages_and_fallback() -> None:
    assert vocab.label("sex", "F") == "Female"
    assert vocab.label("sex", "M", "fr") == "Masculin"
    assert vocab.label("sex", "F", "es") == "Femenino"
    assert vocab.label("migr_basis", "CIT", "pt") == "Nacionalidade (estrangeiros)"
    # caveats have no Spanish titles: English is used
    assert vocab.label("caveat", "forecast", "es") == "Forecast"
    assert vocab.label("caveat", "forecast", "fr") == "Prévision"
    with pytest.raises(VocabularyError, match="unknown language 'de'"):
        vocab.label("sex", "F", "de")
    with pytest.raises(VocabularyError, match="did you mean 'en'"):
        vocab.label("sex", "F", "EN")


def test_unknown_code_message_names_codes_and_nearest_match() -> None:
    with pytest.raises(VocabularyError) as info:
        vocab.label("sex", "T")
    message = str(info.value)
    assert message.startswith("'T' is not a code of vocab/sex; codes are F, M, _T, _U")
    assert "did you mean '_T'" in message
    with pytest.raises(LookupError, match=r"did you mean .*'IDP'"):
        vocab.definition("measure", "IPD")


def test_unknown_dimension_message_lists_dimensions_and_nearest_match() -> None:
    with pytest.raises(VocabularyError) as info:
        vocab.codes("sexe")
    assert "did you mean 'sex'" in str(info.value)
    assert "obs_status" in str(info.value)


def test_is_code_and_check_codes() -> None:
    assert vocab.is_code("sex", "_T")
    assert not vocab.is_code("sex", "T")
    assert not vocab.is_code("sex", None)
    assert vocab.is_code("age", "Y_GE65") and vocab.is_code("age", "_U")
    assert not vocab.is_code("age", "Y15-64")
    values = pd.Series(["F", "T", "M", None, "T", "X", pd.NA])
    assert vocab.check_codes("sex", values) == ["T", "X"]
    assert vocab.check_codes("unit_mult", [3, "6", 3]) == []
    assert vocab.check_codes("age", ["Y0T4", "Y4T0", "_T"]) == ["Y4T0"]


def test_info_and_describe() -> None:
    record = vocab.info("sex", "_T")
    assert record["code"] == "_T" and "both sexes" in record["aliases"]
    record["aliases"].clear()  # a copy: the vocabulary is not changed
    assert vocab.info("sex", "_T")["aliases"]
    table = vocab.describe("obs_status", "fr")
    assert list(table.columns) == ["code", "label", "definition"]
    assert table.set_index("code").loc["E", "label"] == "Valeur estimée"
    assert len(table) == 20


def test_add_labels_in_french_and_portuguese() -> None:
    frame = pd.DataFrame({
        "ref_area": ["SEN", "SEN", "CPV"],
        "sex": ["F", "_T", "T"],
        "age": ["Y15T64", "Y_GE65", "_T"],
        "measure": ["STOCK", "STOCK", "IMM"],
        "value": [1.0, 2.0, 3.0],
    })
    fr = vocab.add_labels(frame, "fr")
    assert list(fr.columns) == ["ref_area", "sex", "sex_label", "age", "age_label",
                                "measure", "measure_label", "value"]
    assert fr["sex_label"].tolist()[:2] == ["Féminin", "Total"]
    assert pd.isna(fr.loc[2, "sex_label"])  # 'T' is not a code: no label, no error
    assert fr["age_label"].tolist() == ["de 15 à 64 ans", "65 ans et plus", "Tous âges"]
    pt = vocab.add_labels(frame, "pt", dimensions=["age"])
    assert "sex_label" not in pt.columns
    assert pt["age_label"].tolist() == ["de 15 a 64 anos", "65 anos e mais", "Todas as idades"]
    assert "sex_label" not in frame.columns  # the input is not changed
    again = vocab.add_labels(fr, "pt")  # labels are replaced, not duplicated
    assert list(again.columns) == list(fr.columns)
    assert again["sex_label"].tolist()[0] == "Feminino"


def test_add_labels_rejects_unknown_dimension() -> None:
    with pytest.raises(VocabularyError, match="did you mean 'sex'"):
        vocab.add_labels(pd.DataFrame({"sex": ["F"]}), dimensions=["sexx"])


@pytest.fixture
def vocab_folder(tmp_path, monkeypatch):
    """An empty vocab folder in place of the shipped one, with the caches cleared
    before and after (so no other test sees it)."""
    cached = (vocab.dimensions, vocab._document, vocab._aliases)
    monkeypatch.setattr(vocab, "data_dir", lambda kind: tmp_path)
    for function in cached:
        function.cache_clear()
    yield tmp_path
    for function in cached:
        function.cache_clear()


def test_broken_file_is_reported_with_lines(vocab_folder) -> None:
    (vocab_folder / "VERSION").write_text("0\n")
    (vocab_folder / "sex.yaml").write_text(
        "dimension: sex\ntitle: {en: Sex}\ndescription: {en: x}\n"
        "standard: {name: X, version: '1'}\n"
        "codes:\n  F:\n    label: {en: Female}\n  M:\n    label: {en: Male, fr: Masculin}\n"
        "    definition: Male persons.\n    aliases: [f]\n")
    with pytest.raises(VocabularyError) as info:
        vocab.codes("sex")
    message = str(info.value)
    assert "vocab/sex.yaml line 2" in message  # title lacks fr
    assert "vocab/sex.yaml line 7" in message and "'fr' text is missing" in message
    assert "needs a 'definition'" in message


def test_ambiguous_alias_is_a_data_error(vocab_folder) -> None:
    (vocab_folder / "sex.yaml").write_text(
        "dimension: sex\ntitle: {en: Sex, fr: Sexe}\ndescription: {en: x}\n"
        "standard: {name: X, version: '1'}\ncodes:\n"
        "  F: {label: {en: Female, fr: Féminin}, definition: d, aliases: [w]}\n"
        "  M: {label: {en: Male, fr: Masculin}, definition: d, aliases: [female]}\n")
    with pytest.raises(VocabularyError, match="'female' would mean both 'F' and 'M'"):
        vocab.aliases("sex")


def test_import_reads_nothing_and_pandas_only_when_needed() -> None:
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from migharmony import vocab\n"
        "assert vocab._document.cache_info().currsize == 0, 'read at import'\n"
        "vocab.codes('sex'); vocab.label('age', 'Y15T64', 'fr')\n"
        "assert vocab._document.cache_info().currsize == 2\n"
        "assert 'pandas' not in sys.modules, 'pandas imported for a lookup'\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stderr


def test_docstring_examples_run() -> None:
    result = doctest.testmod(vocab, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 20 and result.failed == 0
