"""Generate large, realistic source tables for the benchmarks (not shipped, not in CI).

    PYTHONPATH=src python benchmarks/generate.py --kind long --rows 1000000 --out /tmp/x.csv

Two shapes, both as producers write them:

``long``
    a census-style long CSV, origin x destination x age x sex x year: one row per
    value. Country names come in English, French, Spanish, German and Portuguese,
    with footnote stars and as codes (the spellings of ``tests/data/area_labels.csv``,
    one spelling per country and role, so that keys stay unique); ``World`` rows
    are an aggregate the crosswalk excludes, ``Unknown`` origins map to ``_U``. Ages
    are ``0-4`` ... ``80-84``, ``85+``, ``Total``; sexes ``Both sexes``, ``Males``,
    ``Females``; values mostly small counts, with thousands separators (``12,345``,
    ``1 234``), glued flags (``1 234 p``, ``56e``) and symbols (``..``, ``-``).
    Matching crosswalk: ``benchmarks/crosswalks/long-census.yaml``.

``unhcr``
    the UNHCR demographics layout (``tests/data/unhcr_demographics_excerpt.csv``):
    one row per year x origin x asylum x population type, 15 value columns (age bands
    by sex, totals). ``--rows`` counts *cells* (values), i.e. 15 per source row.
    Matching crosswalk: ``benchmarks/crosswalks/unhcr-demographics.yaml``.

The output is deterministic for a given kind, size and seed.
"""

from __future__ import annotations

import argparse
from functools import cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CROSSWALKS = Path(__file__).resolve().parent / "crosswalks"
KINDS = ("long", "unhcr")

AGES = [f"{a}-{a + 4}" for a in range(0, 85, 5)] + ["85+", "Total"]
SEXES = ["Both sexes", "Males", "Females"]
PT = ["REF", "ASY", "IDP", "RET", "RDP", "OOC"]
UNHCR_PARTS = [f"{s}_{a}" for s in ("Female", "Male")
               for a in ("0_4", "5_11", "12_17", "18_59", "60", "Unknown", "total")] + ["Total"]


def crosswalk_for(kind: str) -> Path:
    """The benchmark crosswalk matching tables of *kind*."""
    return CROSSWALKS / {"long": "long-census.yaml", "unhcr": "unhcr-demographics.yaml"}[kind]


@cache
def area_spellings(seed: int = 7) -> tuple[list[str], list[str], list[str]]:
    """(codes, destination labels, origin labels): one resolvable spelling per country.

    Spellings are drawn from ``tests/data/area_labels.csv`` (every language and code
    system there) and kept only where ``migharmony.areas`` resolves them to the
    expected code, so that no two labels of one role mean the same country.
    """
    import numpy as np
    import pandas as pd

    from migharmony import areas

    table = pd.read_csv(ROOT / "tests" / "data" / "area_labels.csv", dtype=str,
                        keep_default_na=False)
    table = table[table["expected"].str.fullmatch(r"[A-Z]{3}")]
    got = areas.resolve(table["label"], errors="coerce")
    table = table[(got == table["expected"]).fillna(False).to_numpy()]
    rng = np.random.default_rng(seed)
    codes, dest, orig = [], [], []
    for code, group in table.groupby("expected", sort=True):
        labels = [*group["label"].tolist(), code]
        codes.append(str(code))
        dest.append(str(labels[rng.integers(len(labels))]))
        orig.append(str(labels[rng.integers(len(labels))]))
    return codes, dest, orig


def _values(rng: Any, n: int) -> Any:
    """Raw values as producers write them: mostly small counts, some formatted."""
    import numpy as np

    counts = np.floor(rng.lognormal(2.5, 2.2, n)).astype(np.int64)
    text = counts.astype(str).astype(object)
    kind = rng.random(n)
    big = counts >= 1000
    # thousands separators: comma, space or non-breaking space
    sep_comma = big & (kind < 0.45)
    sep_space = big & (kind >= 0.45) & (kind < 0.7)
    text[sep_comma] = [f"{v:,}" for v in counts[sep_comma]]
    text[sep_space] = [f"{v:,}".replace(",", " ") for v in counts[sep_space]]
    flag = rng.random(n)
    prov = flag < 0.03
    text[prov] = [f"{t} p" for t in text[prov]]
    est = (flag >= 0.03) & (flag < 0.05)
    text[est] = [f"{t}e" for t in text[est]]
    text[(flag >= 0.05) & (flag < 0.09)] = ".."
    text[(flag >= 0.09) & (flag < 0.10)] = "-"
    return text


def generate_long(rows: int, path: Path, seed: int = 2024) -> Path:
    """Write a long origin x destination x age x sex x year CSV of *rows* data rows."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    _, dest, orig = area_spellings()
    dest = ["World", *dest]
    orig = [*orig, "Unknown"]
    years = [str(y) for y in range(1990, 2041)]
    radix = [len(dest), len(orig), len(years), len(SEXES), len(AGES)]
    total = int(np.prod(radix))
    if rows > total:
        raise ValueError(f"at most {total:,} distinct rows")
    chosen = np.sort(rng.choice(total, size=rows, replace=False)) if rows < total \
        else np.arange(total)
    parts = []
    rest = chosen
    for size in reversed(radix):
        parts.append(rest % size)
        rest = rest // size
    i_age, i_sex, i_year, i_orig, i_dest = parts
    frame = pd.DataFrame({
        "Country of residence": pd.Categorical.from_codes(i_dest, dest),
        "Country of birth": pd.Categorical.from_codes(i_orig, orig),
        "Year": pd.Categorical.from_codes(i_year, years),
        "Sex": pd.Categorical.from_codes(i_sex, SEXES),
        "Age group": pd.Categorical.from_codes(i_age, AGES),
        "Persons": _values(rng, rows),
    })
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def generate_unhcr(rows: int, path: Path, seed: int = 2024) -> Path:
    """Write a UNHCR demographics CSV with about *rows* value cells (15 per row)."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    codes, _, _ = area_spellings()
    origins = [*codes, "UKN", "STA"]
    years = [str(y) for y in range(1951, 2041)]
    n = -(-rows // len(UNHCR_PARTS))
    radix = [len(years), len(origins), len(codes), len(PT)]
    total = int(np.prod(radix))
    if n > total:
        raise ValueError(f"at most {total * len(UNHCR_PARTS):,} cells")
    chosen = np.sort(rng.choice(total, size=n, replace=False))
    parts = []
    rest = chosen
    for size in reversed(radix):
        parts.append(rest % size)
        rest = rest // size
    i_pt, i_asy, i_orig, i_year = parts
    frame = pd.DataFrame({
        "Year": pd.Categorical.from_codes(i_year, years),
        "ISO3CoO": pd.Categorical.from_codes(i_orig, origins),
        "ISO3CoA": pd.Categorical.from_codes(i_asy, codes),
        "PT": pd.Categorical.from_codes(i_pt, PT),
        "location": "", "urbanRural": "", "accommodationType": "",
    })
    # Sex-and-age parts that add up, or only the total (all parts 0) for a third of rows.
    bands = np.floor(rng.lognormal(2.0, 2.0, (n, 12))).astype(np.int64)
    bands[rng.random(n) < 0.33] = 0
    female, male = bands[:, :6], bands[:, 6:]
    f_total, m_total = female.sum(axis=1), male.sum(axis=1)
    total_col = f_total + m_total
    only_total = total_col == 0
    total_col[only_total] = np.floor(rng.lognormal(3.0, 2.0, int(only_total.sum()))) + 1
    columns = [*female.T, f_total, *male.T, m_total, total_col]
    for name, col in zip(UNHCR_PARTS, columns, strict=True):
        frame[name] = col
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False)
    return path


def generate(kind: str, rows: int, path: Path, seed: int = 2024) -> Path:
    """Write a table of *kind* with *rows* values to *path* (CSV, or Parquet by suffix)."""
    if path.suffix == ".parquet":
        import pandas as pd

        csv = generate(kind, rows, path.with_suffix(".csv"), seed)
        frame = pd.read_csv(csv, dtype="str", keep_default_na=False)
        frame.to_parquet(path, index=False)
        return path
    if kind == "long":
        return generate_long(rows, path, seed)
    if kind == "unhcr":
        return generate_unhcr(rows, path, seed)
    raise ValueError(f"kind must be one of {KINDS}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=KINDS, default="long")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    path = generate(args.kind, args.rows, args.out, args.seed)
    print(f"{path} ({path.stat().st_size / 1e6:,.1f} MB); crosswalk {crosswalk_for(args.kind)}")


if __name__ == "__main__":
    main()
