#include "nn/sparse_rows.h"

#include <algorithm>

#include "core/sample.h"

namespace tp {

template <typename S>
void SparseRows<S>::fromDense(const S* data, int nrows, int ncols, std::ptrdiff_t stride)
{
    rows = nrows;
    cols = ncols;
    row_off.resize(std::size_t(nrows) + 1);
    idx.clear();
    val.clear();
    row_off[0] = 0;
    for (int r = 0; r < nrows; ++r) {
        const S* row = data + r * stride;
        for (int c = 0; c < ncols; ++c) {
            if (row[c] != S(0)) {
                idx.push_back(c);
                val.push_back(row[c]);
            }
        }
        row_off[r + 1] = std::int32_t(idx.size());
    }
}

template <typename S>
void SparseRows<S>::fromBatch(const Batch& batch, int t)
{
    rows = batch.size;
    cols = batch.channels;
    const auto& off = batch.row_offsets[t];
    const auto& units = batch.units[t];
    const auto& values = batch.values[t];
    row_off.assign(off.begin(), off.end());
    idx.assign(units.begin(), units.end());
    val.resize(values.size());
    std::transform(values.begin(), values.end(), val.begin(), [](float v) { return S(v); });
}

template <typename S>
void SparseRows<S>::fromOneHot(const std::vector<int>& label, int ncols)
{
    rows = int(label.size());
    cols = ncols;
    row_off.resize(label.size() + 1);
    idx.assign(label.begin(), label.end());
    val.assign(label.size(), S(1));
    for (std::size_t r = 0; r <= label.size(); ++r)
        row_off[r] = std::int32_t(r);
}

template <typename S>
void SparseRows<S>::beginRows(int nrows, int stride)
{
    rows = nrows;
    cols = stride;
    row_off.assign(std::size_t(nrows) + 1, 0);
    idx.resize(std::size_t(nrows) * std::size_t(stride));
}

template <typename S>
void SparseRows<S>::compactRows(int stride)
{
    std::int32_t total = 0;
    for (int r = 0; r < rows; ++r) {
        const std::int32_t count = row_off[r + 1];
        // Row r starts at r*stride >= total: moving it down in row order never overwrites unread data.
        if (total != r * stride)
            std::copy(idx.begin() + std::ptrdiff_t(r) * stride, idx.begin() + std::ptrdiff_t(r) * stride + count,
                      idx.begin() + total);
        row_off[r] = total;
        total += count;
    }
    row_off[rows] = total;
    idx.resize(std::size_t(total));
    val.assign(std::size_t(total), S(1));
}

template <typename S>
void SparseRows<S>::buildColumns()
{
    col_off.assign(std::size_t(cols) + 1, 0);
    for (const auto c : idx)
        ++col_off[std::size_t(c) + 1];
    for (int c = 0; c < cols; ++c)
        col_off[c + 1] += col_off[c];
    col_row.resize(idx.size());
    col_val.resize(idx.size());
    std::vector<std::int32_t> fill(col_off.begin(), col_off.end() - 1);
    for (int r = 0; r < rows; ++r) {
        for (auto e = row_off[r]; e < row_off[r + 1]; ++e) {
            const auto pos = fill[idx[e]]++;
            col_row[pos] = r;
            col_val[pos] = val[e];
        }
    }
}

template <typename S>
void SparseRows<S>::toDense(S* out, std::ptrdiff_t stride) const
{
    for (int r = 0; r < rows; ++r) {
        S* row = out + r * stride;
        std::fill(row, row + cols, S(0));
        for (auto e = row_off[r]; e < row_off[r + 1]; ++e)
            row[idx[e]] += val[e];
    }
}

template <typename S>
std::size_t SparseRows<S>::bytes() const
{
    return (row_off.capacity() + idx.capacity() + col_off.capacity() + col_row.capacity()) * sizeof(std::int32_t)
        + (val.capacity() + col_val.capacity()) * sizeof(S);
}

template struct SparseRows<float>;
template struct SparseRows<double>;

} // namespace tp
