#pragma once
/// The readout loss of the BPTT baselines: softmax cross-entropy of one row of the readout
/// membrane against its label, in double precision with max subtraction.
#include <algorithm>
#include <cmath>
#include <limits>

namespace tp {

/// Returns -log softmax(mo)[label]; when `err` is given, err[c] = (softmax(mo)[c] - [c == label]) * scale.
template <typename S>
double softmaxCrossEntropy(const S* mo, int classes, int label, S* err = nullptr, double scale = 1.0)
{
    S mx = -std::numeric_limits<S>::infinity();
    for (int c = 0; c < classes; ++c)
        mx = std::max(mx, mo[c]);
    double sum = 0;
    for (int c = 0; c < classes; ++c)
        sum += std::exp(double(mo[c] - mx));
    if (err)
        for (int c = 0; c < classes; ++c)
            err[c] = S((std::exp(double(mo[c] - mx)) / sum - (c == label ? 1.0 : 0.0)) * scale);
    return double(mx) + std::log(sum) - double(mo[label]);
}

} // namespace tp
