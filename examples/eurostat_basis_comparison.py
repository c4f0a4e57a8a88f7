"""Foreign-born or foreign citizens: two Eurostat counts of the same population.

Harmonizes the bundled Eurostat tables ``migr_pop1ctz`` (foreign citizens, stateless
included) and ``migr_pop3ctb`` (people born abroad), compares them country by country
with :func:`migharmony.compare`, and writes:

* ``basis_comparison.csv``: one row per country and year (1 January) with both counts,
  the ratio foreign-born / foreign citizens, both sources' flags and caveats;
* ``basis_comparison.png``: 1 January 2020, both counts per country, sorted by ratio.

Run: ``python examples/eurostat_basis_comparison.py [OUTPUT_FOLDER]``
"""

from __future__ import annotations

import sys
from pathlib import Path

import migharmony

HERE = Path(__file__).parent / "data"


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    citizens = migharmony.harmonize(HERE / "eurostat_migr_pop1ctz.json",
                                    "eurostat-migr_pop1ctz")
    foreign_born = migharmony.harmonize(HERE / "eurostat_migr_pop3ctb.json",
                                        "eurostat-migr_pop3ctb")
    pair = migharmony.compare(citizens, foreign_born, on=("ref_area", "time_period"))
    pair = pair.rename(columns={"value_a": "foreign_citizens", "value_b": "foreign_born"})
    pair["country"] = pair["ref_area"].map(migharmony.areas.label)
    pair["born_abroad_per_foreign_citizen"] = (pair["foreign_born"]
                                               / pair["foreign_citizens"]).round(3)
    table = pair[["country", "ref_area", "time_period", "foreign_citizens", "foreign_born",
                  "born_abroad_per_foreign_citizen", "obs_status_a", "obs_status_b",
                  "caveats_a", "caveats_b", "same_definition"]]
    table.to_csv(out / "basis_comparison.csv", index=False)

    y2020 = table[(table["time_period"] == "2020") & (table["ref_area"] != "EU27_2020")]
    y2020 = y2020.dropna(subset=["foreign_citizens", "foreign_born"]).sort_values(
        "born_abroad_per_foreign_citizen")
    germany = y2020[y2020["ref_area"] == "DEU"].iloc[0]
    print(f"Germany, 1 January 2020: {germany['foreign_born']:,.0f} born abroad, "
          f"{germany['foreign_citizens']:,.0f} foreign citizens")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 9))
    y = range(len(y2020))
    ax.barh([i + 0.2 for i in y], y2020["foreign_born"] / 1e6, height=0.4,
            label="born abroad (COB, migr_pop3ctb)")
    ax.barh([i - 0.2 for i in y], y2020["foreign_citizens"] / 1e6, height=0.4,
            label="foreign citizens (CIT, migr_pop1ctz)")
    ax.set_yticks(list(y), [f"{c} ({r:.2f})" for c, r in
                            zip(y2020["ref_area"], y2020["born_abroad_per_foreign_citizen"],
                                strict=True)], fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("persons on 1 January 2020 (millions, log scale)")
    ax.set_title("Two counts of migrants: born abroad vs foreign citizens (Eurostat)\n"
                 "in brackets: born abroad per foreign citizen", fontsize=9)
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(out / "basis_comparison.png", dpi=100)
    print(f"wrote {out / 'basis_comparison.csv'} and {out / 'basis_comparison.png'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path())
