"""Bad input gets a MigharmonyError, never a bare builtin or a library internal.

The hierarchy drawn in ``migharmony.errors`` is checked against the classes, and
each leak found by fuzzing has a regression test here (the inputs themselves are
replayed from ``tests/fuzz_corpus`` by ``test_fuzz_corpus.py``).
"""

from __future__ import annotations

import contextlib
import inspect
import re

import pytest

import migharmony
from migharmony import errors
from migharmony.errors import MigharmonyError, ReadError
from strategies import wide_crosswalk

#: Each error class and the builtins it must also be.
EXPECTED_BUILTINS = {
    "VocabularyError": (LookupError,),
    "CodeFormatError": (LookupError, ValueError),
    "AreaError": (LookupError,),
    "UnknownAreaError": (LookupError,),
    "AmbiguousAreaError": (LookupError,),
    "CrosswalkError": (ValueError,),
    "ReadError": (ValueError,),
    "SourceNotFoundError": (ValueError, FileNotFoundError),
    "ValidationError": (ValueError,),
    "ComparabilityError": (ValueError,),
    "AgeBandError": (ValueError,),
    "CoverageError": (ValueError,),
}


def _error_classes() -> dict[str, type[MigharmonyError]]:
    return {name: cls for name, cls in inspect.getmembers(errors, inspect.isclass)
            if issubclass(cls, MigharmonyError) and cls is not MigharmonyError}


def test_every_error_is_also_the_matching_builtin() -> None:
    classes = _error_classes()
    assert set(classes) == set(EXPECTED_BUILTINS), "update EXPECTED_BUILTINS and the docstring"
    for name, cls in classes.items():
        for builtin in EXPECTED_BUILTINS[name]:
            assert issubclass(cls, builtin), f"{name} should also be a {builtin.__name__}"


def test_the_docstring_tree_matches_the_classes() -> None:
    doc = errors.__doc__ or ""
    drawn = dict(re.findall(r"(\w+Error)\(([\w, ]+)\)", doc))
    for name, cls in _error_classes().items():
        assert name in doc, f"{name} is missing from the tree in errors.py"
        if name in drawn:
            bases = [b.strip() for b in drawn[name].split(",")]
            assert bases == [b.__name__ for b in cls.__bases__], name
    # Every class drawn exists (the tree does not promise errors that are gone).
    for name in drawn:
        assert name == "MigharmonyError" or name in _error_classes(), name


def test_errors_print_plainly_even_when_lookup_errors() -> None:
    exc = errors.VocabularyError("sex code 'T' is unknown")
    assert str(exc) == "sex code 'T' is unknown"  # not quoted like a KeyError
    exc2 = errors.UnknownAreaError("no area 'Atlantis'")
    assert str(exc2) == "no area 'Atlantis'"


def test_cube_formats_without_a_reader_are_a_read_error(tmp_path) -> None:
    """Found by fuzzing: a .json source leaked ModuleNotFoundError."""
    import importlib.util

    path = tmp_path / "table.json"
    path.write_text('{"value": [1, 2]}', encoding="utf-8")
    if importlib.util.find_spec("migharmony.cubes") is None:
        with pytest.raises(ReadError, match="cannot read JSON"):
            migharmony.harmonize(path, wide_crosswalk(["2020"], read={"format": "auto"}))
    else:  # the cube readers exist: a result or a MigharmonyError, nothing else
        with contextlib.suppress(MigharmonyError):
            migharmony.harmonize(path, wide_crosswalk(["2020"], read={"format": "auto"}))


def test_yaml_control_characters_are_a_migharmony_error(tmp_path) -> None:
    """Found by fuzzing: PyYAML's ReaderError escaped from the loader's constructor."""
    from migharmony._yaml import load_yaml
    from migharmony.crosswalk import load
    from migharmony.errors import CrosswalkError

    with pytest.raises(MigharmonyError, match="control characters"):
        load_yaml("a: 1\nb: \x01\n", name="ctrl.yaml")
    path = tmp_path / "ctrl.yaml"
    path.write_text("id: x\ntitle: \x07\n", encoding="utf-8")
    with pytest.raises(CrosswalkError):
        load(path)


def test_an_integer_too_large_for_a_float_is_a_rejected_cell() -> None:
    """Found by fuzzing: a 400-digit number in an xlsx cell raised OverflowError."""
    import pandas as pd

    from migharmony.values import parse, parse_one

    assert parse_one(10**400).rule == "value-not-number"
    out = parse(pd.Series([10**400, 5, -(10**400)], dtype=object))
    assert out["rule"].tolist()[0] == "value-not-number"
    assert out["value"].tolist()[1] == 5.0


def test_a_correction_applies_to_a_text_source(tmp_path) -> None:
    """Found by crosswalk fuzzing: a numeric correction on a CSV source raised TypeError
    (the cells of a text table are str; the new value is a number)."""
    path = tmp_path / "t.csv"
    path.write_text("Area,Sex,2020\nAUT,Men,1\nFRA,Men,2\n", encoding="utf-8")
    cw = wide_crosswalk(["2020"], corrections=[{"cell": "C2", "value": 5, "reason": "typo",
                                                "by": "me", "date": "2024-01-01"}])
    result = migharmony.harmonize(path, cw)
    assert result.data["obs_value"].tolist() == [5.0, 2.0]
    assert result.metadata["corrections"][0]["old_value"] == "1"


@pytest.mark.parametrize("crosswalk", [None, 42, ["id"], b"undesa-ims-2020-t1"])
def test_a_crosswalk_of_the_wrong_type_is_a_crosswalk_error(crosswalk) -> None:
    """Found by crosswalk fuzzing: load(None) raised AttributeError."""
    from migharmony.crosswalk import load
    from migharmony.errors import CrosswalkError

    with pytest.raises(CrosswalkError, match="shipped id"):
        load(crosswalk)


@pytest.mark.parametrize(("where", "value", "message"), [
    (("dimensions", "time_period", "regex", 0, "code"), "\\", "not a valid replacement"),
    (("dimensions", "time_period", "regex", 0, "pattern"), "", "not a valid replacement"),
    (("dimensions", "time_period", "regex", 0, "code"), r"\3", "not a valid replacement"),
    (("dimensions", "ref_area", "exclude"), [{"pattern": "(", "reason": "x"}],
     "not a valid pattern"),
    (("values", "columns"), ["~("], "not a valid pattern"),
])
def test_bad_patterns_and_templates_are_crosswalk_errors(where, value, message) -> None:
    """Found by crosswalk fuzzing: re.error escaped from mapping and layout."""
    from migharmony.crosswalk import load
    from migharmony.errors import CrosswalkError

    cw = wide_crosswalk(["2020"])
    target = cw
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = value
    with pytest.raises(CrosswalkError, match=message):
        load(cw)


@pytest.mark.parametrize("payload", ["[" * 100_000 + "]" * 100_000,
                                     '{"version": "2.0", "class": "dataset", "id": 5}',
                                     '{"dataSets": [[]], "structure": []}',
                                     '{"value": [' + "9" * 100_000 + "]}"])
def test_hostile_json_is_a_read_error(tmp_path, payload: str) -> None:
    """Found by fuzzing: deep nesting, wrong types and giant numbers in JSON-stat and
    SDMX-JSON files escaped the cube readers as RecursionError, AttributeError,
    ValueError."""
    path = tmp_path / "t.json"
    path.write_text(payload, encoding="utf-8")
    for crosswalk in ("eurostat-migr_pop1ctz", "oecd-mig-b14-sdmxjson"):
        with pytest.raises(MigharmonyError):
            migharmony.harmonize(path, crosswalk)
