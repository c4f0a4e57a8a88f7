"""Small harmonized results for the docstring examples (three West African countries).

The figures are the UN DESA IMS 2020 totals for 2020 (Table 1) with made-up splits by
sex and age; they only illustrate the functions. Each call harmonizes an in-memory
table with an in-memory crosswalk, as a user would:

>>> import pandas as pd
>>> import migharmony
>>> table = pd.DataFrame({"country": ["Senegal", "Mali"], "Total": [274929, 485829]})
>>> crosswalk = {
...     "migharmony": "crosswalk/1", "id": "example", "title": "Example",
...     "source": {"producer": "Example office", "licence": "CC0"},
...     "definitions": {"measure": "STOCK", "migr_basis": "COB"},
...     "read": {"header_rows": [1], "first_row": 2},
...     "columns": {"country": "country"},
...     "values": {"columns": ["Total"]},
...     "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}},
...                    "time_period": {"value": "2020"}}}
>>> migharmony.harmonize(table, crosswalk).data[["ref_area", "obs_value"]]
  ref_area  obs_value
0      SEN   274929.0
1      MLI   485829.0
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from .result import HarmonizedResult

_TOTALS = {"Senegal": 274929, "Mali": 485829, "Nigeria": 1308568}
_SHARE_MEN = {"Senegal": 0.47, "Mali": 0.49, "Nigeria": 0.54}
_AGES = {"0-14": 0.2, "15-64": 0.7, "65+": 0.1}


def _crosswalk(cid: str, basis: str, value_columns: list[str],
               dimensions: dict[str, Any]) -> dict[str, Any]:
    return {"migharmony": "crosswalk/1", "id": cid, "title": f"Example ({basis})",
            "source": {"producer": "migharmony documentation", "licence": "CC0"},
            "definitions": {"measure": "STOCK", "migr_basis": basis, "residence_rule": "_U",
                            "source_type": "MODEL",
                            "ref_date_type": "MIDYEAR"},
            "read": {"header_rows": [1], "first_row": 2},
            "columns": {"country": "country", **({"age": "age"} if "age" in dimensions
                                                 else {})},
            "values": {"columns": value_columns, "headers": {1: "sex"}},
            "dimensions": {"ref_area": {"from": "country", "areas": {"scheme": "name"}},
                           "sex": {"map": {"Total": "_T", "Men": "M", "Women": "F"}},
                           "time_period": {"value": "2020"}, **dimensions}}


def west_africa(basis: str = "COB", source_id: str | None = None) -> HarmonizedResult:
    """Senegal, Mali and Nigeria on 1 July 2020, by sex, counted on *basis*.

    >>> west_africa().data[["ref_area", "sex", "obs_value"]].head(3)
      ref_area sex  obs_value
    0      SEN  _T   274929.0
    1      SEN   M   129217.0
    2      SEN   F   145712.0
    """
    import pandas as pd

    from .pipeline import harmonize

    rows = []
    for country, total in _TOTALS.items():
        men = round(total * _SHARE_MEN[country])
        rows.append({"country": country, "Total": total, "Men": men, "Women": total - men})
    cw = _crosswalk(source_id or f"example-{basis.lower()}", basis,
                    ["Total", "Men", "Women"], {})
    return harmonize(pd.DataFrame(rows), cw)


def west_africa_ages() -> HarmonizedResult:
    """The same countries by sex and age band (0-14, 15-64, 65+, and all ages).

    >>> sorted(west_africa_ages().data["age"].unique())
    ['Y0T14', 'Y15T64', 'Y_GE65', '_T']
    """
    import pandas as pd

    from .pipeline import harmonize

    rows = []
    for country, total in _TOTALS.items():
        men = round(total * _SHARE_MEN[country])
        for band, share in {"Total": 1.0, **_AGES}.items():
            m = round(men * share)
            t = round(total * share)
            rows.append({"country": country, "age": band, "Total": t, "Men": m,
                         "Women": t - m})
    cw = _crosswalk("example-ages", "COB", ["Total", "Men", "Women"],
                    {"age": {"from": "age", "age": True}})
    return harmonize(pd.DataFrame(rows), cw)
