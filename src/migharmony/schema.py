"""The canonical tidy schema: one observation per row, the same columns for every source.

Column names follow SDMX where SDMX has one (``REF_AREA``, ``COUNTERPART_AREA``,
``TIME_PERIOD``, ``OBS_VALUE``, ``OBS_STATUS``, ``CONF_STATUS``, ``UNIT_MEASURE``,
``UNIT_MULT``), in lower case. ``COLUMNS`` is the single description from which
the pandera schema, the empty frame, the Frictionless table schema and the docs
are all built.

Code columns are pandas ``category`` (``CATEGORICAL``): a few distinct codes and one
small integer per row, whatever the number of rows. To edit codes, or to compare the
codes of two results, take them as text first with :func:`as_text`; :func:`conform`
gives any canonical frame its dtypes back.

>>> from migharmony.schema import COLUMNS, KEY
>>> [c.name for c in COLUMNS][:4]
['ref_area', 'counterpart_area', 'time_period', 'measure']
>>> 'obs_value' in KEY
False
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    import pandera.pandas as pa

Kind = Literal["text", "integer", "number"]


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the canonical schema."""

    name: str
    kind: Kind
    description: str
    vocabulary: str | None = None  # checked against vocab/<vocabulary>.yaml
    key: bool = False  # part of the observation key
    nullable: bool = False
    default: str | None = None  # value used when a crosswalk does not set it


COLUMNS: tuple[ColumnSpec, ...] = (
    ColumnSpec("ref_area", "text", "Reporting area: ISO 3166-1 alpha-3, a subdivision, "
               "a historical code or a group code (see migharmony.areas).", key=True),
    ColumnSpec("counterpart_area", "text", "Origin, birthplace or citizenship area, or a "
               "special code (_T all, _U unknown, FOR foreign, NAT nationals, STLS "
               "stateless).", key=True, default="_T"),
    ColumnSpec("time_period", "text", "Reference period in ISO 8601 (2020, 2020-07-01, "
               "2020-Q1, 2020-01).", key=True),
    ColumnSpec("measure", "text", "What is counted: stock, flows, asylum, displacement.",
               vocabulary="measure", key=True),
    ColumnSpec("migr_basis", "text", "Basis that makes a person a migrant: country of "
               "birth, citizenship, previous or next residence, legal status.",
               vocabulary="migr_basis", key=True, default="_U"),
    ColumnSpec("residence_rule", "text", "Usual-residence rule behind the count.",
               vocabulary="residence_rule", default="_U"),
    ColumnSpec("source_type", "text", "Kind of source: census, register, survey, "
               "administrative records, model estimate.", vocabulary="source_type",
               default="_U"),
    ColumnSpec("ref_date_type", "text", "Reference-date convention (1 January, mid-year, "
               "31 December, census day, over the period).", vocabulary="ref_date_type",
               default="_U"),
    ColumnSpec("pop_type", "text", "Further breakdown of the population (protection status, "
               "permit reason); _T when none.", vocabulary="pop_type", key=True, default="_T"),
    ColumnSpec("sex", "text", "Sex (SDMX CL_SEX).", vocabulary="sex", key=True, default="_T"),
    ColumnSpec("age", "text", "Age band in the SDMX age grammar (Y15T64, Y_GE65, _T).",
               vocabulary="age", key=True, default="_T"),
    ColumnSpec("age_low", "integer", "Lower age bound, inclusive (0 for all ages).",
               nullable=True),
    ColumnSpec("age_high", "integer", "Upper age bound, exclusive; empty when open-ended.",
               nullable=True),
    ColumnSpec("obs_value", "number", "The value, in units of unit_measure, after the unit "
               "multiplier is applied (persons, not thousands). Empty when not available "
               "or suppressed: obs_status and conf_status say why.", nullable=True),
    ColumnSpec("unit_measure", "text", "Unit of obs_value.", vocabulary="unit_measure",
               default="PS"),
    ColumnSpec("unit_mult", "integer", "Power of ten the source's figures were published "
               "in (3 for thousands); obs_value is already multiplied.", default="0"),
    ColumnSpec("obs_status", "text", "Observation status (SDMX CL_OBS_STATUS).",
               vocabulary="obs_status", default="A"),
    ColumnSpec("conf_status", "text", "Confidentiality status (SDMX CL_CONF_STATUS).",
               vocabulary="conf_status", default="F"),
    ColumnSpec("obs_flags", "text", "The flags or symbols exactly as the source wrote them.",
               default=""),
    ColumnSpec("obs_count", "integer", "Number of source records behind the observation "
               "(record-level sources); empty for published tables.", nullable=True),
    ColumnSpec("caveats", "text", "Caveat codes, separated by ';'. A code with a bracket "
               "names its detail, e.g. source-note[12]; the texts are in the metadata.",
               default=""),
    ColumnSpec("source_id", "text", "Identifier of the crosswalk that produced the row.",
               key=True),
    ColumnSpec("source_ref", "text", "Where the value came from: sheet and cell "
               "(Table 1!L81), or row and column for text files (row 12, column E)."),
)

BY_NAME: dict[str, ColumnSpec] = {c.name: c for c in COLUMNS}
NAMES: tuple[str, ...] = tuple(BY_NAME)
#: Columns that identify an observation (crosswalk-declared breakdowns are added).
KEY: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.key)
#: Dimensions whose codes come from the vocabulary.
CODED: tuple[str, ...] = tuple(c.name for c in COLUMNS if c.vocabulary)
#: Separator of caveat codes inside the ``caveats`` column.
CAVEAT_SEP = ";"


#: Text columns held as ``category``: codes are few and rows are many, so each column is
#: an array of small integers plus its distinct codes (sorted, so that sorting the column
#: sorts by code). ``time_period`` (compared with ``<``) and ``source_ref`` (one value per
#: row) stay ``str``. Breakdown columns a crosswalk adds are categorical too.
CATEGORICAL: frozenset[str] = frozenset(
    c.name for c in COLUMNS if c.kind == "text" and c.name not in ("time_period", "source_ref"))


def dtype(spec: ColumnSpec) -> Any:
    """The pandas dtype of a canonical column.

    >>> dtype(BY_NAME["unit_mult"]), dtype(BY_NAME["sex"]), dtype(BY_NAME["time_period"])
    ('Int64', 'category', <StringDtype(na_value=nan)>)
    """
    import pandas as pd

    if spec.kind == "integer":
        return "Int64"
    if spec.kind == "number":
        return "float64"
    if spec.name in CATEGORICAL:
        return "category"
    return pd.StringDtype(na_value=float("nan"))


def as_category(series: pd.Series) -> pd.Series:
    """*series* as a ``category`` column of text codes, categories sorted.

    Already categorical columns keep their codes (only the categories are sorted and
    unused ones dropped); text columns are factorized once.

    >>> import pandas as pd
    >>> as_category(pd.Series(["M", "F", "M"])).cat.categories.tolist()
    ['F', 'M']
    """
    import pandas as pd

    from ._frames import category_codes, codes_in_use

    if not isinstance(series.dtype, pd.CategoricalDtype):
        series = series.astype("str").astype("category")
    used = codes_in_use(category_codes(series), len(series.cat.categories))
    if not used.all():
        series = series.cat.remove_categories(series.cat.categories[~used])
    cats = series.cat.categories
    if cats.dtype != "str" or not cats.is_monotonic_increasing:
        texts = pd.Index([str(c) for c in cats], dtype="str")
        order = texts.argsort()
        series = series.cat.rename_categories(list(texts)).cat.reorder_categories(texts[order])
    return series


def decode(series: pd.Series) -> pd.Series:
    """A categorical column of text codes as ``str`` (other columns as they are),
    by one Arrow take of its categories: no Python string per row.

    >>> import pandas as pd
    >>> decode(pd.Series(pd.Categorical(["M", None, "F"]))).tolist()
    ['M', nan, 'F']
    """
    import pandas as pd
    import pyarrow as pa

    from ._frames import category_codes

    if not isinstance(series.dtype, pd.CategoricalDtype):
        return series
    # The codes as they are (8 or 16 bits for a few categories): Arrow takes by any
    # integer, where a cast to 32 bits made 4 MB of fresh memory per million rows.
    codes = category_codes(series)
    missing = codes < 0 if len(codes) and codes.min() < 0 else None
    cats = pa.array([str(c) for c in series.cat.categories], pa.large_string())
    texts = cats.take(pa.array(codes, mask=missing))
    return pd.Series(pd.array(texts, dtype=dtype(BY_NAME["time_period"])), index=series.index,
                     name=series.name)


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with its categorical code columns as ``str``, ready to be edited.

    A categorical column only takes values among its categories: setting a new code
    (``frame.loc[mask, "obs_status"] = "E"``) raises ``TypeError``, and two code columns
    of different results compare only once both are text. ``conform`` makes them
    categorical again.

    >>> import pandas as pd
    >>> frame = conform(pd.DataFrame({"sex": ["F", "M"], "obs_value": [1.0, 2.0]}))
    >>> text = as_text(frame)
    >>> text.loc[0, "sex"] = "_T"
    >>> text["sex"].tolist(), str(text["sex"].dtype)
    (['_T', 'M'], 'str')
    """
    from ._frames import _decoded

    return _decoded(frame)


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with every canonical and breakdown column in its canonical dtype.

    Analysis functions that build new frames (concatenations, aggregates) end with it,
    so that every canonical frame has the same dtypes, whatever made it.

    >>> import pandas as pd
    >>> frame = conform(empty().astype("str"))
    >>> str(frame["sex"].dtype), str(frame["obs_value"].dtype)
    ('category', 'float64')
    """
    import pandas as pd

    out = frame.copy(deep=False)
    for name in out.columns:
        spec = BY_NAME.get(name)
        if spec is None:
            if name in extra_dimensions(out):
                out[name] = as_category(out[name])
            continue
        if spec.name in CATEGORICAL:
            out[name] = as_category(out[name])
        elif spec.kind == "text" and isinstance(out[name].dtype, pd.CategoricalDtype):
            out[name] = decode(out[name])
        elif str(out[name].dtype) != str(dtype(spec)):
            out[name] = out[name].astype(dtype(spec))
    return out


def empty(extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """An empty canonical frame (with *extra* breakdown columns after ``age_high``).

    >>> frame = empty()
    >>> len(frame), list(frame.columns[:3])
    (0, ['ref_area', 'counterpart_area', 'time_period'])
    """
    import pandas as pd

    frame = pd.DataFrame({c.name: pd.Series(dtype=dtype(c)) for c in COLUMNS})
    return order(frame.assign(**{name: pd.Series(dtype="str").astype("category")
                                 for name in extra}), extra)


def order(frame: pd.DataFrame, extra: tuple[str, ...] = ()) -> pd.DataFrame:
    """*frame* with canonical columns in canonical order, extra breakdowns after ``pop_type``.

    >>> list(order(empty().iloc[:, ::-1]).columns) == list(NAMES)
    True
    """
    names = list(NAMES)
    at = names.index("pop_type") + 1
    names[at:at] = [e for e in extra if e not in BY_NAME]
    return frame[names]


#: Columns analysis functions add beside the canonical ones; they are not breakdowns.
ANNOTATIONS: tuple[str, ...] = ("comparability",)


def extra_dimensions(frame: pd.DataFrame) -> tuple[str, ...]:
    """Breakdown columns of *frame* that are not canonical (declared by its crosswalk).

    Label columns (``sex_label``) and annotations (``comparability``) are not breakdowns.

    >>> extra_dimensions(empty(("reason",)))
    ('reason',)
    """
    return tuple(c for c in frame.columns
                 if c not in BY_NAME and c not in ANNOTATIONS and not c.endswith("_label"))


def key(frame: pd.DataFrame) -> list[str]:
    """The key columns of *frame*: the canonical key plus its extra breakdowns.

    >>> key(empty())[:4]
    ['ref_area', 'counterpart_area', 'time_period', 'measure']
    """
    return [*KEY, *extra_dimensions(frame)]


@cache
def _schema(extra: tuple[str, ...], unique: bool = True) -> pa.DataFrameSchema:
    import pandera.pandas as pa

    from . import vocab

    columns: dict[str, pa.Column] = {}
    for spec in COLUMNS:
        checks = []
        # Codes are few and rows are many: each check tests the distinct codes once.
        if spec.vocabulary == "age":
            checks.append(pa.Check(each_code(_is_age_code), element_wise=False,
                                   name="age_code", error="not an SDMX age code",
                                   ignore_na=False))
        elif spec.vocabulary:
            known = frozenset(vocab.codes(spec.vocabulary))
            checks.append(pa.Check(each_code(known.__contains__), element_wise=False,
                                   name="isin", error=f"not a code of vocab/{spec.vocabulary}",
                                   ignore_na=False))
        if spec.name == "obs_value":
            checks.append(pa.Check(_not_negative, name="not_negative", error="negative value",
                                   ignore_na=False))
        if spec.name == "time_period":
            checks.append(pa.Check(each_code(_is_period), element_wise=False,
                                   name="str_matches", error="not an ISO 8601 period",
                                   ignore_na=False))
        columns[spec.name] = pa.Column(dtype(spec), checks=checks, nullable=spec.nullable,
                                       coerce=False)
    for name in extra:
        columns[name] = pa.Column("category", nullable=False)
    for name in ANNOTATIONS:
        columns[name] = pa.Column(dtype(BY_NAME["time_period"]), nullable=True, required=False)
    return pa.DataFrameSchema(
        columns, strict=True, ordered=False, name="migharmony canonical observations",
        unique=[*KEY, *extra] if unique else None,
        report_duplicates="all",
    )


#: An ISO 8601 period: a year, month, day, quarter, half-year or week, or a range of them.
_PERIOD = re.compile(
    r"\d{4}(-(\d{2}(-\d{2})?|Q[1-4]|S[12]|W\d{2}))?(/\d{4}(-\d{2}(-\d{2})?)?)?")


def each_code(test: Callable[[Any], bool]) -> Callable[[pd.Series], Any]:
    """A check applying *test* once per distinct value of a column (its categories,
    when categorical); missing values pass (``nullable`` is their test). It answers
    ``True`` when every value passes, else one answer per row.

    The checks are given ``ignore_na=False``: pandera would otherwise copy every column
    without its missing values first, which cost more than the check.

    >>> import pandas as pd
    >>> each_code({"F", "M"}.__contains__)(pd.Series(["F", "X", None, "F"])).tolist()
    [True, False, True, True]
    >>> each_code({"F", "M"}.__contains__)(pd.Series(["F", None, "M"], dtype="category"))
    True
    """

    def check(series: pd.Series) -> Any:
        import numpy as np
        import pandas as pd

        from ._frames import category_codes

        if isinstance(series.dtype, pd.CategoricalDtype):
            uniques: Any = series.cat.categories
            if all(test(u) for u in uniques):  # unused categories included: no row fails
                return True
            codes = category_codes(series)
        else:
            if _all_pass(series, test):
                return True
            codes, uniques = pd.factorize(series, use_na_sentinel=True)
        ok = np.fromiter((test(u) for u in uniques), dtype=bool, count=len(uniques))
        answer = np.append(ok, True)[codes]  # a missing value (-1) is nullable's business
        return pd.Series(answer, index=series.index)

    return check


def _all_pass(series: pd.Series, test: Callable[[Any], bool]) -> bool:
    """Whether every distinct value of *series* (a text column) but missing passes
    *test*: for Arrow text, through Arrow's hash of the values (no row codes made)."""
    chunked = getattr(series.array, "_pa_array", None)
    if chunked is None:
        return False  # the caller factorizes
    import pyarrow.compute as pc

    return all(test(u) for u in pc.unique(chunked).drop_null().to_pylist())


def _not_negative(values: pd.Series) -> Any:
    """True when no value is negative, else one answer per row (missing values pass)."""
    negative = values < 0
    return True if not negative.any() else ~negative


def _is_age_code(code: object) -> bool:
    from . import vocab

    return isinstance(code, str) and vocab.is_code("age", code)


def _is_period(code: object) -> bool:
    return isinstance(code, str) and _PERIOD.fullmatch(code) is not None


def schema(extra: tuple[str, ...] = ()) -> pa.DataFrameSchema:
    """The pandera schema of a canonical frame with *extra* breakdown columns.

    >>> import pandera.pandas as pa
    >>> isinstance(schema(), pa.DataFrameSchema)
    True
    """
    return _schema(tuple(extra))


def validate(frame: pd.DataFrame, *, unique: bool = True) -> pd.DataFrame:
    """Check *frame* against the canonical schema; every failure is collected.

    With ``unique=False`` duplicate keys are not checked (the pipeline reports
    them separately, naming both source cells).

    Returns the failure cases (empty when the frame conforms): one row per failing
    cell with ``column``, ``check``, ``value``, ``index`` and ``source_ref``.

    >>> from migharmony._doc_examples import west_africa
    >>> data = west_africa().data
    >>> len(validate(data))
    0
    >>> failures = validate(data.assign(obs_value=-data["obs_value"]))
    >>> failures[["column", "check"]].drop_duplicates().values.tolist()
    [['obs_value', 'negative value']]
    """
    import pandas as pd
    import pandera.errors as pe

    try:
        # inplace: the schema neither coerces nor fills, so pandera's deep copy of the
        # frame (every column, once per slice) would only cost memory and time.
        _schema(extra_dimensions(frame), unique).validate(frame, lazy=True, inplace=True)
    except pe.SchemaErrors as exc:
        cases = exc.failure_cases
        out = pd.DataFrame({
            "column": cases["column"].astype("str"),
            "check": cases["check"].astype("str"),
            "value": cases["failure_case"].astype("str"),
            "index": cases["index"],
        })
        refs = frame.get("source_ref", None)
        if refs is not None:
            idx = out["index"]
            known = idx.isin(frame.index)
            out["source_ref"] = pd.Series(pd.NA, index=out.index, dtype="str")
            out.loc[known, "source_ref"] = refs.reindex(idx[known]).to_numpy()
        return out
    return pd.DataFrame(columns=["column", "check", "value", "index", "source_ref"])
