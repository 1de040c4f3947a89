#pragma once
/// Sparse layer inputs: the active entries of a (rows x cols) matrix of spikes or event
/// counts, by row (CSR, for input currents) and by column (CSC, for weight gradients).
#include <cstddef>
#include <cstdint>
#include <vector>

#include "nn/kernels.h"

namespace tp {

struct Batch;

template <typename S>
struct SparseRows {
    int rows = 0, cols = 0;
    std::vector<std::int32_t> row_off, idx;  ///< CSR
    std::vector<S> val;
    std::vector<std::int32_t> col_off, col_row;  ///< CSC (after buildColumns)
    std::vector<S> col_val;

    std::size_t nonZeros() const { return idx.size(); }
    double density() const { return rows && cols ? double(idx.size()) / (double(rows) * cols) : 0.0; }

    /// Entries != 0 of a row-major block (row stride `stride`).
    void fromDense(const S* data, int rows, int cols, std::ptrdiff_t stride);
    /// Frame t of a batch (padded rows are empty).
    void fromBatch(const Batch& batch, int t);
    /// One entry of value 1 per row: row k has column label[k].
    void fromOneHot(const std::vector<int>& label, int cols);
    /// Prepare for rows written in parallel: row r's indices go to idx[r*stride ...] and its
    /// count to row_off[r+1]; then compactRows(stride) turns that into CSR (values 1).
    void beginRows(int rows, int stride);
    void compactRows(int stride);
    /// Build the CSC view from the CSR one (row order kept inside each column).
    void buildColumns();
    /// Write the dense (rows x cols) row-major matrix into out (zeroing it first).
    void toDense(S* out, std::ptrdiff_t stride) const;
    /// Bytes held (capacity) by the lists.
    std::size_t bytes() const;
};

/// out[0..h) += sum over the non-zero entries v = in[i] of v * column i of w (w column-major
/// (h, n)): one row of a layer's input current from a dense row of mostly-zero spikes.
template <typename S, typename W>
void gatherDense(S* __restrict out, const S* __restrict in, int n, const W& w, int h)
{
    const kern::Ops<S>& K = kern::ops<S>();
    for (int i = 0; i < n; ++i)
        if (in[i] != S(0))
            K.axpy(out, w.data() + std::ptrdiff_t(i) * h, in[i], std::size_t(h));
}

extern template struct SparseRows<float>;
extern template struct SparseRows<double>;

} // namespace tp
