"""Converting a batch of plain-text rows column by column, each distinct value of a column once.

CSV exports repeat values down a column: countries, sources, stages, owners, companies,
titles and dates. ColumnBatchConverter cleans and checks each distinct cell of a column
once, keeps the result in a per-column cache, and builds the drafts from those results.
A row that any check fails, and every row that is not plain text of the header's width,
goes through RowConverter's row-by-row path instead. That path raises the same
RowProblem as before, so drafts, rejected rows and their messages do not change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from itertools import chain, repeat
from operator import itemgetter
from typing import Any

from leaddesk.services.importing.rows import (
    FOOTER_MAX_VALUES,
    IDENTIFYING_FIELDS,
    LeadDraft,
    RowConverter,
    RowProblem,
)
from leaddesk.services.importing.values import (
    PLACEHOLDER_ASCII_STARTS,
    InvalidValue,
    check_digits_kept,
    clean_text,
    is_placeholder,
)

# A cell or value whose row must go through the row-by-row path.
_FAILED = object()

# A column cache that grows beyond this many values is emptied, so that a column of
# unique values (e-mails, notes) costs bounded memory.
MAX_CACHED_VALUES = 20_000

_STR_ONLY = {str}
_LIST_ONLY = {list}

# The change that converting one field value makes to a draft: whether it filled the
# field, then the lead fields and the custom fields it sets, in the converter's order.
Effect = tuple[bool, tuple[tuple[str, Any], ...], tuple[tuple[str, str], ...]]


# A column whose batch of at least JUDGED_ROWS rows adds more than this share of new
# values to its cache stops caching, because a cache of values that never repeat only
# adds lookups and memory.
JUDGED_ROWS = 200
MAX_NEW_SHARE = 0.5


class _Memo(dict):
    """The results of a pure function of one value, computed on the first lookup.

    caching turns False for a column of mostly unique values, whose values are then
    computed every time without being stored.
    """

    __slots__ = ("compute", "compute_all", "caching")

    def __init__(
        self, compute: Callable[[Any], Any], compute_all: Callable[[Sequence[Any]], list[Any]] | None = None
    ) -> None:
        super().__init__()
        self.compute = compute
        # The same results for a whole column at once, where that is faster than compute per value.
        self.compute_all = compute_all or (lambda values: list(map(compute, values)))
        self.caching = True

    def __missing__(self, key: Any) -> Any:
        value = self.compute(key)
        self[key] = value
        return value

    def judge(self, size_before: int, rows: int) -> None:
        """Stop caching when the last batch of rows added mostly new values."""
        if rows >= JUDGED_ROWS and len(self) - size_before > rows * MAX_NEW_SHARE:
            self.caching = False
            self.clear()


class ColumnBatchConverter:
    """Converts batches of rows with one RowConverter, with caches that last across batches."""

    def __init__(self, converter: RowConverter) -> None:
        self._converter = converter
        self._width = converter.width
        field_indexes = frozenset(converter._field_indexes)
        self._digit_indexes = converter._digit_indexes
        self._texts = [
            _Memo(
                _text_function(index in field_indexes, index in converter._digit_columns),
                partial(
                    _clean_column, field_column=index in field_indexes, digit_column=index in converter._digit_columns
                ),
            )
            for index in range(self._width)
        ]
        # One cache per (step, column) of a field with a converter, keyed by the cleaned text.
        self._effects: dict[tuple[int, int], _Memo] = {}
        for step, (_name, _single, columns, convert) in enumerate(converter._text_row_steps):
            if convert is not None:
                for index in columns:
                    self._effects[(step, index)] = _Memo(_effect_function(convert, index))

    def convert(self, rows: Sequence[tuple[int, list[Any]]]) -> list[LeadDraft | RowProblem | None]:
        """Return each row's draft, None for a row without any value, or the RowProblem that rejects it.

        Each row's outcome is the one RowConverter.convert returns or raises for it.
        """
        converter = self._converter
        width = self._width
        plain = _plain_positions(rows, width)
        all_plain = bool(rows) and len(plain) == len(rows)
        self._add_evidence(rows, all_plain)
        self._trim_caches()
        if converter.label_groups:
            # NOTE: labels give each row its own column order (label_groups.py), which the
            # column-wise steps cannot follow, so every row is converted by itself.
            plain = []
            all_plain = False

        outcomes: list[LeadDraft | RowProblem | None]
        if all_plain:
            # The common case needs no Python step per row to map positions. The drafts of
            # the rows that failed a check are replaced by the row-by-row path below.
            outcomes, exact = self._convert_plain(list(rows))
        else:
            outcomes = [None] * len(rows)
            exact = set(range(len(rows))).difference(plain)
            if plain:
                drafts, failed = self._convert_plain([rows[position] for position in plain])
                for offset, position in enumerate(plain):
                    if offset in failed:
                        exact.add(position)
                    else:
                        outcomes[position] = drafts[offset]

        for position in sorted(exact):
            number, cells = rows[position]
            try:
                outcomes[position] = converter._convert_exactly(number, cells)
            except RowProblem as problem:
                # The traceback refers to this frame, whose outcomes list refers back to the
                # exception. Without the traceback and the InvalidValue behind it, reference
                # counting frees a rejected row, so it need not wait for the rare full
                # collection of an import (collection.py).
                problem.__traceback__ = None
                problem.__context__ = None
                outcomes[position] = problem
        return outcomes

    def _add_evidence(self, rows: Sequence[tuple[int, list[Any]]], all_plain: bool) -> None:
        """Count the day/month evidence of every row, as RowConverter.convert does row by row.

        With all_plain True, every row is a list of str cells of the header's width, so
        each column's cells can be counted without checking them.
        """
        for index, evidence in self._converter._seen_items:
            if all_plain:
                counts = Counter(map(itemgetter(index), map(itemgetter(1), rows)))
            else:
                counts = Counter(
                    cells[index] for _number, cells in rows if index < len(cells) and isinstance(cells[index], str)
                )
            for value, count in counts.items():
                evidence.add(value, count)

    def _trim_caches(self) -> None:
        for memo in (*self._texts, *self._effects.values()):
            if len(memo) > MAX_CACHED_VALUES:
                memo.clear()

    def _convert_plain(self, rows: list[tuple[int, list[str]]]) -> tuple[list[LeadDraft], set[int]]:
        """Build the drafts of rows of plain text cells; return them and the offsets of the rows that failed a check.

        The steps follow RowConverter._convert_text_row, but run down each column over all
        rows instead of along each row, so every draft gets its fields and custom fields
        in the same order.
        """
        converter = self._converter
        count = len(rows)
        row_cells = list(map(itemgetter(1), rows))
        columns = list(zip(*row_cells))
        texts = [_apply(memo, column) for memo, column in zip(self._texts, columns)]

        failed: set[int] = set()
        for index in self._digit_indexes:
            column_texts = texts[index]
            for offset, text in enumerate(column_texts):
                if text is _FAILED:
                    failed.add(offset)
                    column_texts[offset] = ""
        failed.update(_few_value_offsets(row_cells, columns, texts))

        # Positional arguments, because keyword arguments cost more in a call made once per row.
        drafts = [LeadDraft(number, {}, {}) for number, _cells in rows]
        all_fields = [draft.fields for draft in drafts]
        all_custom = [draft.custom for draft in drafts]
        for index, key in converter._custom_items:
            for custom, text in zip(all_custom, texts[index]):
                if text:
                    custom[key] = text

        for step, (name, _single, columns, convert) in enumerate(converter._text_row_steps):
            pending = range(count)
            for index in columns:
                column_texts = texts[index]
                unfilled: list[int] = []
                if convert is None:
                    for offset in pending:
                        text = column_texts[offset]
                        if text:
                            all_fields[offset][name] = text
                        else:
                            unfilled.append(offset)
                elif not self._effects[(step, index)].caching:
                    for offset in pending:
                        text = column_texts[offset]
                        if not text:
                            unfilled.append(offset)
                            continue
                        try:
                            filled = convert(index, text, text, drafts[offset])
                        except InvalidValue:
                            failed.add(offset)
                            continue
                        if not filled:
                            unfilled.append(offset)
                else:
                    effects = self._effects[(step, index)]
                    size_before = len(effects)
                    for offset in pending:
                        text = column_texts[offset]
                        if not text:
                            unfilled.append(offset)
                            continue
                        effect = effects[text]
                        if effect is _FAILED:
                            failed.add(offset)
                            continue
                        filled, fields, custom = effect
                        if fields:
                            all_fields[offset].update(fields)
                        if custom:
                            all_custom[offset].update(custom)
                        if not filled:
                            unfilled.append(offset)
                    effects.judge(size_before, len(pending))
                pending = unfilled
                if not pending:
                    break

        for offset, draft in enumerate(drafts):
            if offset in failed:
                continue
            if draft.fields.keys().isdisjoint(IDENTIFYING_FIELDS):
                failed.add(offset)
                continue
            converter._complete(draft)
        return drafts, failed


def _plain_positions(rows: Sequence[tuple[int, list[Any]]], width: int) -> list[int]:
    """Return the positions of the rows that are plain lists of the header's width, containing only str cells."""
    row_cells = list(map(itemgetter(1), rows))
    if (
        set(map(type, row_cells)) == _LIST_ONLY
        and set(map(len, row_cells)) == {width}
        and set(map(type, chain.from_iterable(row_cells))) == _STR_ONLY
    ):
        # The common case of a CSV batch, checked without a Python step per row.
        return list(range(len(rows)))
    return [
        position
        for position, cells in enumerate(row_cells)
        if type(cells) is list and len(cells) == width and set(map(type, cells)) == _STR_ONLY
    ]


def _few_value_offsets(row_cells: list[list[str]], columns: list[tuple[str, ...]], texts: list[list[Any]]) -> list[int]:
    """Return the offsets of the rows with at most FOOTER_MAX_VALUES non-empty texts.

    Such a row may be a total line such as "Total:,3", or empty. A text is empty when its
    cell is "" or when cleaning emptied it, so the empty cells of each row are counted in
    C, and only the columns where cleaning emptied a cell are walked.
    """
    width = len(columns)
    empties = list(map(list.count, row_cells, repeat("")))
    for column, column_texts in zip(columns, texts):
        if column_texts.count("") == column.count(""):
            continue
        for offset, text in enumerate(column_texts):
            if text == "" and column[offset] != "":
                empties[offset] += 1
    least_empty = width - FOOTER_MAX_VALUES
    if not empties or max(empties) < least_empty:
        return []
    return [offset for offset, empty in enumerate(empties) if empty >= least_empty]


def _apply(memo: _Memo, column: Sequence[Any]) -> list[Any]:
    """Return the memo's results for a column's values, caching them while that pays."""
    if not memo.caching:
        return memo.compute_all(column)
    size_before = len(memo)
    results = list(map(memo.__getitem__, column))
    memo.judge(size_before, len(column))
    return results


def _text_function(field_column: bool, digit_column: bool) -> Callable[[str], object]:
    """Return the cleaning of one column's cells: its text, "" for a placeholder, or _FAILED for lost digits."""

    def clean(cell: str) -> object:
        text = clean_text(cell)
        if field_column and is_placeholder(text):
            return ""
        if digit_column and text:
            try:
                return check_digits_kept(cell, text)
            except InvalidValue:
                return _FAILED
        return text

    return clean


def _clean_column(column: Sequence[str], *, field_column: bool, digit_column: bool) -> list[object]:
    """Return what _text_function returns for each cell of a column, stripping ASCII text in bulk.

    clean_text changes an ASCII cell without an apostrophe only by stripping it, and only
    a text that starts with one of PLACEHOLDER_ASCII_STARTS can be an ASCII placeholder.
    """
    joined = "".join(column)
    if joined.isascii() and "'" not in joined:
        texts: list[object] = list(map(str.strip, column))
        if field_column:
            starts = PLACEHOLDER_ASCII_STARTS
            for offset, text in enumerate(texts):
                if text[:1] in starts and is_placeholder(text):
                    texts[offset] = ""
    else:
        texts = [cell.strip() if cell.isascii() and "'" not in cell else clean_text(cell) for cell in column]
        if field_column:
            for offset, text in enumerate(texts):
                if is_placeholder(text):
                    texts[offset] = ""
    if digit_column and _may_lose_digits(texts):
        for offset, text in enumerate(texts):
            if text:
                try:
                    texts[offset] = check_digits_kept(column[offset], text)
                except InvalidValue:
                    texts[offset] = _FAILED
    return texts


def _may_lose_digits(texts: list[Any]) -> bool:
    """Return whether check_digits_kept may change or reject a text cell of the column.

    It changes or rejects only texts with an exponent ("4.47E+11") or ending in ".0", so
    a column that has neither anywhere is returned as it is.
    """
    joined = "".join(texts)
    return "e" in joined or "E" in joined or ".0" in joined


def _effect_function(convert: Callable[[int, Any, str, LeadDraft], bool], index: int) -> Callable[[str], object]:
    """Return the Effect of a field converter on a column's cleaned text, or _FAILED when it raises InvalidValue.

    The converter writes into a scratch draft. A plain text cell is passed as both the raw
    cell and the text, because the converters read the raw cell only when it is not text.
    """

    def effect(text: str) -> object:
        scratch = LeadDraft(row=0, fields={}, custom={})
        try:
            filled = convert(index, text, text, scratch)
        except InvalidValue:
            return _FAILED
        return (filled, tuple(scratch.fields.items()), tuple(scratch.custom.items()))

    return effect
