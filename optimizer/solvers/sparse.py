"""Sparse matrices by rows (CSR) in NumPy arrays, for compiling a model without SciPy.

Importing SciPy costs every command half a second: once SciPy is imported, Pyomo imports
``scipy.stats`` (and ``integrate``, ``spatial``) as well, 0.5 s on this machine. Compiling a
model needs four things of a sparse matrix, done here with the same arithmetic, in the same
order, as ``scipy.sparse`` does them, so the model HiGHS receives is the same to the last bit:
column counts, the product of some columns with their values, a selection of columns, and
the matrix by columns for HiGHS. The decomposition (``benders``), which slices and stacks
blocks, takes a SciPy matrix (``to_scipy``) and imports SciPy when it runs; so does turning
a large matrix by columns (``by_columns``), where the import is small beside the compile.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

SCIPY_ABOVE_NONZEROS = 2_000_000
"""Matrices larger than this are turned by columns by SciPy (imported then: a large case's
compile takes minutes, SciPy's import half a second)."""
Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]


@dataclass(frozen=True)
class SparseRows:
    """Row i holds ``data[indptr[i]:indptr[i+1]]`` in columns ``indices[...]``, in the order read."""

    data: Floats
    indices: Ints
    indptr: Ints
    shape: tuple[int, int]

    @classmethod
    def from_parts(cls, data: Any, indices: Any, indptr: Any, shape: tuple[int, int]) -> SparseRows:
        return cls(
            np.asarray(data, dtype=np.float64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(indptr, dtype=np.int64),
            shape,
        )

    @property
    def nnz(self) -> int:
        return len(self.data)

    def entries_per_column(self) -> Ints:
        return np.bincount(self.indices, minlength=self.shape[1])

    def entry_rows(self) -> Ints:
        """The row of each entry, in the order the entries are stored."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int64), np.diff(self.indptr))

    def times_columns(self, columns: npt.NDArray[np.bool_], values: Floats) -> Floats:
        """Each row's sum of coefficient x value over ``columns`` (``values`` one per such column),
        added from zero in the row's order, as SciPy's ``matrix[:, columns] @ values``."""
        full = np.zeros(self.shape[1])
        full[columns] = values
        chosen = columns[self.indices]
        rows = self.entry_rows()[chosen]
        products = self.data[chosen] * full[self.indices[chosen]]
        return np.bincount(rows, weights=products, minlength=self.shape[0]).astype(np.float64)

    def with_columns(self, keep: Ints) -> SparseRows:
        """Only the columns ``keep`` (ascending), renumbered, every row's entries in their order."""
        new_index = np.full(self.shape[1], -1, dtype=np.int64)
        new_index[keep] = np.arange(len(keep))
        kept = new_index[self.indices] >= 0
        counts = np.bincount(self.entry_rows()[kept], minlength=self.shape[0])
        indptr = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
        return SparseRows(self.data[kept], new_index[self.indices[kept]], indptr, (self.shape[0], len(keep)))

    def dense_row(self, i: int) -> Floats:
        row = np.zeros(self.shape[1])
        start, end = self.indptr[i], self.indptr[i + 1]
        row[self.indices[start:end]] = self.data[start:end]
        return row

    def by_columns(self, scipy_above: int = SCIPY_ABOVE_NONZEROS) -> tuple[Ints, Ints, Floats]:
        """(start, row index, value) of the matrix by columns, rows ascending in each column.

        Above ``scipy_above`` entries SciPy's conversion does it (the same arrays: 1.4 s against
        NumPy's stable sort's 4.2 s for 25M entries), where its import is small beside the compile.
        """
        if self.nnz > scipy_above:
            by_columns = self.to_scipy().tocsc()
            return (
                by_columns.indptr.astype(np.int64),
                by_columns.indices.astype(np.int64),
                by_columns.data.astype(np.float64),
            )
        order = np.argsort(self.indices, kind="stable")  # rows stay in order within a column
        rows = self.entry_rows()
        start = np.concatenate(([0], np.cumsum(self.entries_per_column()))).astype(np.int64)
        return start, rows[order], self.data[order]

    def to_scipy(self) -> Any:
        """The same matrix as ``scipy.sparse.csr_matrix`` (imports SciPy), on copies of the arrays:
        SciPy sorts a matrix's entries in place, which would scramble ours."""
        import scipy.sparse as sp

        return sp.csr_matrix((self.data.copy(), self.indices.copy(), self.indptr.copy()), shape=self.shape)
