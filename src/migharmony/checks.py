"""Consistency checks on a harmonized frame: findings are reported, never fixed.

:func:`check_consistency` returns one row per finding with a ``rule`` code, a
``severity`` (``error``, ``warning`` or ``info``), the observation it concerns,
the values compared, the ``source_refs`` of every cell involved and a message:

``negative-value`` (error)
    a count below zero;
``duplicate-key`` (error)
    several rows with one observation key;
``parts-exceed-total`` (error) / ``parts-below-total`` (warning; info for origins)
    parts of a breakdown (sexes; age bands that nest, by ``age_low``/``age_high``;
    origins) that do not add up to their total beyond *tolerance*; parts without a
    value are not compared (the sum would be a lower bound);
``stock-flow-balance`` (info)
    stock(t) + immigration(t) - emigration(t) differs from stock(t+1) by more than
    *balance_tolerance* of the stock (births, deaths and acquisitions of
    citizenship also move stocks, so this is a hint, not an error).

>>> import pandas as pd
>>> frame = pd.DataFrame({"ref_area": "SEN", "time_period": "2020", "measure": "STOCK",
...                       "sex": ["_T", "F", "M"], "obs_value": [10.0, 6.0, 5.0],
...                       "source_ref": ["B2", "C2", "D2"]})
>>> found = check_consistency(frame)
>>> print(found[["rule", "severity", "difference", "source_refs"]].to_string(index=False))
              rule severity  difference source_refs
parts-exceed-total    error         1.0  B2; C2; D2
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ._frames import TOTAL, as_frame, key_columns, require, text

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["FINDING_COLUMNS", "check_consistency"]

FINDING_COLUMNS: tuple[str, ...] = (
    "rule", "severity", "ref_area", "time_period", "measure", "source_id", "dimension",
    "where", "expected", "found", "difference", "source_refs", "message")
_NOT_PARTS = {"sex": {TOTAL, "_Z", "_N"}, "counterpart_area": {TOTAL, "_Z", "FOR"}}


def check_consistency(data: Any, *, tolerance: float = 0,
                      dims: tuple[str, ...] = ("sex", "age", "counterpart_area"),
                      balance_tolerance: float = 0.05) -> pd.DataFrame:
    """Every consistency finding in *data* (a frame or a result with ``.data``).

    *tolerance* is the absolute difference allowed between parts and their total
    (rounded sources: e.g. 0.5 x 10**unit_mult per part). Origins are compared
    only against ``_T`` and exclude ``FOR``; group codes among origins (regions)
    would be double counted and should be filtered first.
    """
    import pandas as pd

    frame = as_frame(data).reset_index(drop=True)
    require(frame, ("obs_value",), "check_consistency")
    if "source_ref" not in frame.columns:
        frame = frame.assign(source_ref="")
    found = [_negative(frame), _duplicates(frame)]
    for dim in dims:
        if dim in frame.columns:
            found.append(_parts_vs_total(frame, dim, tolerance))
    found.append(_balance(frame, balance_tolerance))
    out = pd.concat([f for f in found if not f.empty] or [_empty()], ignore_index=True)
    for column in FINDING_COLUMNS:
        if column not in out.columns:
            out[column] = pd.NA
    return out[list(FINDING_COLUMNS)].reset_index(drop=True)


def _empty() -> pd.DataFrame:
    import pandas as pd

    return pd.DataFrame(columns=list(FINDING_COLUMNS))


def _describe(frame: pd.DataFrame) -> pd.Series:
    keys = [c for c in key_columns(frame) if c not in
            ("ref_area", "time_period", "measure", "source_id")]
    described = text(frame[keys[0]]).radd(f"{keys[0]}=") if keys else text(frame.iloc[:, 0])
    for column in keys[1:]:
        described = described + f", {column}=" + text(frame[column])
    return described


def _base(frame: pd.DataFrame) -> pd.DataFrame:
    cols = [c for c in ("ref_area", "time_period", "measure", "source_id") if c in frame]
    return frame[cols].copy()


def _negative(frame: pd.DataFrame) -> pd.DataFrame:
    bad = frame[frame["obs_value"] < 0]
    out = _base(bad).assign(rule="negative-value", severity="error", where=_describe(bad),
                            found=bad["obs_value"], source_refs=text(bad["source_ref"]))
    out["message"] = "negative value " + bad["obs_value"].astype("str") + " at " + out[
        "source_refs"]
    return out


def _duplicates(frame: pd.DataFrame) -> pd.DataFrame:
    keys = key_columns(frame)
    dup = frame[frame.duplicated(keys, keep=False)]
    if dup.empty:
        return _empty()
    grouped = dup.groupby(keys, dropna=False, sort=True)
    first = grouped.head(1).reset_index(drop=True)
    refs = grouped["source_ref"].agg(lambda s: "; ".join(text(s))).reset_index(drop=True)
    out = _base(first).assign(rule="duplicate-key", severity="error", where=_describe(first),
                              source_refs=refs,
                              found=grouped.size().reset_index(drop=True))
    out["message"] = out["found"].astype("str") + " rows share one key (" + out["where"] + \
        "): " + refs
    return out


def _pairs(frame: pd.DataFrame, dim: str, group: list[str]) -> pd.DataFrame:
    """(group..., whole, part) pairs: which codes of *dim* add up to which total."""
    import pandas as pd

    codes = frame[dim].astype("str")
    if dim != "age":
        parts = frame.loc[~codes.isin(_NOT_PARTS.get(dim, {TOTAL})), [*group, dim]]
        return parts.drop_duplicates().rename(columns={dim: "_part"}).assign(_whole=TOTAL)
    from .ages import SPECIAL_AGES, _band, _tiling

    signature = codes.groupby([frame[c] for c in group], dropna=False).unique().map(
        lambda v: "|".join(sorted(v)))
    rows: list[tuple[str, str, str]] = []
    for sig in signature.unique():
        present = sig.split("|")
        bands = [_band(c) for c in present if c not in SPECIAL_AGES]
        wholes = [*bands, *([_band(TOTAL)] if TOTAL in present else [])]
        for whole in wholes:
            tiles = _tiling(whole, [b for b in bands if b != whole])
            if tiles is None or (len(tiles) < 2 and whole.code != TOTAL):
                continue
            extra = ["_U"] if whole.code == TOTAL and "_U" in present else []
            rows.extend((sig, whole.code, p) for p in [*(t.code for t in tiles), *extra])
    plan = pd.DataFrame(rows, columns=["_sig", "_whole", "_part"])
    keyed = signature.rename("_sig").reset_index()
    return keyed.merge(plan, on="_sig").drop(columns="_sig")


def _parts_vs_total(frame: pd.DataFrame, dim: str, tolerance: float) -> pd.DataFrame:
    group = [c for c in key_columns(frame) if c != dim]
    pairs = _pairs(frame, dim, group)
    if pairs.empty:
        return _empty()
    parts = frame.merge(pairs, left_on=[*group, dim], right_on=[*group, "_part"])
    g = parts.groupby([*group, "_whole"], dropna=False)
    summed = g["obs_value"].sum(min_count=1).rename("found").to_frame()
    summed["_complete"] = g["obs_value"].apply(lambda s: bool(s.notna().all()))
    summed["_refs"] = g["source_ref"].agg(lambda s: "; ".join(text(s)))
    summed["_n"] = g.size()
    summed["_codes"] = g[dim].agg(lambda s: "+".join(map(str, s)))
    summed = summed.reset_index()
    wholes = frame.rename(columns={dim: "_whole"})[[*group, "_whole", "obs_value",
                                                    "source_ref"]]
    both = summed.merge(wholes, on=[*group, "_whole"], how="inner")
    both = both[both["_complete"] & both["obs_value"].notna() & (both["_n"] > 1)]
    both["difference"] = both["found"] - both["obs_value"]
    both = both[both["difference"].abs() > tolerance]
    if both.empty:
        return _empty()
    over = both["difference"] > 0
    out = _base(both)
    out["rule"] = over.map({True: "parts-exceed-total", False: "parts-below-total"})
    below = "info" if dim == "counterpart_area" else "warning"
    out["severity"] = over.map({True: "error", False: below})
    out["dimension"] = dim
    out["where"] = _describe(both.drop(columns=["_whole"]).assign(**{dim: both["_whole"]}))
    out["expected"] = both["obs_value"]
    out["found"] = both["found"]
    out["difference"] = both["difference"]
    out["source_refs"] = text(both["source_ref"]) + "; " + both["_refs"]
    out["message"] = (both["_codes"] + " add up to " + both["found"].astype("str") + ", not "
                      + both["_whole"] + " " + both["obs_value"].astype("str") + " ("
                      + out["where"] + ")")
    return out


def _balance(frame: pd.DataFrame, balance_tolerance: float) -> pd.DataFrame:
    import pandas as pd

    needed = {"STOCK", "IMM", "EMI"}
    if "measure" not in frame or not needed <= set(frame["measure"].astype("str")):
        return _empty()
    yearly = frame[frame["time_period"].astype("str").str.fullmatch(r"\d{4}")]
    keys = [c for c in key_columns(frame) if c not in ("measure", "source_id", "time_period")]
    wide = yearly.pivot_table(index=[*keys, "time_period"], columns="measure",
                              values="obs_value", aggfunc="sum")
    refs = yearly.pivot_table(index=[*keys, "time_period"], columns="measure",
                              values="source_ref", aggfunc="first")
    if not needed <= set(wide.columns):
        return _empty()
    wide = wide.reset_index()
    wide["_year"] = wide["time_period"].astype(int)
    nxt = wide[[*keys, "_year", "STOCK"]].rename(columns={"STOCK": "_next"})
    nxt["_year"] -= 1
    both = wide.merge(nxt, on=[*keys, "_year"])
    both["expected"] = both["STOCK"] + both["IMM"] - both["EMI"]
    both["difference"] = both["_next"] - both["expected"]
    bad = both[both["difference"].abs() > balance_tolerance * both["STOCK"].abs()]
    if bad.empty:
        return _empty()
    refs = refs.reset_index()
    bad = bad.merge(refs.rename(columns={m: f"_ref_{m}" for m in needed if m in refs}),
                    on=[*keys, "time_period"], how="left")
    out = pd.DataFrame({
        "rule": "stock-flow-balance", "severity": "info",
        "ref_area": bad["ref_area"], "time_period": bad["time_period"], "measure": "STOCK",
        "expected": bad["expected"], "found": bad["_next"], "difference": bad["difference"],
        "source_refs": text(bad.get("_ref_STOCK", pd.Series("", index=bad.index))),
    })
    out["where"] = _describe(bad)
    out["message"] = ("stock " + bad["time_period"] + " + immigration - emigration = "
                      + bad["expected"].astype("str") + ", but the next stock is "
                      + bad["_next"].astype("str") + " (" + out["where"] + ")")
    return out
