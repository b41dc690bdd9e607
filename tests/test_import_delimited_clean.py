"""Delimited files that need no repair stream their records straight from csv.reader.

Opening a file parses it once under strict quote rules. When every data row then has the
header's width or is blank, the row stream skips the repair reader. These tests check
that both readers give the same rows, that any file with a repair still takes the repair
reader, and that a file broken after opening stops the import instead of giving wrong rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from leaddesk.services.importing import ImportFileError
from leaddesk.services.importing.delimited import DelimitedRowStream, _reads_strictly
from leaddesk.services.importing.reader import open_table

CLEAN_TEXT = (
    "Title line of a report\r\n"
    "Email,Name,Notes\r\n"
    "a@example.com,Ann,\"Asked for pricing,\r\nfollow up next week\"\r\n"
    "\r\n"
    "b@example.com,Bob,\"He said \"\"call me\"\"\"\r\n"
    "c@example.com,Cy,\"one\rtwo\"\r\n"
    "d@example.com,Dee,plain\r\n"
)

# Each file needs a repair, or has a row that the repair reader must judge.
NOT_CLEAN_TEXTS = {
    "swallowing quote": 'Email,Name,Notes\na@example.com,"Ann,x\nb@example.com,Bob,y\nc@example.com,Cy,z\n',
    "text after a closing quote": 'Email,Name,Notes\na@example.com,"Ann"x,x\nb@example.com,Bob,y\n',
    "row wrapped in quotes": 'Email,Name,Notes\n"a@example.com,Ann,x"\nb@example.com,Bob,y\n',
    "short row": "Email,Name,Notes\na@example.com,Ann\nb@example.com,Bob,y\n",
    "long row": "Email,Name,Notes\na@example.com,Ann,x,,\nb@example.com,Bob,y\n",
    "one-value footer": "Email,Name,Notes\na@example.com,Ann,x\nTotal 1\n",
}


def write_text(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_bytes(text.encode("utf-8"))
    return path


def rows_of(stream: DelimitedRowStream) -> list[tuple[int, list[object]]]:
    return [(number, list(cells)) for number, cells in stream]


def test_clean_file_streams_without_repair(tmp_path: Path) -> None:
    path = write_text(tmp_path, "clean.csv", CLEAN_TEXT)
    table = open_table(path)

    assert table.header_row == 2
    assert table.open_rows.keywords["clean"] is True
    assert table.warnings == []


def test_clean_rows_match_repair_reader(tmp_path: Path) -> None:
    path = write_text(tmp_path, "clean.csv", CLEAN_TEXT)
    table = open_table(path)
    header_row, width = table.open_rows.args[3], table.open_rows.args[4]

    clean = rows_of(table.open_rows())
    repaired = rows_of(DelimitedRowStream(path, "utf-8", ",", header_row, width))

    assert clean == repaired
    assert [number for number, _cells in clean] == [2, 3, 4, 5, 6]
    assert clean[0][1] == ["a@example.com", "Ann", "Asked for pricing,\r\nfollow up next week"]
    assert clean[1][1] == []
    assert clean[2][1] == ["b@example.com", "Bob", 'He said "call me"']
    assert clean[3][1] == ["c@example.com", "Cy", "one\rtwo"]


@pytest.mark.parametrize("kind", sorted(NOT_CLEAN_TEXTS))
def test_file_needing_repair_uses_repair_reader(tmp_path: Path, kind: str) -> None:
    path = write_text(tmp_path, "broken.csv", NOT_CLEAN_TEXTS[kind])
    table = open_table(path)

    assert table.open_rows.keywords["clean"] is False


def test_swallowing_quote_still_rejects_its_row(tmp_path: Path) -> None:
    path = write_text(tmp_path, "broken.csv", NOT_CLEAN_TEXTS["swallowing quote"])
    table = open_table(path)

    rows = rows_of(table.open_rows())

    assert [number for number, _cells in rows] == [2, 3, 4]
    assert rows[1][1] == ["b@example.com", "Bob", "y"]
    assert any("never closed" in warning for warning in table.warnings)


def test_file_broken_after_opening_stops_import(tmp_path: Path) -> None:
    path = write_text(tmp_path, "clean.csv", CLEAN_TEXT)
    table = open_table(path)
    write_text(tmp_path, "clean.csv", CLEAN_TEXT.replace("d@example.com,Dee,plain", 'd@example.com,"Dee"x,plain'))

    with pytest.raises(ImportFileError, match=r"clean\.csv changed after it was opened: line 9 "):
        rows_of(table.open_rows())


# Cells as files contain them: unquoted text, a quoted cell with its quotes doubled, or
# loose text that may contain a stray quote or a delimiter.
CELLS = st.one_of(
    st.text(alphabet='ab "', max_size=4),
    st.text(alphabet='ab ,"\r\n', max_size=6).map(lambda text: '"' + text.replace('"', '""') + '"'),
    st.text(alphabet='ab ,"\r\n', max_size=6),
)
ROWS_OF_ANY_WIDTH = st.lists(CELLS, max_size=4).map(",".join)
BODIES = st.builds(
    lambda rows, ending: "".join(row + ending for row in rows),
    st.lists(st.lists(CELLS, min_size=3, max_size=3).map(",".join) | ROWS_OF_ANY_WIDTH, max_size=5),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=BODIES)
def test_strict_file_reads_same_either_way(tmp_path: Path, body: str) -> None:
    path = write_text(tmp_path, "random.csv", "Email,Name,Notes\n" + body)

    clean = _reads_strictly(path, "utf-8", ",", 1, 3)

    if clean:
        fast = rows_of(DelimitedRowStream(path, "utf-8", ",", 1, 3, clean=True))
        repaired = rows_of(DelimitedRowStream(path, "utf-8", ",", 1, 3))
        assert fast == repaired
