#pragma once
/// The class rows of a TP batch: the target path depends only on the label, so the dense and
/// the conv TP networks run it once per class present in the batch, and the label trace.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace tp {

/// The classes present in a batch (ascending) and the class row of each batch row.
struct ClassRows {
    std::vector<int> label;   ///< class of each class row
    std::vector<int> of_row;  ///< class row of each batch row
    std::vector<int> count;   ///< batch rows per class row

    int size() const { return int(label.size()); }

    /// From the batch's labels (already checked to lie in [0, classes)).
    void assign(const std::vector<int>& labels)
    {
        label = labels;
        std::sort(label.begin(), label.end());
        label.erase(std::unique(label.begin(), label.end()), label.end());
        of_row.resize(labels.size());
        count.assign(label.size(), 0);
        for (std::size_t b = 0; b < labels.size(); ++b) {
            const int k = int(std::lower_bound(label.begin(), label.end(), labels[b]) - label.begin());
            of_row[b] = k;
            ++count[std::size_t(k)];
        }
    }
    std::size_t bytes() const { return (label.capacity() + of_row.capacity() + count.capacity()) * sizeof(int); }
};

/// trace (K, C) = beta * trace + the one-hot label of each class row.
template <typename M>
void stepLabelTrace(M& trace, const ClassRows& classes, double beta)
{
    using S = typename M::Scalar;
    trace *= S(beta);
    for (int k = 0; k < classes.size(); ++k)
        trace(k, classes.label[std::size_t(k)]) += S(1);
}

} // namespace tp
