"""Whether a text table's quoted fields may hold line breaks (``_quotes``): the answer of
the definition, for any chunk size, and the answer Arrow's quick read can rely on."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from migharmony._quotes import line_breaks_in_quotes

QUOTE, LF, CR = ord('"'), ord("\n"), ord("\r")
NEXT_TO_QUOTE = {ord(","), LF, CR, QUOTE}


def by_definition(data: bytes) -> bool:
    """The module's definition, quote by quote: quotes alternate opening and closing;
    an opening one follows the delimiter, a line break, a quote or the start; a closing
    one precedes the delimiter, a line break, a quote or the end; no line break between."""
    quotes = [i for i, byte in enumerate(data) if byte == QUOTE]
    if len(quotes) % 2:
        return True
    for opening, closing in zip(quotes[0::2], quotes[1::2], strict=True):
        before = data[opening - 1] if opening else LF
        after = data[closing + 1] if closing + 1 < len(data) else LF
        if before not in NEXT_TO_QUOTE or after not in NEXT_TO_QUOTE:
            return True
        if b"\n" in data[opening + 1:closing] or b"\r" in data[opening + 1:closing]:
            return True
    return False


settings_files = settings(max_examples=300, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])


@settings_files
@given(data=st.binary(max_size=40).map(lambda b: bytes(b'a,"\n\r"x'[i % 7] for i in b)),
       chunk=st.integers(1, 48))
def test_answers_as_the_definition_whatever_the_chunks(tmp_path: Path, data: bytes,
                                                      chunk: int) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(data)
    assert line_breaks_in_quotes(path, ",", chunk_bytes=chunk) is by_definition(data)


# Fields as producers write them, quoted or not, with the quotes misplaced now and then.
FIELD = st.one_of(
    st.text(alphabet="ab1 ", max_size=4),
    st.text(alphabet='ab1 ,"\n\r', max_size=5).map(lambda t: '"' + t.replace('"', '""') + '"'),
    st.text(alphabet='ab"', max_size=4),  # a quote inside an unquoted field
    st.text(alphabet='ab1,\n', max_size=4).map(lambda t: f'"{t}"x'),  # text after the quote
)


@settings_files
@given(rows=st.lists(st.lists(FIELD, min_size=3, max_size=3), min_size=1, max_size=12),
       newline=st.sampled_from(["\n", "\r\n"]), block=st.integers(8, 200))
def test_a_file_said_to_have_none_reads_alike_either_way(
        tmp_path: Path, rows: list[list[str]], newline: str, block: int) -> None:
    """Where the answer is False, Arrow's read that cuts blocks at any line break gives
    what its careful read gives, wherever the blocks end."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    path = tmp_path / "t.csv"
    path.write_bytes(newline.join(",".join(row) for row in rows).encode() + b"\n")

    def arrow(breaks_in_quotes: bool) -> object:
        options = {
            "read_options": pacsv.ReadOptions(autogenerate_column_names=True,
                                              block_size=block),
            "parse_options": pacsv.ParseOptions(newlines_in_values=breaks_in_quotes,
                                                ignore_empty_lines=False),
            "convert_options": pacsv.ConvertOptions(
                column_types={f"f{i}": pa.string() for i in range(3)}, null_values=[],
                strings_can_be_null=False, quoted_strings_can_be_null=False)}
        try:
            return pacsv.read_csv(path, **options).to_pylist()
        except pa.ArrowInvalid:
            return "refused"

    if not line_breaks_in_quotes(path, ","):
        assert arrow(False) == arrow(True)


@pytest.mark.parametrize(("content", "expected"), [
    (b'area,value\n"Congo, Rep.","1,124"\n', False),
    (b'area,value\r\n"say ""no""",""\r\n', False),
    (b'area,note\nFrance,"revised\nin 2021"\n', True),
    (b'area,note\nFrance,"revised\rin 2021"\n', True),
    (b'area,value\nFrance,12"\n', True),  # a quote inside an unquoted field
    (b'area,value\n"France"x,12\n', True),  # text after a closing quote
    (b'area,value\n"France,12\n', True),  # never closed
    (b'\xef\xbb\xbf"area",value\n', True),  # after a byte-order mark: read with care
    (b"", False),
])
def test_files_as_written(tmp_path: Path, content: bytes, expected: bool) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert line_breaks_in_quotes(path, ",") is expected
    assert line_breaks_in_quotes(path, ",", chunk_bytes=3) is expected


def test_a_long_field_across_chunks(tmp_path: Path) -> None:
    """A quoted field longer than the gather's reach and than a chunk is searched whole."""
    path = tmp_path / "t.csv"
    note = "x" * 300
    path.write_bytes(f'area,note\nMali,"{note}"\nNiger,"{note}\n{note}"\n'.encode())
    assert line_breaks_in_quotes(path, ",")
    assert line_breaks_in_quotes(path, ",", chunk_bytes=100)
    path.write_bytes(f'area,note\nMali,"{note}"\nNiger,"{note}"\n'.encode())
    assert not line_breaks_in_quotes(path, ",")
    assert not line_breaks_in_quotes(path, ",", chunk_bytes=100)


def test_a_delimiter_that_cannot_be_told_from_quotes_gets_true(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_bytes(b"a;b\n1;2\n")
    assert not line_breaks_in_quotes(path, ";")
    assert line_breaks_in_quotes(path, '"')
    assert line_breaks_in_quotes(path, ";;")
    assert line_breaks_in_quotes(path, "€") and line_breaks_in_quotes(path, "§")  # bytes


@pytest.mark.parametrize("delimiter", ["€", "§"])
def test_a_delimiter_of_several_bytes_is_refused_or_read_never_crashes(
        tmp_path: Path, delimiter: str) -> None:
    """A delimiter that is not one byte in UTF-8: the general reader's answer (here its
    error), never a crash of the quick path."""
    from migharmony.errors import ReadError
    from migharmony.read import read_grid

    path = tmp_path / "t.csv"
    path.write_text(f"a{delimiter}b\n1{delimiter}2\n", encoding="utf-8")
    try:
        plain = read_grid(path, delimiter=delimiter)
    except ReadError as exc:
        with pytest.raises(ReadError, match="separator"):
            read_grid(path, delimiter=delimiter, categorical=True)
        assert "separator" in str(exc)
        return
    assert read_grid(path, delimiter=delimiter, categorical=True).cells.astype(str).equals(
        plain.cells.astype(str))
