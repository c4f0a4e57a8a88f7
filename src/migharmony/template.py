"""Submission templates: the workbook an office fills in for a given crosswalk.

``write_template(crosswalk, path)`` writes an xlsx with

* an **Instructions** sheet: what to fill in, column by column, the symbols and
  flags the crosswalk understands, and how to check the file before sending it;
* the **data-entry sheet** the crosswalk reads (its name, header row and columns),
  with drop-down lists (data validation) of the valid codes in each coded column;
* a **Codes** sheet listing the valid codes with their labels (the drop-downs
  point at it).

Templates are written for crosswalks with one row per observation (one value
column, every dimension in a column of its own), such as the shipped
``nso-stock-template``. A filled template validates with the same crosswalk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CrosswalkError

if TYPE_CHECKING:  # pragma: no cover
    from .crosswalk import Crosswalk

__all__ = ["template_columns", "write_template"]

#: Common age codes offered in drop-downs (any other valid age code or label is accepted).
COMMON_AGES = ["_T", "Y_LT15", "Y15T64", "Y_GE65", "Y0T4", "Y5T9", "Y10T14", "Y15T19",
               "Y20T24", "Y25T29", "Y30T34", "Y35T39", "Y40T44", "Y45T49", "Y50T54",
               "Y55T59", "Y60T64", "Y65T69", "Y70T74", "Y_GE75", "_U"]

_TITLES = {"ref_area": "Area", "counterpart_area": "Partner area", "time_period": "Year",
           "sex": "Sex", "age": "Age", "migr_basis": "Basis"}


@dataclass
class _Column:
    letter: str
    name: str
    header: str
    help: str
    codes: list[tuple[str, str]] | None = None
    strict: bool = True
    kind: str = "text"


def _area_codes(scheme: str) -> list[tuple[str, str]]:
    try:
        from . import areas
    except ImportError:  # pragma: no cover - areas ships with migharmony
        return []
    candidates = sorted(set(areas.codes("country") + areas.codes("pseudo")))
    if scheme not in ("iso3", "auto"):
        return []
    # Offer only codes the crosswalk's own resolution accepts as themselves.
    found = areas.match(candidates, scheme=scheme)  # type: ignore[arg-type]
    codes = found["code"].fillna("").tolist()
    return [(c, areas.label(c)) for c, code in zip(candidates, codes, strict=True) if code == c]


def _vocab_codes(dimension: str) -> list[tuple[str, str]]:
    from . import vocab

    return [(c, vocab.label(dimension, c)) for c in vocab.codes(dimension)]


def template_columns(cw: Crosswalk) -> list[_Column]:
    """The columns of the data-entry sheet, in order, with their codes."""
    from .read import column_index
    from .schema import BY_NAME

    values = cw.section("values")
    if values.get("headers"):
        raise CrosswalkError(
            f"{cw.id} spreads its values across columns under header rows; templates are "
            "written for crosswalks with one row per observation, such as "
            "nso-stock-template (`migharmony template -c nso-stock-template`)")
    value_spec = values.get("columns")
    if isinstance(value_spec, list):
        if len(value_spec) != 1:
            raise CrosswalkError(f"{cw.id}: a template needs exactly one value column")
        value_spec = value_spec[0]
    value_spec = str(value_spec)
    letters = {str(k): str(v) for k, v in cw.section("columns").items()}
    if not all(k.isalpha() and k.isupper() for k in [*letters, value_spec]):
        raise CrosswalkError(f"{cw.id}: templates need columns given as letters (A, B, ...)")
    used_by: dict[str, tuple[str, Mapping[str, Any]]] = {}
    for dim, spec in cw.dimensions().items():
        if "from" in spec:
            used_by[str(spec["from"])] = (dim, spec)
    rows = {str(r["from"]): r for r in cw.data.get("rows", [])}
    flag_col = values.get("flags")

    out: list[_Column] = []
    for letter, name in letters.items():
        if name in used_by:
            dim, spec = used_by[name]
            header = _TITLES.get(dim, dim.replace("_", " ").capitalize())
            if spec.get("areas") is not None:
                scheme = (spec.get("areas") or {}).get("scheme", "auto")
                codes = _area_codes(scheme)
                out.append(_Column(letter, name, f"{header} ({scheme.upper()} code)",
                                   f"the {header.lower()}, as an {scheme.upper()} code "
                                   "(e.g. NGA for Nigeria); pick from the list",
                                   codes or None))
            elif spec.get("map"):
                out.append(_Column(letter, name, header, f"the {header.lower()}",
                                   [(str(k), str(v)) for k, v in spec["map"].items()]))
            elif dim == "time_period":
                out.append(_Column(letter, name, header, "the reference year, e.g. 2020",
                                   kind="year"))
            elif dim == "age" or spec.get("age"):
                out.append(_Column(letter, name, header,
                                   "an age code (_T all ages, Y15T64, Y_GE65...) or a label "
                                   "such as 0-4, 65+", [(c, _age_label(c)) for c in COMMON_AGES],
                                   strict=False))
            elif dim in BY_NAME and BY_NAME[dim].vocabulary:
                out.append(_Column(letter, name, header, f"the {header.lower()} code",
                                   _vocab_codes(str(BY_NAME[dim].vocabulary))))
            else:
                out.append(_Column(letter, name, header, f"the {header.lower()}"))
        elif name in rows:
            labels = [str(k) for k in rows[name]["map"] if str(k).strip()]
            descr = [_row_label(rows[name]["map"][k]) for k in labels]
            out.append(_Column(letter, name, _TITLES.get(name, name.capitalize()),
                               f"one of {', '.join(labels)}", list(zip(labels, descr,
                                                                       strict=True))))
        elif name == flag_col:
            flags = cw.section("flags")
            out.append(_Column(letter, name, "Flag", "optional: a flag for the value",
                               [(str(k), _row_label(v)) for k, v in flags.items()]))
        else:
            out.append(_Column(letter, name, name.replace("_", " ").capitalize(),
                               "free text"))
    symbols = ", ".join(f"'{s}'" for s in cw.section("symbols"))
    out.append(_Column(value_spec, "value", "Value",
                       "the number of people (no thousands separators)"
                       + (f"; if not available, one of {symbols}" if symbols else ""),
                       kind="value"))
    out.sort(key=lambda c: column_index(c.letter))
    return out


def _age_label(code: str) -> str:
    from . import vocab

    try:
        return vocab.label("age", code)
    except Exception:  # pragma: no cover - every listed code is valid
        return code


def _row_label(setting: Any) -> str:
    from . import vocab

    if not isinstance(setting, Mapping):
        return ""
    parts = []
    if "migr_basis" in setting:
        parts.append(vocab.label("migr_basis", setting["migr_basis"]))
    if "obs_status" in setting:
        parts.append(vocab.label("obs_status", setting["obs_status"]))
    return "; ".join(parts)


def write_template(crosswalk: Any, path: str | Path, *, rows: int = 500) -> Path:
    """Write the submission template of *crosswalk* to *path* (xlsx)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    from .crosswalk import load
    from .emit import atomic_path

    cw = load(crosswalk)
    read = cw.section("read")
    if read.get("format", "xlsx") not in ("xlsx", "auto"):
        raise CrosswalkError(f"{cw.id} reads {read.get('format')} files; templates are xlsx")
    columns = template_columns(cw)
    sheet_name = str(read.get("sheet") or "Data")
    header_rows = [int(r) for r in read.get("header_rows", [1])]
    header_row = header_rows[-1]
    first = int(read.get("first_row", header_row + 1))
    last = first + rows - 1

    book = Workbook()
    info = book.active
    info.title = "Instructions"
    data = book.create_sheet(sheet_name)
    codes_ws = book.create_sheet("Codes")

    bold = Font(bold=True)
    head_fill = PatternFill(fill_type="solid", start_color="FFDDE6F0", end_color="FFDDE6F0")
    for col in columns:
        cell = data[f"{col.letter}{header_row}"]
        cell.value, cell.font, cell.fill = col.header, bold, head_fill
        data.column_dimensions[col.letter].width = max(12, len(col.header) + 4)
    data.freeze_panes = f"A{first}"

    _validations(data, codes_ws, cw, columns, first=first, last=last)
    _instructions(info, cw, columns, sheet_name, first)

    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


def _validations(data: Any, codes_ws: Any, cw: Crosswalk, columns: list[_Column], *,
                 first: int, last: int) -> None:
    """Drop-down lists (pointing at the Codes sheet) and checks on the entry rows."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    bold = Font(bold=True)
    next_code_col = 1
    for col in columns:
        if col.kind == "year":
            dv = DataValidation(type="whole", operator="between", formula1="1900",
                                formula2="2100", allow_blank=True)
            dv.error, dv.errorTitle = "Type a year such as 2020.", "Year"
        elif col.kind == "value":
            dv = DataValidation(type="custom", allow_blank=True, showErrorMessage=False,
                                formula1=_value_formula(f"{col.letter}{first}",
                                                        list(cw.section("symbols"))))
            dv.showInputMessage = True
        elif col.codes:
            letter = get_column_letter(next_code_col)
            codes_ws[f"{letter}1"] = col.header
            codes_ws[f"{letter}1"].font = bold
            codes_ws[f"{get_column_letter(next_code_col + 1)}1"] = "Meaning"
            codes_ws[f"{get_column_letter(next_code_col + 1)}1"].font = bold
            for i, (code, label) in enumerate(col.codes, start=2):
                codes_ws[f"{letter}{i}"] = code
                codes_ws[f"{get_column_letter(next_code_col + 1)}{i}"] = label
            codes_ws.column_dimensions[letter].width = 14
            codes_ws.column_dimensions[get_column_letter(next_code_col + 1)].width = 40
            end = len(col.codes) + 1
            dv = DataValidation(type="list", formula1=f"=Codes!${letter}$2:${letter}${end}",
                                allow_blank=True, showErrorMessage=col.strict)
            dv.error = f"Pick a code from the list (see the Codes sheet, column {letter})."
            dv.errorTitle = col.header
            next_code_col += 3
        else:
            continue
        dv.promptTitle = col.header[:32]
        dv.prompt = col.help[:255]
        dv.showInputMessage = True
        dv.add(f"{col.letter}{first}:{col.letter}{last}")
        data.add_data_validation(dv)


def _instructions(info: Any, cw: Crosswalk, columns: list[_Column], sheet_name: str,
                  first: int) -> None:
    from openpyxl.styles import Alignment, Font

    lines: list[tuple[str, str]] = [
        (cw.data.get("title", cw.id), ""),
        ("", ""),
        ("How to fill in this workbook", ""),
        ("1.", f"Type one observation per row in the '{sheet_name}' sheet, from row {first} "
               "on. Do not rename the sheet, move the header row or insert columns."),
        ("2.", "Coded columns have drop-down lists; the Codes sheet explains every code."),
        ("3.", "Type values as plain numbers. If a value is not available, type the "
               "symbol for it rather than leaving the cell empty."),
        ("4.", f"Before sending, check the file: migharmony validate FILE -c {cw.id} "
               "--format html -o report.html  (add --annotate marked.xlsx to get a copy "
               "with the problem cells highlighted)."),
        ("", ""),
        ("Columns", ""),
    ]
    lines += [(f"{c.letter}  {c.header}", c.help) for c in columns]
    if cw.section("symbols"):
        lines += [("", ""), ("Symbols for values that are not numbers", "")]
        lines += [(f"'{s}'", _symbol_text(v)) for s, v in cw.section("symbols").items()]
    if cw.section("flags"):
        lines += [("", ""), ("Flags (Flag column)", "")]
        lines += [(f"{f}", _symbol_text(v)) for f, v in cw.section("flags").items()]
    defs = cw.definitions
    if defs.get("migrant"):
        lines += [("", ""), ("Who counts as a migrant", " ".join(str(defs["migrant"]).split()))]
    lines += [("", ""), ("Crosswalk", f"{cw.id} {cw.version}")]
    for r, (a, b) in enumerate(lines, start=1):
        info[f"A{r}"], info[f"B{r}"] = a, b
        info[f"B{r}"].alignment = Alignment(wrap_text=True, vertical="top")
        if a and not b:
            info[f"A{r}"].font = Font(bold=True, size=14 if r == 1 else 11)
    info.column_dimensions["A"].width = 28
    info.column_dimensions["B"].width = 100


def _value_formula(cell: str, symbols: list[str]) -> str:
    tests = [f"ISNUMBER({cell})"] + [f'{cell}="{s}"' for s in symbols if '"' not in s]
    return f"=OR({','.join(tests)})"


def _symbol_text(setting: Any) -> str:
    from . import vocab

    if not isinstance(setting, Mapping):
        return ""
    parts = [vocab.label("caveat", c) for c in setting.get("caveats", [])]
    if not parts and "obs_status" in setting:
        parts.append(vocab.label("obs_status", setting["obs_status"]))
    return "; ".join(dict.fromkeys(parts))
