"""Migrant stock in West Africa, 1990-2020, with each country's counting basis.

Harmonizes the bundled UN DESA International Migrant Stock 2020 Table 1, keeps the
ECOWAS members as they were in 2020, and writes:

* ``west_africa_stock.csv``: one row per country and year, with the basis
  (foreign-born or citizens) and the caveats in words;
* ``west_africa_stock.png``: the series, solid for foreign-born counts, dashed for
  citizenship counts, a ring where refugees were added.

Run: ``python examples/undesa_west_africa.py [OUTPUT_FOLDER]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import migharmony

HERE = Path(__file__).parent
TABLE = HERE / "data" / "undesa_pd_2020_ims_stock_by_sex_and_destination.xlsx"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result = migharmony.harmonize(TABLE, "undesa-ims-2020-t1")
    print(result.summary())
    members = migharmony.areas.members("ECOWAS", on="2020-07-01")
    data = result.data
    wa = data[data["ref_area"].isin(members) & (data["sex"] == "_T")].copy()
    wa["country"] = wa["ref_area"].map(migharmony.areas.label)
    wa["caveats_in_words"] = wa["caveats"].map(lambda c: " | ".join(result.explain(c)))
    table = wa[["country", "ref_area", "time_period", "obs_value", "migr_basis", "caveats",
                "caveats_in_words", "source_ref"]].sort_values(["country", "time_period"])
    table.to_csv(out / "west_africa_stock.csv", index=False)
    print(table.pivot(index="country", columns="time_period", values="obs_value")
          .astype("Int64").to_string())

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(9, 6))
    for code, group in wa.groupby("ref_area"):
        rows = group.sort_values("time_period")
        basis = rows["migr_basis"].iloc[-1]
        style = {"COB": "-", "CIT": "--"}.get(basis, ":")
        years = rows["time_period"].astype(int)
        ax.plot(years, rows["obs_value"] / 1e3, style, label=f"{code} ({basis})")
        added = rows["caveats"].str.contains("refugees-added")
        ax.scatter(years[added], rows.loc[added, "obs_value"] / 1e3, s=30,
                   facecolors="none", edgecolors="grey")
    ax.set_yscale("log")
    ax.set_ylabel("international migrants (thousands, log scale)")
    ax.set_title("ECOWAS members, 1 July: solid = foreign-born, dashed = citizens, "
                 ": = mixed;\nring = refugees added (UN DESA IMS 2020)", fontsize=9)
    ax.legend(ncol=3, fontsize=7)
    fig.tight_layout()
    fig.savefig(out / "west_africa_stock.png", dpi=100)
    print(f"wrote {out / 'west_africa_stock.csv'} and {out / 'west_africa_stock.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path.cwd())
