"""The result of harmonizing one source: data, rejected cells and metadata.

>>> from migharmony.result import HarmonizedResult
>>> HarmonizedResult.__name__
'HarmonizedResult'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Problem

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from .crosswalk import Crosswalk

__all__ = ["HarmonizedResult", "build_metadata"]


def build_metadata(cw: Crosswalk, source: Any, grid: Any, *, notes: Mapping[str, str],
                   corrections: list[dict[str, Any]], n_data: int, n_rejected: int,
                   seconds: float, mapping: Mapping[str, Any]) -> dict[str, Any]:
    """The dataset metadata carried by a result, its frame and every file written.

    *mapping* is the mapping report of each dimension (a frame of its distinct source
    labels: ``label``, ``code``, ``how`` and, for a label set aside, ``reason``): it is
    kept as ``metadata["mapping"]``, the crosswalk as it read this table."""
    from . import __version__, vocab

    definitions = dict(cw.definitions)
    caveats = [{"code": c["code"], "title": vocab.label("caveat", c["code"]),
                "message": c.get("message") or vocab.caveat_message(c["code"])}
               for c in cw.data.get("caveats", [])]
    return {
        "source_id": cw.id,
        "title": cw.data.get("title", ""),
        "description": " ".join(str(cw.data.get("description", "")).split()),
        "source": {k: (" ".join(v.split()) if isinstance(v, str) else v)
                   for k, v in cw.source.items()},
        "source_file": str(source) if isinstance(source, str | Path) else "<DataFrame>",
        "sheet": getattr(grid, "sheet", None),
        "definitions": {k: (" ".join(v.split()) if isinstance(v, str) else v)
                        for k, v in definitions.items()},
        "caveats": caveats,
        "notes": dict(notes),
        "corrections": [{k: (str(v) if not isinstance(v, int | float | None) else v)
                         for k, v in c.items()} for c in corrections],
        "crosswalk": {"id": cw.id, "version": cw.version, "file": cw.name},
        "vocabulary_version": vocab.version(),
        "migharmony_version": __version__,
        "harmonized_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seconds": round(seconds, 3),
        "counts": {"data": n_data, "rejected": n_rejected, "cells": n_data + n_rejected},
        "mapping": mapping_metadata(mapping),
    }


def _mapping_rows(report: pd.DataFrame) -> list[dict[str, str]]:
    """Each distinct label of a dimension and what it became: label, code and how, with
    the reason when it was set aside (no code)."""
    import pandas as pd

    def text(value: Any) -> str:
        return "" if pd.isna(value) else str(value)

    rows = []
    for label, code, how, reason in zip(report["label"], report["code"], report["how"],
                                        report["reason"], strict=True):
        row = {"label": str(label), "code": text(code),
               "how": text(how) or ("" if text(code) else "unmapped")}
        if not pd.isna(reason):
            row["reason"] = str(reason)
        rows.append(row)
    return rows


def mapping_frame(mapping: Mapping[str, list[dict[str, str]]]) -> pd.DataFrame:
    """``metadata["mapping"]`` as one frame: dimension, label, code, how, reason."""
    import pandas as pd

    rows = [{"dimension": dim, "reason": "", **row}
            for dim, labels in mapping.items() for row in labels]
    return pd.DataFrame(rows, columns=["dimension", "label", "code", "how", "reason"],
                        dtype="str")


def mapping_metadata(report: Mapping[str, pd.DataFrame]) -> dict[str, list[dict[str, str]]]:
    """A mapping report (per dimension, a frame of labels and outcomes) as
    ``metadata["mapping"]`` gives it."""
    return {dim: _mapping_rows(frame) for dim, frame in report.items()}


@dataclass
class HarmonizedResult:
    """Harmonized observations (``data``), the cells set aside (``rejected``) and
    the dataset ``metadata`` (source, producer, licence, definitions, caveats, notes,
    corrections, crosswalk and vocabulary versions).

    >>> from migharmony._doc_examples import west_africa
    >>> result = west_africa()        # migharmony.harmonize(table, crosswalk)
    >>> result.data[["ref_area", "sex", "obs_value", "migr_basis", "source_ref"]].head(2)
      ref_area sex  obs_value migr_basis source_ref
    0      SEN  _T   274929.0        COB         B2
    1      SEN   M   129217.0        COB         C2
    >>> len(result.rejected), result.metadata["counts"]
    (0, {'data': 9, 'rejected': 0, 'cells': 9})
    """

    data: pd.DataFrame
    rejected: pd.DataFrame
    metadata: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    #: Every problem of every source cell (a cell may have several; ``rejected`` keeps
    #: its first): source_ref, column, rule, value, reason.
    cell_problems: pd.DataFrame | None = None

    # -- reading -------------------------------------------------------------
    @property
    def source_id(self) -> str:
        """The id of the crosswalk that made this result.

        >>> from migharmony._doc_examples import west_africa
        >>> west_africa().source_id
        'example-cob'
        """
        return str(self.metadata.get("source_id", ""))

    def caveats(self) -> pd.DataFrame:
        """Every caveat code used in ``data``, with its title, text and row count.

        >>> from migharmony._doc_examples import west_africa
        >>> west_africa("CIT").caveats()
        Empty DataFrame
        Columns: [caveat, title, message, rows]
        Index: []
        """
        import pandas as pd

        from . import vocab

        codes = self.data["caveats"].str.split(";").explode()
        counts = codes[codes.notna() & (codes != "")].value_counts()
        rows = [{"caveat": "(whole table) " + c["code"], "title": c["title"],
                 "message": c["message"], "rows": len(self.data)}
                for c in self.metadata.get("caveats", [])]
        for code, count in counts.items():
            base, _, detail = str(code).partition("[")
            detail = detail.rstrip("]")
            text = self.metadata.get("notes", {}).get(detail, "") if detail else ""
            rows.append({"caveat": code, "title": vocab.label("caveat", base)
                         if vocab.is_code("caveat", base) else base,
                         "message": text or (vocab.definition("caveat", base)
                                             if vocab.is_code("caveat", base) else ""),
                         "rows": int(count)})
        return pd.DataFrame(rows, columns=["caveat", "title", "message", "rows"])

    def mapping(self) -> pd.DataFrame:
        """What each distinct source label of each dimension became, and how: the
        crosswalk as it read this table (``metadata["mapping"]``). ``how`` is ``map``
        (the crosswalk's table), ``regex``, ``age``, ``code`` (already a vocabulary
        code), ``as-is``, ``areas:...`` (area resolution), ``excluded`` or
        ``unmapped``; a label set aside has no code and a ``reason``.

        >>> from migharmony._doc_examples import west_africa
        >>> west_africa().mapping()[["dimension", "label", "code", "how"]]
          dimension    label code          how
        0       sex    Total   _T          map
        1       sex      Men    M          map
        2       sex    Women    F          map
        3  ref_area  Senegal  SEN  areas:exact
        4  ref_area     Mali  MLI  areas:exact
        5  ref_area  Nigeria  NGA  areas:exact
        """
        return mapping_frame(self.metadata.get("mapping", {}))

    def explain(self, caveats: str) -> list[str]:
        """The texts behind one row's ``caveats`` value, one line per caveat.

        >>> from migharmony._doc_examples import west_africa
        >>> west_africa().explain("refugees-added;lower-bound[NGA]")  # doctest: +ELLIPSIS
        ['Refugees added: Refugee figures (UNHCR) were added ...', 'Lower bound: ...']
        """
        from . import vocab

        lines = []
        for code in filter(None, caveats.split(";")):
            base, _, detail = code.partition("[")
            detail = detail.rstrip("]")
            title = vocab.label("caveat", base) if vocab.is_code("caveat", base) else base
            text = self.metadata.get("notes", {}).get(detail) if detail else None
            lines.append(f"{title}: {text}" if text else
                         f"{title}: {vocab.definition('caveat', base)}"
                         if vocab.is_code("caveat", base) else title)
        return lines

    def summary(self) -> str:
        """A few lines saying what this is and what to watch for.

        >>> from migharmony._doc_examples import west_africa
        >>> print(west_africa().summary())
        Example (COB)
          source   : migharmony documentation, licence CC0
          measure  : STOCK, basis COB, residence rule _U, MODEL, reference date MIDYEAR
          rows     : 9 observations, 0 rejected cells (see .rejected)
          labels   : 6 read (map 3, areas:exact 3), 0 unmapped (see .mapping())
        """
        md = self.metadata
        src = md.get("source", {})
        defs = md.get("definitions", {})
        counts = md.get("counts", {})
        lines = [
            f"{md.get('title', '')}",
            f"  source   : {src.get('producer', '')}"
            + (f" ({src['edition']})" if src.get("edition") else "")
            + f", licence {src.get('licence', '')}",
            f"  measure  : {defs.get('measure')}, basis {defs.get('migr_basis')}, "
            f"residence rule {defs.get('residence_rule')}, {defs.get('source_type')}, "
            f"reference date {defs.get('reference_date', defs.get('ref_date_type'))}",
            f"  rows     : {counts.get('data', 0):,} observations, "
            f"{counts.get('rejected', 0):,} rejected cells (see .rejected)",
        ]
        mapping = self.mapping()
        if len(mapping):
            hows = mapping[mapping["code"] != ""]["how"].value_counts(sort=False)
            aside = mapping[mapping["code"] == ""]["how"].value_counts()
            lines.append(f"  labels   : {int(hows.sum()):,} read ("
                         + ", ".join(f"{how} {n:,}" for how, n in hows.items()) + "), "
                         + ", ".join(f"{aside.get(how, 0):,} {how}" for how in
                                     ("unmapped", *(["excluded"] if "excluded" in aside
                                                    else [])))
                         + " (see .mapping())")
        cav = self.caveats()
        if len(cav):
            lines.append("  caveats  : " + ", ".join(
                f"{c} ({n:,})" for c, n in zip(cav["caveat"].head(8), cav["rows"].head(8),
                                                 strict=True)))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<HarmonizedResult {self.source_id}>\n{self.summary()}"

    def _repr_html_(self) -> str:
        import html

        head = self.data.head(10).to_html(index=False, max_cols=14)
        return (f"<div><pre>{html.escape(self.summary())}</pre>{head}</div>")

    # -- writing -------------------------------------------------------------
    def to_parquet(self, path: str | Path) -> Path:
        """Parquet with the metadata embedded in the file (key ``migharmony``).

        >>> import tempfile, pathlib
        >>> from migharmony._doc_examples import west_africa
        >>> from migharmony.emit import read_parquet
        >>> path = west_africa().to_parquet(pathlib.Path(tempfile.mkdtemp()) / "stock.parquet")
        >>> read_parquet(path).attrs["migharmony"]["source"]["licence"]
        'CC0'
        """
        from .emit import write_parquet

        return write_parquet(self.data, path, self.metadata)

    def to_csv(self, path: str | Path) -> Path:
        """CSV plus a Frictionless ``datapackage.json`` beside it; returns the CSV path.

        >>> import tempfile, pathlib
        >>> from migharmony._doc_examples import west_africa
        >>> path = west_africa().to_csv(pathlib.Path(tempfile.mkdtemp()) / "stock.csv")
        >>> sorted(p.name for p in path.parent.iterdir())
        ['datapackage.json', 'stock.csv']
        """
        from .emit import write_csv

        return write_csv(self.data, path, self.metadata)

    def to_sdmx_csv(self, path: str | Path, *, dataflow: str | None = None) -> Path:
        """SDMX-CSV (version 2.0) that SDMX tools read back.

        >>> import tempfile, pathlib
        >>> from migharmony._doc_examples import west_africa
        >>> path = west_africa().to_sdmx_csv(pathlib.Path(tempfile.mkdtemp()) / "stock.sdmx.csv")
        >>> path.read_text(encoding="utf-8").splitlines()[0].split(",")[:4]
        ['STRUCTURE', 'STRUCTURE_ID', 'ACTION', 'REF_AREA']
        """
        from .emit import write_sdmx_csv

        return write_sdmx_csv(self.data, path, self.metadata, dataflow=dataflow)

    def to_excel(self, path: str | Path) -> Path:
        """A workbook with sheets data, rejected, caveats, metadata and mapping.

        >>> import tempfile, pathlib
        >>> from migharmony._doc_examples import west_africa
        >>> path = west_africa().to_excel(pathlib.Path(tempfile.mkdtemp()) / "stock.xlsx")
        >>> import openpyxl
        >>> openpyxl.load_workbook(path).sheetnames
        ['data', 'rejected', 'caveats', 'metadata', 'mapping']
        """
        from .emit import write_excel

        return write_excel(self, path)
