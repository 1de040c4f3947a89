#pragma once
/// The divergence guard every engine runs after its weight update (TP, conv TP, both BPTTs).
#include <string>

#include <Eigen/Core>

#include "core/errors.h"

namespace tp {

/// Throws DivergenceError naming `name` when `w` holds a NaN or an Inf.
template <typename Derived>
void requireFiniteWeights(const Eigen::DenseBase<Derived>& w, const std::string& name)
{
    if (!w.allFinite())
        throw DivergenceError("weights " + name + " contain NaN or Inf: the run diverged "
                              "(lower the learning rate or check the input scale)");
}

} // namespace tp
