#pragma once
/// Internal to io/: the array comparer shared by the MLP and the conv golden replays.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/errors.h"
#include "rules/tp/golden.h"
#include "io/h5.h"

namespace tp::golden_detail {

constexpr double kStateTol = 1e-5, kGradTol = 1e-3, kWeightTol = 1e-4;
constexpr double kWeightChangeTol = 2e-3;  ///< float32 bound on (final - init), conv README

struct Expected {
    h5::Array<double> a;
    std::size_t stride() const
    {
        std::size_t n = 1;
        for (std::size_t i = 1; i < a.dims.size(); ++i)
            n *= a.dims[i];
        return n;
    }
};

class Comparer {
public:
    Comparer(const h5::File& f, Precision p) : m_file(f), m_precision(p) {}

    /// Compare step t (or the whole array when t < 0) of `name` against mine(i) for each entry.
    template <typename Fn>
    void compare(const std::string& name, int t, std::size_t expectCount, double tolF32, bool exact, Fn&& mine)
    {
        const Expected& e = load(name);
        const std::size_t n = t < 0 ? e.a.size() : e.stride();
        if (n != expectCount)
            throw FormatError(m_file.path(), "dataset /expected/" + name,
                              "has " + std::to_string(n) + " values per step, the model needs " +
                                  std::to_string(expectCount));
        const std::size_t base = t < 0 ? 0 : std::size_t(t) * n;
        if (base + n > e.a.size())
            throw FormatError(m_file.path(), "dataset /expected/" + name, "has fewer time steps than 'steps'");
        tally(name, t, n, tolF32, exact, [&](std::size_t i) { return e.a.data[base + i]; }, mine);
    }

    /// A derived comparison (not a dataset), e.g. final - init: want(i) against mine(i), i < n.
    template <typename Want, typename Fn>
    void compareDerived(const std::string& name, std::size_t n, double tolF32, Want&& want, Fn&& mine)
    {
        tally(name, -1, n, tolF32, false, want, mine);
    }

    /// A dataset of the file that the replay did not compare: listed as a failing row.
    void notCompared(const std::string& name)
    {
        GoldenDeviation& d = entry(name + " (not compared)", true, 0);
        d.mismatches = 1;
    }

    /// Names of the rows so far ("final/W1", "spikes2", ...).
    bool compared(const std::string& name) const
    {
        for (const auto& r : m_rows)
            if (r.name == name)
                return true;
        return false;
    }

    bool has(const std::string& name) const { return m_file.exists("expected/" + name); }
    std::vector<GoldenDeviation> result() const { return m_rows; }

private:
    template <typename Want, typename Fn>
    void tally(const std::string& name, int t, std::size_t n, double tolF32, bool exact, Want&& wantAt, Fn&& mine)
    {
        GoldenDeviation& d = entry(name, exact, m_precision == Precision::Float64 ? 1e-9 : tolF32);
        double maxExp = 0, maxDiff = 0;
        for (std::size_t i = 0; i < n; ++i) {
            const double want = wantAt(i), got = mine(i);
            maxExp = std::max(maxExp, std::abs(want));
            const double diff = std::abs(got - want);
            if (!(diff <= maxDiff))  // also catches NaN
                maxDiff = std::isnan(diff) ? INFINITY : diff;
            if (exact && got != want)
                ++d.mismatches;
        }
        const double rel = maxExp > 0 ? maxDiff / maxExp : maxDiff;
        if (rel > d.max_rel) {
            d.max_rel = rel;
            d.worst_step = t;
        }
        d.max_abs = std::max(d.max_abs, maxDiff);
    }

    const Expected& load(const std::string& name)
    {
        auto it = m_cache.find(name);
        if (it == m_cache.end())
            it = m_cache.emplace(name, Expected{m_file.readDoubles("expected/" + name)}).first;
        return it->second;
    }
    GoldenDeviation& entry(const std::string& name, bool exact, double tol)
    {
        for (auto& r : m_rows)
            if (r.name == name)
                return r;
        GoldenDeviation d;
        d.name = name;
        d.exact = exact;
        d.tolerance = exact ? 0 : tol;
        m_rows.push_back(d);
        return m_rows.back();
    }
    const h5::File& m_file;
    Precision m_precision;
    std::map<std::string, Expected> m_cache;
    std::vector<GoldenDeviation> m_rows;
};

/// Replays a conv ("cnn") golden file in precision S (golden_conv.cpp).
template <typename S>
GoldenReport replayConv(const h5::File& f, Precision precision);

extern template GoldenReport replayConv<float>(const h5::File&, Precision);
extern template GoldenReport replayConv<double>(const h5::File&, Precision);

} // namespace tp::golden_detail
