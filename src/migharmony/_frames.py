"""Small helpers shared by the analysis modules (gaps, checks, ages, aggregate, compare).

>>> import pandas as pd
>>> frame = pd.DataFrame({"caveats": ["b;a", "", "a"]})
>>> join_caveats(frame["caveats"], pd.Series(["c", "", "a[1]"])).tolist()
['a;b;c', '', 'a;a[1]']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .schema import CAVEAT_SEP

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

#: Codes that mean "all" in a breakdown.
TOTAL = "_T"
#: Columns that describe how a figure was defined (its definition signature).
DEFINITION: tuple[str, ...] = ("migr_basis", "residence_rule", "source_type", "ref_date_type")
#: Columns that are not part of an observation's identity.
NON_KEY_AGE = ("age_low", "age_high")


def as_frame(data: Any) -> pd.DataFrame:
    """The DataFrame behind *data*: a DataFrame, or any object with a ``.data`` frame.

    A harmonized result's ``.metadata`` (when it is a mapping) is kept in
    ``attrs["migharmony"]`` unless the frame already carries it.

    >>> import pandas as pd
    >>> class Result:
    ...     data = pd.DataFrame({"x": [1]})
    ...     metadata = {"source_id": "demo"}
    >>> as_frame(Result()).attrs["migharmony"]["source_id"]
    'demo'
    """
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        return _decoded(data)
    frame = getattr(data, "data", None)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"expected a DataFrame or a result with a .data DataFrame, "
                        f"got {type(data).__name__}")
    metadata = getattr(data, "metadata", None)
    if isinstance(metadata, dict) and "migharmony" not in frame.attrs:
        frame = frame.copy(deep=False)
        frame.attrs["migharmony"] = dict(metadata)
    return _decoded(frame)


def constant_codes(value: str | None, index: pd.Index) -> pd.Series:
    """A categorical column holding *value* (or nothing, for None) on every row.

    >>> import pandas as pd
    >>> constant_codes("F", pd.RangeIndex(2)).tolist()
    ['F', 'F']
    """
    import numpy as np
    import pandas as pd

    cats = pd.Index([] if value is None else [value], dtype="str")
    # Zeros from calloc: a column of one code touches no memory until it is read.
    codes = np.full(len(index), -1, dtype=np.int8) if value is None else \
        np.zeros(len(index), dtype=np.int8)
    return pd.Series(pd.Categorical.from_codes(codes, dtype=pd.CategoricalDtype(cats),
                                               validate=False), index=index, copy=False)


def codes_of(values: Sequence[str | None], take: Any, index: pd.Index) -> pd.Series:
    """The categorical column whose row *i* is ``values[take[i]]`` (None is missing):
    *values* are the outcomes of the distinct labels, *take* each row's label number.

    >>> import numpy as np, pandas as pd
    >>> codes_of(["M", None, "F", "M"], np.array([0, 1, 2, 3, 0]), pd.RangeIndex(5)).tolist()
    ['M', nan, 'F', 'M', 'M']
    """
    import pandas as pd

    lookup, categories = code_lookup(values)
    return pd.Series(taken(lookup, categories, take, len(index)), index=index, copy=False)


def code_lookup(values: Sequence[str | None]) -> tuple[Any, pd.Index]:
    """The category code of each of *values* (-1 for None) and the categories (sorted),
    codes in the narrowest integer type, as pandas stores them: no conversion after.

    >>> lookup, categories = code_lookup(["M", None, "F", "M"])
    >>> lookup.tolist(), categories.tolist()
    ([1, -1, 0, 1], ['F', 'M'])
    """
    import numpy as np
    import pandas as pd

    cats = sorted({v for v in values if v is not None})
    number = {c: i for i, c in enumerate(cats)}
    width = np.int8 if len(cats) < 127 else np.int16 if len(cats) < 32_767 else np.int32
    lookup = np.array([number.get(v, -1) if v is not None else -1 for v in values],
                      dtype=width)
    return lookup, pd.Index(cats, dtype="str")


def taken(lookup: Any, categories: pd.Index, take: Any, n: int) -> Any:
    """The ``pd.Categorical`` of *n* rows whose row *i* has code ``lookup[take[i]]``."""
    import numpy as np
    import pandas as pd

    if len(lookup) and lookup.min() == lookup.max():  # one code for every row: no take
        row_codes: Any = np.zeros(n, dtype=lookup.dtype) if lookup[0] == 0 else \
            np.full(n, lookup[0], dtype=lookup.dtype)  # zeros from calloc touch no memory
    else:
        row_codes = lookup[np.asarray(take)] if len(lookup) else \
            np.full(n, -1, dtype=lookup.dtype)
    return pd.Categorical.from_codes(row_codes, dtype=pd.CategoricalDtype(categories),
                                     validate=False)


def category_codes(series: pd.Series) -> Any:
    """The codes of a categorical *series* (-1 for missing), read-only, without the copy
    ``series.cat.codes`` makes (a new Series, then its array: 1 MB per million rows).

    >>> import pandas as pd
    >>> category_codes(pd.Series(pd.Categorical(["b", None, "a"]))).tolist()
    [1, -1, 0]
    """
    import numpy as np

    return np.asarray(series.array.codes)


def distinct(series: pd.Series) -> tuple[Any, list[str]]:
    """Each row's number among the distinct texts of *series*, and those texts (a missing
    value reads as ""): in order of first appearance, as ``pd.factorize`` gives them, or
    for a categorical column in the order of its categories.

    A categorical column is read through its codes: only the categories in use, found
    by comparing or counting codes (no hashing), never a string per row; a missing value
    takes the category "" if there is one, else comes last. Categories read from text
    by Arrow are in order of first appearance in the file, so a table cut in slices
    lists its texts, slice after slice, in the order it would whole.

    >>> import pandas as pd
    >>> codes, texts = distinct(pd.Series(pd.Categorical(["b", None, "a", "b"],
    ...                                                  categories=["z", "a", "b"])))
    >>> codes.tolist(), texts
    ([1, 2, 0, 1], ['a', 'b', ''])
    """
    import numpy as np
    import pandas as pd

    if not isinstance(series.dtype, pd.CategoricalDtype):
        found, uniques = pd.factorize(series.fillna("").astype("str"), use_na_sentinel=False)
        return np.asarray(found), [str(u) for u in uniques]
    codes, used, texts, empty = _in_use(series)
    if empty is not None:  # missing values take the code of ""
        codes = np.where(codes < 0, empty, codes).astype(np.int32)
    if not len(used) or used[-1] == len(used) - 1:
        return codes, texts  # already numbered so: the categories in use are 0, 1, 2...
    number = np.full(len(series.cat.categories) + 1, -1, dtype=np.int32)
    number[used] = np.arange(len(used), dtype=np.int32)
    return number[codes], texts


def _in_use(series: pd.Series) -> tuple[Any, Any, list[str], int | None]:
    """A categorical column's codes (-1 for missing, as they are), the codes in use in
    category order, their texts, and the code a missing value reads as (that of "",
    or one past the categories when "" is not one; None when nothing is missing)."""
    import numpy as np
    import pandas as pd

    categories = series.cat.categories
    n_cats = len(categories)
    codes = category_codes(series)
    used = np.flatnonzero(codes_in_use(codes, n_cats))
    empty: int | None = None
    if len(codes) and codes.min() < 0:
        found = int(categories.get_indexer(pd.Index([""], dtype=object))[0])
        empty = found if found >= 0 else n_cats
        used = np.union1d(used, [empty])
    named = iter(str(c) for c in categories.take(used[used < n_cats]).tolist())
    return codes, used, ["" if i == n_cats else next(named) for i in used.tolist()], empty


def codes_in_use(codes: Any, n_categories: int) -> Any:
    """For each of *n_categories* category codes, whether *codes* (a categorical
    column's codes, -1 for missing) holds it: a few categories by one comparison each,
    more by counting 65,536 codes at a time (no whole-column copy of the codes).

    >>> import numpy as np
    >>> codes_in_use(np.array([2, -1, 2], dtype=np.int8), 3).tolist()
    [False, False, True]
    """
    import numpy as np

    if n_categories <= 32:
        return np.array([(codes == k).any() for k in range(n_categories)], dtype=bool)
    counts = np.zeros(n_categories + 1, dtype=np.int64)
    step = 1 << 16  # the codes counted as numpy's index type 512 kB at a time: memory reused
    for start in range(0, len(codes), step):
        counts += np.bincount(np.add(codes[start:start + step], 1, dtype=np.intp),
                              minlength=len(counts))
    return counts[1:] > 0


def texts_in_use(series: pd.Series) -> set[str]:
    """The distinct texts of *series* (a missing value reads as ""), as a set: what
    :func:`distinct` lists, without the row numbers or the order. A categorical column
    is read through its codes (:func:`codes_in_use`).

    >>> import pandas as pd
    >>> sorted(texts_in_use(pd.Series(pd.Categorical(["b", None], categories=["z", "b"]))))
    ['', 'b']
    """
    import pandas as pd

    if not isinstance(series.dtype, pd.CategoricalDtype):
        return set(distinct(series)[1])
    return set(_in_use(series)[2])  # no row numbers: no take over the rows


def row_keys(frame: pd.DataFrame, columns: Sequence[str], *, dense: bool = True) -> Any:
    """One integer per row, equal exactly where the rows are equal in *columns* (a missing
    value equals a missing value, as in ``DataFrame.duplicated``). Categorical columns
    are read through their codes. The keys are 0, 1, 2..., or with ``dense=False`` any
    integers (a renumbering fewer).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": pd.Categorical(["x", "y", "x", None]), "b": [1, 2, 1, 3]})
    >>> row_keys(frame, ["a", "b"]).tolist()
    [1, 2, 1, 0]
    """
    import numpy as np

    combined: Any = None
    bound = 1  # combined < bound
    for name in columns:
        codes, size = _key_codes(frame[name])
        if size == 1:  # one value in every row: it tells no rows apart
            continue
        if combined is None:
            combined = codes.astype(np.int64)  # a copy, to be changed in place
        else:
            if bound * size >= 2**62:  # renumbered before it could overflow
                combined, bound = _renumbered(combined, bound)
            combined *= size  # in place: no temporary array per column
            combined += codes
        bound *= size
    if combined is None:  # no column, or every one constant: all rows are equal
        combined = np.zeros(len(frame), dtype=np.int64)
    return _renumbered(combined, bound)[0] if dense else combined


def _key_codes(column: pd.Series) -> tuple[Any, int]:
    """Integer codes of *column*'s values and how many codes there can be (a missing
    value has a code of its own): categoricals through their codes, Arrow text through
    Arrow's dictionary encoding (several times faster than ``factorize`` over chunks)."""
    import numpy as np
    import pandas as pd

    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = category_codes(column)
        categories = len(column.cat.categories)
        if codes.min(initial=0) < 0:  # missing (-1) becomes 0, the categories 1, 2...
            return codes.astype(np.int64) + 1, categories + 1
        return codes, max(categories, 1)
    chunked = getattr(column.array, "_pa_array", None)
    if chunked is not None and column.dtype == "str":
        import pyarrow as pa
        import pyarrow.compute as pc

        encoded = chunked.dictionary_encode()  # one dictionary, shared by the chunks
        size = len(encoded.chunk(0).dictionary) if encoded.num_chunks else 0
        indices = pa.chunked_array([c.indices for c in encoded.chunks], pa.int32())
        if indices.null_count:  # missing becomes 0, the values 1, 2...
            return pc.add(pc.fill_null(indices, -1), 1).to_numpy(), size + 1
        return indices.to_numpy(), max(size, 1)
    codes, uniques = pd.factorize(column, use_na_sentinel=False)
    return codes, max(len(uniques), 1)


def key_hashes(frame: pd.DataFrame, columns: Sequence[str]) -> Any:
    """A 64-bit hash of each row's values in *columns*: equal rows hash alike, whatever
    frame they are in (a categorical column hashes its texts once and takes them by
    code, so two frames with different categories agree). Different rows may, very
    rarely, hash alike: a repeated hash means "compare these rows", never "equal".

    >>> import pandas as pd
    >>> one = pd.DataFrame({"sex": pd.Categorical(["F", "M"])})
    >>> two = pd.DataFrame({"sex": pd.Categorical(["M"], categories=["M", "_T"])})
    >>> key_hashes(one, ["sex"])[1] == key_hashes(two, ["sex"])[0]
    np.True_
    """
    import numpy as np

    # pandas' combination (``combine_hash_arrays``, CPython's tuple hash) of each column's
    # hashes, in place: one fresh array for the result, where pandas made three, and a
    # scalar for a column of one code, where it took the code's hash to every row.
    out = np.full(len(frame), 0x345678, dtype=np.uint64)
    mult = np.uint64(1000003)
    for i, name in enumerate(columns):
        out ^= _column_hashes(frame[name])
        out *= mult
        mult += np.uint64(82520 + 2 * (len(columns) - i))
    out += np.uint64(97531)
    return out


def _column_hashes(series: pd.Series) -> Any:
    """``pd.util.hash_pandas_object(series, index=False)``'s values: for categories and
    Arrow text, the hashes of the distinct texts (``pd.util.hash_array``) taken by code
    (a missing value hashes as the largest 64-bit number, as pandas has it); one number
    for a column of one code and no missing value."""
    import numpy as np
    import pandas as pd

    values = series.array
    if isinstance(values, pd.Categorical):
        codes = np.asarray(values.codes)
        hashed = pd.util.hash_array(np.asarray(values.categories), categorize=False)
        if len(hashed) == 1 and len(codes) and codes.min() == 0:
            return hashed[0]
        return np.append(hashed, np.iinfo(np.uint64).max)[codes]
    arrow = values.__arrow_array__() if isinstance(values, pd.arrays.ArrowStringArray) else None
    if arrow is not None and not arrow.null_count:
        import pyarrow.compute as pc

        encoded = pc.dictionary_encode(arrow).combine_chunks()
        texts = np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)
        return pd.util.hash_array(texts, categorize=False)[
            np.asarray(encoded.indices.to_numpy(zero_copy_only=False))]
    return pd.util.hash_pandas_object(series, index=False).to_numpy()


def any_repeated(keys: Any) -> bool:
    """Whether some integer of *keys* (a numpy array) appears twice. *keys* is sorted in
    place: no copy of a large array.

    >>> import numpy as np
    >>> any_repeated(np.array([5, 3, 9])), any_repeated(np.array([5, 3, 5]))
    (False, True)
    """
    keys.sort()
    return bool((keys[1:] == keys[:-1]).any())


def repeated(keys: Any) -> Any:
    """True for every row whose key (an integer, see :func:`row_keys`) is not unique.

    By sorting (vectorised), which is several times faster than hashing millions of keys.

    >>> import numpy as np
    >>> repeated(np.array([5, 3, 5, 9])).tolist()
    [True, False, True, False]
    """
    import numpy as np

    ordered = np.sort(keys)
    same = ordered[1:] == ordered[:-1]
    if not same.any():
        return np.zeros(len(keys), dtype=bool)
    return np.isin(keys, np.unique(ordered[1:][same]))


def _renumbered(keys: Any, bound: int) -> tuple[Any, int]:
    """*keys* (all below *bound*) as 0, 1, 2... in their order, and how many there are:
    through a lookup table when the bound is small, else by sorting."""
    import numpy as np

    if bound <= max(4 * len(keys), 1 << 16):
        present = np.zeros(bound, dtype=bool)
        present[keys] = True
        number = np.cumsum(present, dtype=np.int64) - 1
        return number[keys], int(number[-1]) + 1 if bound else 0
    values, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int64, copy=False), len(values)


def concat_codes(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """*frames* (same columns) one below the other, index renumbered; categorical
    columns stay categorical (their categories united, sorted). The frames are emptied
    column by column as they are joined, so that memory never holds the data twice.

    >>> import pandas as pd
    >>> one = pd.DataFrame({"sex": pd.Categorical(["M"]), "v": [1.0]})
    >>> two = pd.DataFrame({"sex": pd.Categorical(["F"]), "v": [2.0]})
    >>> both = concat_codes([one, two])
    >>> both["sex"].tolist(), both["sex"].cat.categories.tolist(), both["v"].tolist()
    (['M', 'F'], ['F', 'M'], [1.0, 2.0])
    """
    import pandas as pd

    if len(frames) == 1:
        return frames[0].reset_index(drop=True)
    attrs = dict(frames[0].attrs)
    columns: dict[str, Any] = {}
    for name in list(frames[0].columns):
        parts = [frame.pop(name).array for frame in frames]
        columns[name] = _stacked(parts)
        del parts
    out = pd.DataFrame(columns, copy=False)
    out.attrs = attrs
    return out


def _stacked(parts: list[Any]) -> Any:
    """Arrays one after the other: categoricals united; arrays of one dtype joined by
    their own concatenation (Arrow text as chunks, without a copy)."""
    import numpy as np
    import pandas as pd

    first = parts[0]
    if all(isinstance(p, pd.Categorical) for p in parts):
        if all(_one_code(p) and p.categories.equals(first.categories) for p in parts):
            # One code on every row (a definition of the source): zeros from calloc, no
            # memory touched, where joining the parts' codes wrote 10 MB per 10M rows.
            return pd.Categorical.from_codes(np.zeros(sum(len(p) for p in parts), np.int8),
                                             dtype=first.dtype, validate=False)
        return pd.api.types.union_categoricals(parts, sort_categories=True)
    if all(type(p) is type(first) and p.dtype == first.dtype for p in parts):
        return type(first)._concat_same_type(parts)
    return pd.concat([pd.Series(p) for p in parts], ignore_index=True).array


def kept_rows(array: Any, mask: Any, n: int) -> Any:
    """``array[mask]`` (*n* rows kept), where a column of one value on every row (zeros,
    all missing, one category) is made anew from calloc'd zeros: no memory touched for
    the constant definitions, ``unit_mult`` or ``obs_count`` of a million rows.

    >>> import numpy as np, pandas as pd
    >>> ints = pd.array([0, 0, 0], dtype="Int64")
    >>> kept_rows(ints, np.array([True, False, True]), 2).tolist()
    [0, 0]
    """
    import numpy as np
    import pandas as pd

    if isinstance(array, pd.arrays.IntegerArray):
        masked: Any = array  # its own values and mask, not copies
        values, missing = masked._data, masked._mask
        kept_values = values[mask] if _any_bit(values) else np.zeros(n, dtype=values.dtype)
        kept_missing = missing[mask] if _any_bit(missing) else np.zeros(n, dtype=bool)
        return pd.arrays.IntegerArray(kept_values, kept_missing)
    if isinstance(array, pd.Categorical) and _one_code(array):
        zeros: Any = np.zeros(n, dtype=np.asarray(array.codes).dtype)
        return pd.Categorical.from_codes(zeros, dtype=array.dtype, validate=False)
    return array[mask]


def _one_code(categorical: pd.Categorical) -> bool:
    """Whether *categorical* has one category and every row holds it (all codes zero)."""
    import numpy as np

    return len(categorical.categories) == 1 and not _any_bit(np.asarray(categorical.codes))


def _any_bit(values: Any) -> bool:
    """Whether some value of *values* (a numpy array of numbers) has a bit set: ``-0.0``
    is not all zero bits, unlike what ``values.any()`` says of it."""
    return bool(values.view(f"u{values.itemsize}").any()) if values.itemsize in (1, 2, 4, 8) \
        else True


def _write(whole: Any, start: int, values: Any) -> None:
    """*values* written into *whole* at *start*, unless they are its rows already."""
    into = whole[start:start + len(values)]
    if not (len(values) and values.__array_interface__["data"][0]
            == into.__array_interface__["data"][0] and values.strides == into.strides):
        into[:] = values


class Placed:
    """Number columns of the parts of a table, each written at its part's place in one
    array for the whole table (by the threads that make the parts), instead of joined
    at the end: a part's rows start at its first source row, and :meth:`settle` (or
    :meth:`joined`, for the parts not settled) moves each part down behind the one
    before it. The arrays' memory is first touched by the parts' threads, in parallel,
    not by one join after them.

    >>> import numpy as np
    >>> import pandas as pd
    >>> placed = Placed(capacity=6)  # two parts of 3 source rows each
    >>> placed.put(3, {"v": np.array([4.0]), "n": pd.array([None, 7][1:], dtype="Int64")})
    >>> placed.put(0, {"v": np.array([1.0, 2.0]), "n": pd.array([5, None], dtype="Int64")})
    >>> joined = placed.joined()
    >>> joined["v"].tolist(), joined["n"].tolist()
    ([1.0, 2.0, 4.0], [5, <NA>, 7])
    """

    def __init__(self, capacity: int) -> None:
        import threading

        self.capacity = capacity
        self._arrays: dict[str, tuple[Any, Any]] = {}  # name: (values, mask or None)
        self._lengths: dict[int, int] = {}  # part's first row: its number of rows
        self._zero: set[tuple[int, str, int]] = set()  # (part, name, 0 values / 1 mask) unwritten
        self._settled: dict[int, int] = {}  # part's first row: where its rows are now
        self._taken: set[tuple[int, str]] = set()  # (part, name) written by taken()
        self._lock = threading.Lock()

    def put(self, start: int, columns: Mapping[str, Any]) -> None:
        """Write *columns* (numpy arrays, or pandas integer arrays with missing values)
        of the part whose first source row is *start*; every part has the same names.

        The whole arrays start as zeros that no page holds yet (``calloc``): a part
        whose values (or missing marks) are all zero bits writes nothing, so that the
        columns a table leaves constant (``unit_mult`` 0, ``obs_count`` missing) cost
        no memory until they are read.
        """
        import numpy as np
        import pandas as pd

        length = 0
        for name, array in columns.items():
            if isinstance(array, pd.arrays.IntegerArray):
                # Its own arrays, not copies (to_numpy and isna would make them): the
                # values under a missing mark are never read.
                masked: Any = array
                values, mask = masked._data, masked._mask
            else:
                values, mask = np.asarray(array), None
            with self._lock:
                if name not in self._arrays:
                    self._arrays[name] = (np.zeros(self.capacity, values.dtype),
                                          None if mask is None else
                                          np.zeros(self.capacity, bool))
                whole, whole_mask = self._arrays[name]
            length = len(values)
            zero = set()
            # Rows made by taken() are no untouched zeros, even where they are zero now.
            touched = (start, name) in self._taken
            if touched or _any_bit(values):
                _write(whole, start, values)
            else:
                zero.add((start, name, 0))
            if whole_mask is not None:
                if touched or mask.any():
                    _write(whole_mask, start, mask)
                else:
                    zero.add((start, name, 1))
            with self._lock:
                self._zero |= zero
        with self._lock:
            self._lengths[start] = length

    def taken(self, start: int, name: str, values: Any, missing: Any, codes: Any) -> Any:
        """``IntegerArray(values[codes], missing[codes])`` (a code of -1 takes the last
        of *values* and *missing*), made straight in the whole column *name* at *start*:
        no array of its own first, copied by :meth:`put` after. :meth:`put` is then given
        the part's rows of that column (those kept, or these very views), as for any
        other column. Rows of one value of zero bits are left untouched.

        >>> import numpy as np
        >>> placed = Placed(capacity=4)
        >>> low = placed.taken(0, "age_low", np.array([0, 15, 0]),
        ...                    np.array([False, False, True]), np.array([1, -1, 0], np.int8))
        >>> low.tolist()
        [15, <NA>, 0]
        """
        import numpy as np
        import pandas as pd

        with self._lock:
            if name not in self._arrays:
                self._arrays[name] = (np.zeros(self.capacity, values.dtype),
                                      np.zeros(self.capacity, bool))
            whole, whole_mask = self._arrays[name]
            self._taken.add((start, name))
        end = start + len(codes)
        lowest, highest = (int(codes.min()), int(codes.max())) if len(codes) else (0, 0)
        for lookup, into in ((values, whole[start:end]), (missing, whole_mask[start:end])):
            if lowest == highest:  # one code: one value, zero bits left untouched
                if lookup[lowest] != 0:
                    into[:] = lookup[lowest]
            else:
                np.take(lookup, codes, out=into, mode="wrap")  # no buffer (mode "raise" has one)
        return pd.arrays.IntegerArray(whole[start:end], whole_mask[start:end])

    def part(self, start: int) -> dict[str, Any]:
        """The columns of the part put at *start*, as views of the whole arrays (valid
        until :meth:`joined` moves the parts)."""
        import pandas as pd

        end = start + self._lengths[start]
        return {name: whole[start:end] if mask is None else
                pd.arrays.IntegerArray(whole[start:end], mask[start:end])
                for name, (whole, mask) in self._arrays.items()}

    def settle(self, start: int) -> None:
        """Move the part put at *start* down behind the parts before it, now rather than
        in :meth:`joined` (the Parquet writer does it for each part it has written, in
        the order of the rows: the moves are done beside the slices, not after them).

        The caller settles the parts in the order of their rows, every part before
        *start* put and settled, and no longer reads the part's views (:meth:`part`).
        """
        with self._lock:
            end = sum(self._lengths[s] for s in self._settled)
            length = self._lengths[start]
        self._move(start, end, length)
        with self._lock:
            self._settled[start] = end

    def _move(self, start: int, end: int, length: int) -> None:
        """The rows of the part put at *start* moved to *end* (not above *start*)."""
        if start == end:
            return
        with self._lock:  # the parts' threads may be putting later parts meanwhile
            arrays, zero = list(self._arrays.items()), set(self._zero)
        for name, (whole, mask) in arrays:
            for kind, array in enumerate((whole, mask)):
                if array is None:
                    continue
                if (start, name, kind) in zero:
                    # Its own rows are untouched zeros: only those below them, left by
                    # the parts moved before it, are set to zero.
                    array[end:min(start, end + length)] = 0
                else:
                    array[end:end + length] = array[start:start + length]

    def joined(self) -> dict[str, Any]:
        """Each column with the parts one after the other, in the order of their rows."""
        import pandas as pd

        end = 0
        for start in sorted(self._lengths):
            length = self._lengths[start]
            if start not in self._settled:
                self._move(start, end, length)
            end += length
        # Views of the arrays, unless many rows were rejected: then copies, so that the
        # memory of the rejected rows is given back.
        view = end > 0.9 * self.capacity
        out: dict[str, Any] = {}
        for name, (whole, mask) in self._arrays.items():
            values = whole[:end] if view else whole[:end].copy()
            if mask is None:
                out[name] = values
            else:
                out[name] = pd.arrays.IntegerArray(values, mask[:end] if view
                                                   else mask[:end].copy())
        return out


def numbered(heads: Any, numbers: Any) -> Any:
    """``heads + str(number)`` for each number, as a ``str`` array joined by Arrow (no
    Python string per row); *heads* is one text for all, or one per number (an array,
    or an Arrow array).

    >>> numbered("row ", [2, 3]).tolist(), numbered(["B", "C"], [7, 7]).tolist()
    (['row 2', 'row 3'], ['B7', 'C7'])
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.large_string()
    numbers = np.asarray(numbers)
    if numbers.dtype.kind not in "iu":  # integers as they are: a cast to 64 bits costs
        numbers = numbers.astype(np.int64)  # more than the text (10M rows: 0.5 s)
    digits = pa.array(numbers).cast(text)
    if isinstance(heads, str):  # one text inserted before every number: a third of a join
        return pd.array(pc.binary_replace_slice(digits, start=0, stop=0, replacement=heads),
                        dtype="str")
    head = heads.cast(text) if isinstance(heads, pa.Array) else pa.array(heads, text)
    return pd.array(pc.binary_join_element_wise(head, digits, pa.scalar("", text)),
                    dtype="str")


def _decoded(frame: pd.DataFrame) -> pd.DataFrame:
    """*frame* with its categorical code columns as ``str``: the analysis steps edit
    and combine codes freely, and give canonical dtypes back with ``schema.conform``."""
    import pandas as pd

    cats = [c for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)]
    if not cats:
        return frame
    from .schema import decode

    out = frame.copy(deep=False)
    for name in cats:
        out[name] = decode(out[name])
    out.attrs = dict(frame.attrs)
    return out


def require(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    """Raise a ValueError naming the columns *what* needs and *frame* lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} needs the column(s) {', '.join(missing)}; is this a "
                         "harmonized (canonical) frame?")


def text(series: pd.Series) -> pd.Series:
    """*series* as text with missing values as empty strings."""
    return series.astype("str").fillna("").where(series.notna(), "")


def join_caveats(*columns: pd.Series, sort: bool = True) -> pd.Series:
    """Union of ';'-joined caveat columns, row by row, without duplicates.

    Codes are sorted, or with ``sort=False`` kept in the order the columns give them
    (the pipeline lists a row's caveats in the order its steps set them). The union is
    computed once per distinct combination of the columns, not per row.
    """
    import numpy as np
    import pandas as pd

    if not columns:
        raise ValueError("join_caveats needs at least one column")
    index = columns[0].index
    parts = pd.DataFrame({i: column if column.index.equals(index) else column.reindex(index)
                          for i, column in enumerate(columns)}, index=index, copy=False)
    # Combinations of the columns that vary (a column of one code adds the same to all).
    varying = [i for i in parts.columns if not _constant(parts[i])]
    if len(index) and (not varying or (len(varying) == 1 and
                       isinstance(parts[varying[0]].dtype, pd.CategoricalDtype))):
        # At most one column varies (the usual case): its texts in use are the
        # combinations, no row keys; the other columns give their one value.
        fixed = [_text(parts[i].iat[0]) for i in range(len(columns))]
        if varying:
            combined, texts = distinct(parts[varying[0]])
            k = list(parts.columns).index(varying[0])
            rows = [[*fixed[:k], text, *fixed[k + 1:]] for text in texts]
        else:
            combined, rows = np.zeros(len(index), dtype=np.intp), [fixed]
    else:
        combined = row_keys(parts, varying)  # categoricals through their codes
        # One row of each combination (every row of it has the same union).
        first = np.zeros(int(combined.max()) + 1 if len(combined) else 0, dtype=np.int64)
        first[combined] = np.arange(len(combined))
        rows = [[_text(parts[i].iat[row]) for i in range(len(columns))]
                for row in first.tolist()]
    clean = []
    for texts_of_row in rows:
        seen: list[str] = []
        for text in texts_of_row:
            for code in text.split(CAVEAT_SEP):
                if code and code not in seen:
                    seen.append(code)
        clean.append(CAVEAT_SEP.join(sorted(seen) if sort else seen))
    return codes_of(clean, combined, index)  # categorical: the unions once each


def _text(value: Any) -> str:
    import pandas as pd

    return "" if pd.isna(value) else str(value)


def _constant(column: pd.Series) -> bool:
    """Whether a categorical *column* holds one code (or nothing) on every row."""
    import pandas as pd

    if not isinstance(column.dtype, pd.CategoricalDtype) or len(column.cat.categories) > 1:
        return False
    codes = category_codes(column)
    return not len(codes) or int(codes.min()) == int(codes.max())


def add_caveat(caveats: pd.Series, code: pd.Series | str, where: pd.Series | None = None
               ) -> pd.Series:
    """Add caveat *code* (one text or one per row) to *caveats*, where *where* is true."""
    import pandas as pd

    new = code if isinstance(code, pd.Series) else pd.Series(code, index=caveats.index)
    new = text(new)
    if where is not None:
        new = new.where(where.reindex(caveats.index, fill_value=False).astype(bool), "")
    return join_caveats(caveats, new)


def key_columns(frame: pd.DataFrame) -> list[str]:
    """The observation key of *frame* (canonical key plus extra breakdowns), as present."""
    from . import schema

    return [c for c in schema.key(frame) if c in frame.columns]
