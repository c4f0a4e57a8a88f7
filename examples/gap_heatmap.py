"""Which breakdowns by sex and age exist in UNHCR's demographic data, and which do not.

Harmonizes the bundled UNHCR Refugee Data Finder demographics extract (via HDX), asks
:func:`migharmony.gaps` how complete the sex and age breakdowns are for each country
of asylum, year and population type, and writes:

* ``unhcr_gaps.csv``: one row per country, year, population type and dimension, with
  the status (complete, partial, zero_filled, ...) and the reason in words;
* ``unhcr_gaps.png``: the gap heatmap for refugees (measure ``REF``).

Run: ``python examples/gap_heatmap.py [OUTPUT_FOLDER]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import migharmony
from migharmony.disaggregation import plot_gaps

HERE = Path(__file__).parent
TABLE = HERE / "data" / "unhcr_hdx_demographics.csv"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    result = migharmony.harmonize(TABLE, "unhcr-hdx-demographics")
    print(result.summary())
    gaps = migharmony.gaps(result, by=("sex", "age"))
    gaps.to_csv(out / "unhcr_gaps.csv", index=False)
    print(gaps.groupby(["measure", "dimension", "status"]).size().to_string())

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    refugees = gaps[gaps["measure"] == "REF"]
    fig, ax = plt.subplots(figsize=(7, 1.2 + 0.22 * refugees[["ref_area", "time_period"]]
                                    .drop_duplicates().shape[0]))
    plot_gaps(refugees, ax=ax)
    ax.set_title("Refugees by country of asylum and year: are sex and age given?\n"
                 "(UNHCR Refugee Data Finder via HDX)", fontsize=9)
    ax.tick_params(axis="y", labelsize=7)
    fig.tight_layout()
    fig.savefig(out / "unhcr_gaps.png", dpi=100)
    print(f"wrote {out / 'unhcr_gaps.csv'} and {out / 'unhcr_gaps.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path())
