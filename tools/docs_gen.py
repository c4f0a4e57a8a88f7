"""Reference pages generated at docs build time (a mkdocs hook), never hand-copied.

``mkdocs.yml`` loads this file as a hook. On every build it adds these pages from the
package itself:

* ``reference/vocabulary-codes.md``: every dimension of ``vocab/`` with its standard
  and every code, label (en, fr) and definition;
* ``explanation/caveat-list.md`` content (included by ``explanation/caveats.md``): each
  caveat of ``vocab/caveat.yaml`` with its title, meaning, severity and template;
* ``reference/crosswalk-keys.md``: every key of ``crosswalk_schema.yaml``;
* ``handbook/index.md`` and ``handbook/<id>.md``: the data handbook, one page per
  shipped crosswalk, written by :func:`migharmony.handbook.crosswalk_page`.

The functions return Markdown so that ``tests/test_docs.py`` can check them directly.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT / "src") not in sys.path:  # a source checkout without an installed package
    sys.path.insert(0, str(ROOT / "src"))
# mkdocs restores sys.path after loading a hook: import the package now, so that the
# pages executed later (markdown-exec) find it too.
import migharmony  # noqa: E402, F401


def _cell(text: Any) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


# --- vocabulary -------------------------------------------------------------------

def vocabulary_reference() -> str:
    """Every dimension of the vocabulary with its standard and codes."""
    from migharmony import vocab

    lines = ["# Vocabulary codes", "",
             f"Generated from `vocab/` (vocabulary version **{vocab.version()}**) when these "
             "pages are built. Labels exist in English and French for every code; "
             "`migharmony vocab DIMENSION --lang es` shows Spanish or Portuguese ones. "
             "What the dimensions are and where they come from is explained in "
             "[The vocabulary and its standards](../explanation/standards.md).", ""]
    lines += ["| dimension | standard | codes |", "|---|---|---|"]
    for dim in vocab.dimensions():
        std = vocab.standard(dim)
        lines.append(f"| [`{dim}`](#{dim}) | {_cell(_standard_text(std))} | "
                     f"{len(vocab.codes(dim))} |")
    lines.append("")
    for dim in vocab.dimensions():
        std = vocab.standard(dim)
        lines += [f"## `{dim}` {{#{dim}}}", "", f"**Standard:** {_cell(_standard_text(std))}"]
        if std.get("url"):
            lines[-1] += f" ([source]({std['url']}))"
        if std.get("note"):
            lines += ["", _cell(std["note"])]
        lines.append("")
        en, fr = vocab.describe(dim, "en"), vocab.describe(dim, "fr")
        if dim == "age":
            lines += ["Age codes are also built from a grammar (`Y5`, `Y15T64`, `Y_LT15`, "
                      "`Y_GE65`); the codes listed are the named ones.", ""]
        lines += ["| code | label (en) | label (fr) | definition |", "|---|---|---|---|"]
        for (_, e), (_, f) in zip(en.iterrows(), fr.iterrows(), strict=True):
            lines.append(f"| `{e['code']}` | {_cell(e['label'])} | {_cell(f['label'])} | "
                         f"{_cell(e['definition'])} |")
        lines.append("")
    return "\n".join(lines)


def _standard_text(std: dict[str, Any]) -> str:
    parts = [str(std.get("name", ""))]
    if std.get("version"):
        parts.append(f"version {std['version']}")
    if std.get("agency"):
        parts.append(f"({std['agency']})")
    return " ".join(p for p in parts if p)


def caveat_list() -> str:
    """Each caveat of vocab/caveat.yaml: title, meaning, severity, affects, template."""
    from migharmony import vocab

    lines: list[str] = []
    for code in vocab.codes("caveat"):
        info = vocab.info("caveat", code)
        affects = ", ".join(info.get("affects", []))
        lines += [f"### `{code}`", "",
                  f"**{_cell(vocab.label('caveat', code))}** "
                  f"(*{_cell(vocab.label('caveat', code, 'fr'))}*). "
                  f"{_cell(vocab.definition('caveat', code))}", "",
                  f"- severity: `{info.get('severity', '')}`; affects: {affects}",
                  f"- message: *{_cell(info.get('template', ''))}*", ""]
    return "\n".join(lines)


# --- crosswalk schema -------------------------------------------------------------

def _schema() -> dict[str, Any]:
    import yaml

    from migharmony.crosswalk import __file__ as crosswalk_file

    path = Path(crosswalk_file).with_name("crosswalk_schema.yaml")
    return yaml.safe_load(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> tuple[dict[str, Any], str]:
    ref = node.get("$ref", "")
    if ref.startswith("#/$defs/"):
        name = ref.rsplit("/", 1)[1]
        return schema["$defs"][name], name
    return node, ""


def _type_text(node: dict[str, Any], ref: str) -> str:
    if "const" in node:
        return f"`{json.dumps(node['const']).strip(chr(34))}`"
    if "enum" in node:
        return ", ".join(f"`{v}`" for v in node["enum"])
    if ref in {"setting"}:
        return "a setting (below)"
    if ref in {"text", "date"}:
        return {"text": "text", "date": "date YYYY-MM-DD"}[ref]
    if ref == "texts":
        return "text or list of texts"
    if ref == "caveat_list":
        return "list of caveat codes"
    kind = node.get("type", "")
    if isinstance(kind, list):
        kind = " or ".join(kind)
    if "oneOf" in node and not kind:
        kind = " or ".join(_type_text(*_resolve(o, {})) if "$ref" not in o else "…"
                           for o in node["oneOf"])
    if kind == "array" and "items" in node:
        item = node["items"]
        inner = _type_text(item, "") if "$ref" not in item else "objects"
        return f"list of {inner}" if inner != "object" else "list of objects"
    return str(kind)


def schema_rows() -> list[tuple[str, str, bool, str]]:
    """(path, type, required, description) for every key of the crosswalk schema."""
    schema = _schema()
    rows: list[tuple[str, str, bool, str]] = []

    def walk(node: dict[str, Any], prefix: str, seen: tuple[str, ...]) -> None:
        node, ref = _resolve(node, schema)
        if ref in seen or (ref == "setting" and prefix.count("setting")):
            return
        seen = (*seen, ref) if ref else seen
        required = set(node.get("required", []))
        for key, child in node.get("properties", {}).items():
            child_node, child_ref = _resolve(child, schema)
            path = f"{prefix}{key}"
            desc = child.get("description") or child_node.get("description") or ""
            if child_ref == "setting" and prefix != "setting.":
                rows.append((path, "a setting (below)", key in required, desc))
                continue
            rows.append((path, _type_text(child_node, child_ref), key in required, desc))
            walk(child, f"{path}.", seen)
            items = child_node.get("items")
            if isinstance(items, dict):
                walk(items, f"{path}[].", seen)
            extra = child_node.get("additionalProperties")
            if isinstance(extra, dict) and ("$ref" in extra or "properties" in extra):
                _, extra_ref = _resolve(extra, schema)
                if extra_ref == "setting":
                    continue
                walk(extra, f"{path}.<name>.", seen)

    walk(schema, "", ())
    walk(schema["$defs"]["setting"], "setting.", ())
    return rows


def schema_reference() -> str:
    """The crosswalk keys as a table, from ``crosswalk_schema.yaml``."""
    lines = ["# Crosswalk keys", "",
             "Every key a crosswalk (format `crosswalk/1`) may hold, generated from the "
             "machine-readable schema `src/migharmony/crosswalk_schema.yaml` when these "
             "pages are built. [The crosswalk format](../crosswalk-format.md) explains "
             "them with examples. `<name>` stands for a name you choose (a column "
             "name, a dimension); `[]` for each item of a list. A **setting** is what a "
             "row rule, symbol, flag or `not_disaggregated` entry sets; its keys are "
             "listed as `setting.<key>`.", "",
             "| key | type | required | meaning |", "|---|---|---|---|"]
    for path, kind, required, desc in schema_rows():
        lines.append(f"| `{path}` | {_cell(kind)} | {'yes' if required else ''} | "
                     f"{_cell(desc)} |")
    lines.append("")
    return "\n".join(lines)


# --- data handbook ----------------------------------------------------------------

def handbook_pages() -> dict[str, str]:
    """{relative path: Markdown} for the handbook index and one page per crosswalk."""
    from migharmony import crosswalks
    from migharmony.crosswalk import load
    from migharmony.handbook import crosswalk_page

    pages: dict[str, str] = {}
    index = ["# Data handbook", "",
             "One page per crosswalk shipped with migharmony, written from the crosswalk "
             "itself by `migharmony.handbook` when these pages are built (the same pages "
             "as `migharmony handbook -o DIR`): producer, licence, definitions, coverage and "
             "every caveat the source can attach.", "",
             "| crosswalk | table |", "|---|---|"]
    for cid in crosswalks.list():
        page_id, text = crosswalk_page(cid)
        pages[f"handbook/{page_id}.md"] = text
        title = _cell(load(cid).data.get("title", cid))
        index.append(f"| [`{page_id}`]({page_id}.md) | {title} |")
    pages["handbook/index.md"] = "\n".join([*index, ""])
    return pages


def generated_pages() -> dict[str, str]:
    pages = {"reference/vocabulary-codes.md": vocabulary_reference(),
             "reference/crosswalk-keys.md": schema_reference()}
    pages.update(handbook_pages())
    return pages


# --- mkdocs hook ------------------------------------------------------------------

def on_files(files: Any, config: Any) -> Any:
    """Add the generated pages to the build (mkdocs >= 1.6)."""
    from mkdocs.structure.files import File

    for path, text in generated_pages().items():
        files.append(File.generated(config, path, content=text))
    return files


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """Fill ``<!-- caveat-list -->`` with the caveats of the vocabulary."""
    if "<!-- caveat-list -->" in markdown:
        markdown = markdown.replace("<!-- caveat-list -->", caveat_list())
    return markdown
