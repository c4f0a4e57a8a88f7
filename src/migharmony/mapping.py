"""Map a source's labels to vocabulary codes, one dimension at a time.

A crosswalk's ``dimensions`` section gives, per dimension, where its labels come
from and how they translate, tried in this order:

1. ``exclude``: labels whose cells are set aside with a reason (aggregates...);
2. ``map``: explicit label -> code (matching ignores case and repeated spaces);
3. ``regex``: ordered patterns, first match wins, ``\\1`` inserts a capture group,
   ``valid_from``/``valid_to`` limit a rule to periods (as SDMX representation maps);
4. ``areas``: country and area resolution (:mod:`migharmony.areas`);
5. ``age: true``: age labels such as ``0-4``, ``65+``, ``65 and over``;
6. otherwise a label that already is a code of the dimension's vocabulary.

A label nothing maps is never guessed: its cells are rejected with a reason that
says which key of the crosswalk to add. Mapping runs on distinct labels only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .crosswalk import AREA_DIMENSIONS, Crosswalk

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Mapped", "map_dimension", "normalise_label"]


def normalise_label(label: str) -> str:
    """The form labels are compared in: case-folded, spaces collapsed.

    >>> normalise_label("  International  migrant stock, MALES ")
    'international migrant stock, males'
    """
    return " ".join(str(label).split()).casefold()


@dataclass
class Mapped:
    """Codes for one dimension, aligned with the cells; ``reason`` is set where no code."""

    codes: pd.Series  # str, NA where unmapped or excluded
    reason: pd.Series  # str, NA where mapped
    rule: pd.Series  # "unmapped-<dim>" or "excluded-<dim>", NA where mapped
    report: pd.DataFrame  # one row per distinct label: label, code, how, reason


def _period_start(period: str) -> str:
    match = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", period or "")
    if not match:
        return ""
    return f"{match.group(1)}-{match.group(2) or '01'}-{match.group(3) or '01'}"


def _regex_code(rules: list[Mapping[str, Any]], label: str, period: str) -> str | None:
    start = _period_start(period)
    for rule in rules:
        match = re.search(rule["pattern"], label)
        if not match:
            continue
        if start and rule.get("valid_from") and start < str(rule["valid_from"]):
            continue
        if start and rule.get("valid_to") and start > str(rule["valid_to"]):
            continue
        return match.expand(rule["code"])
    return None


def _excluded(spec: Mapping[str, Any], label: str) -> str | None:
    for rule in spec.get("exclude", []):
        values = {normalise_label(str(v)) for v in rule.get("values", [])}
        if normalise_label(label) in values or (
                rule.get("pattern") and re.search(rule["pattern"], label)):
            return " ".join(str(rule["reason"]).split())
    return None


@dataclass
class _Outcome:
    """How one distinct label maps: a code, or a reason and rule why not."""

    code: str | None = None
    how: str = ""
    reason: str | None = None
    rule: str | None = None


def map_dimension(dim: str, labels: pd.Series, crosswalk: Crosswalk,
                  periods: pd.Series | None = None,
                  context: Sequence[str] = (),
                  memo: dict[tuple[str, str], Any] | None = None) -> Mapped:
    """Codes of *dim* for each label in *labels* (see the module docstring for the order).

    *context* lists further labels of the same table (when *labels* is a part of it):
    area names whose meaning depends on the other areas present are read with them.
    *memo* keeps the outcome of each (label, period) between the parts of one table."""
    import pandas as pd

    from ._frames import distinct

    spec = crosswalk.dimensions().get(dim, {})
    uses_dates = any("valid_from" in r or "valid_to" in r for r in spec.get("regex", []))
    if uses_dates and periods is not None:
        keys = pd.MultiIndex.from_arrays([labels.astype("str").fillna(""),
                                          periods.astype("str").fillna("")])
        codes_idx, uniques = pd.factorize(keys)
        pairs = [(str(a), str(b)) for a, b in uniques]
    else:
        codes_idx, texts = distinct(labels)
        pairs = [(t, "") for t in texts]

    explicit, vocabulary = _explicit(spec), _vocabulary_of(dim, spec)
    memo = {} if memo is None else memo
    known = [memo.get(pair) for pair in pairs]
    outcomes = [o if o is not None else _map_one(dim, spec, label, period, explicit, vocabulary)
                for o, (label, period) in zip(known, pairs, strict=True)]
    pending = [i for i, o in enumerate(outcomes) if o is None]
    if pending:
        wanted = [pairs[i][0] for i in pending]
        others = sorted(set(context) - set(wanted))  # the rest of the table, as context
        for i, outcome in zip(pending, _resolve_areas(dim, spec, wanted + others), strict=False):
            outcomes[i] = outcome
    done = [o if o is not None else _Outcome() for o in outcomes]
    memo.update(zip(pairs, done, strict=True))
    return _spread(done, [p[0] for p in pairs], codes_idx, labels.index)


def joined_reports(reports: Sequence[Mapping[str, pd.DataFrame]]) -> dict[str, pd.DataFrame]:
    """The mapping reports of the parts of one table (slices, batches) as one: per
    dimension, each label's outcome once, in the order the parts first gave it.

    >>> import pandas as pd
    >>> one = {"sex": pd.DataFrame({"label": ["Men"], "code": ["M"]})}
    >>> two = {"sex": pd.DataFrame({"label": ["Women", "Men"], "code": ["F", "M"]})}
    >>> joined_reports([one, two])["sex"]["label"].tolist()
    ['Men', 'Women']
    """
    import pandas as pd

    if not reports:
        return {}
    return {dim: pd.concat([r[dim] for r in reports], ignore_index=True)
            .drop_duplicates(ignore_index=True) for dim in reports[0]}


def _area_context(cells: pd.DataFrame, crosswalk: Crosswalk) -> dict[str, list[str]] | None:
    """Per dimension resolved as area names, the labels of *cells* read so, to give as
    *context* to :func:`map_dimension` over a part of the same table. None when one of
    them would depend on the period (dated regex rules): such a table is read whole.
    """
    from ._frames import texts_in_use

    context: dict[str, list[str]] = {}
    for dim, spec in crosswalk.dimensions().items():
        column = spec.get("from", dim)
        if spec.get("areas") is None or dim not in AREA_DIMENSIONS or column not in cells \
                or ("value" in spec and "from" not in spec):
            continue
        if any("valid_from" in r or "valid_to" in r for r in spec.get("regex", [])):
            return None
        explicit, vocabulary = _explicit(spec), _vocabulary_of(dim, spec)
        context[dim] = [label for label in sorted(texts_in_use(cells[column]))
                        if _map_one(dim, spec, label, "", explicit, vocabulary) is None]
    return context


def _explicit(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {normalise_label(k): v for k, v in spec.get("map", {}).items()}


def _map_one(dim: str, spec: Mapping[str, Any], label: str, period: str,
             explicit: Mapping[str, str], vocabulary: str | None) -> _Outcome | None:
    """The outcome for one distinct label; None when it waits for area resolution."""
    if (why := _excluded(spec, label)) is not None:
        return _Outcome(how="excluded", reason=why, rule=f"excluded-{dim}")
    key = normalise_label(label)
    if key in explicit:
        return _Outcome(code=explicit[key], how="map")
    if spec.get("regex") and (code := _regex_code(spec["regex"], label, period)) is not None:
        return _Outcome(code=code, how="regex")
    if spec.get("areas") is not None and dim in AREA_DIMENSIONS:
        return None
    if spec.get("age"):
        from .agebands import parse_age_label

        if (code := parse_age_label(label)) is not None:
            return _Outcome(code=code, how="age")
    text = label.strip()
    if vocabulary is not None and _is_code(vocabulary, text):
        return _Outcome(code=text, how="code")
    if vocabulary is None and dim not in AREA_DIMENSIONS and not spec.get("regex") \
            and not explicit and text:
        return _Outcome(code=text, how="as-is")
    return _Outcome(reason=_unmapped_reason(dim, label, spec, vocabulary),
                    rule=f"unmapped-{dim}")


def _spread(outcomes: list[_Outcome], labels: list[str], codes_idx: Any,
            index: pd.Index) -> Mapped:
    """The outcomes of the distinct labels taken back to every cell."""
    import numpy as np
    import pandas as pd

    from ._frames import codes_of, constant_codes

    code = pd.array([o.code for o in outcomes], dtype="str")
    reasons = [o.reason for o in outcomes]
    report = pd.DataFrame({
        "label": pd.array(labels, dtype="str"),
        "code": code,
        "how": pd.array([o.how for o in outcomes], dtype="str"),
        "reason": pd.array(reasons, dtype="str"),
    })
    take = np.asarray(codes_idx)
    # Categorical columns: one small integer per row, the codes once each.
    codes = codes_of([o.code for o in outcomes], take, index)
    if any(r is not None for r in reasons):
        reason = codes_of(reasons, take, index)
        rule = codes_of([o.rule for o in outcomes], take, index)
    else:  # every label mapped
        reason = constant_codes(None, index)
        rule = constant_codes(None, index)
    return Mapped(codes=codes, reason=reason, rule=rule, report=report)


def _vocabulary_of(dim: str, spec: Mapping[str, Any]) -> str | None:
    from .schema import BY_NAME

    if dim in BY_NAME:
        return BY_NAME[dim].vocabulary
    vocab_name = spec.get("vocabulary")
    return str(vocab_name) if vocab_name else None


def _is_code(vocabulary: str, label: str) -> bool:
    from . import vocab

    return bool(label) and vocab.is_code(vocabulary, label)


def _unmapped_reason(dim: str, label: str, spec: Mapping[str, Any],
                     vocabulary: str | None) -> str:
    from .errors import did_you_mean

    if not label.strip():
        return f"no {dim} label in this cell's row or column"
    hint = ""
    if vocabulary:
        from . import vocab

        near = did_you_mean(label.strip(), vocab.codes(vocabulary))
        hint = f" (a code of vocab/{vocabulary}, such as '{near[0]}'?)" if near else ""
    return (f"{dim} label '{label.strip()}' is not mapped by the crosswalk; add it under "
            f"dimensions.{dim}.map{hint}")


def _resolve_areas(dim: str, spec: Mapping[str, Any], labels: list[str]) -> list[_Outcome]:
    """Outcomes of area labels, resolved together (context such as "Congo" beside
    "Democratic Republic of the Congo" applies, as in a real table)."""
    from . import areas

    options = spec.get("areas") or {}
    report = areas.match(labels, lang=options.get("lang"), scheme=options.get("scheme", "auto"),
                         within=options.get("within"))
    outcomes = []
    for code, status, message in zip(report["code"], report["status"], report["message"],
                                     strict=True):
        if isinstance(code, str) and code:
            outcomes.append(_Outcome(code=code, how=f"areas:{status}"))
        else:
            outcomes.append(_Outcome(reason=f"{dim}: {message}", rule=f"unmapped-{dim}"))
    return outcomes
