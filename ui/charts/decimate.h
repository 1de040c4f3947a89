#pragma once
/// Min/max decimation for live line charts: at most two points per horizontal pixel, keeping
/// each pixel column's extremes (in their original order) so spikes in a curve stay visible.
#include <QPointF>
#include <QVector>

#include <algorithm>
#include <cmath>

namespace tp::ui {

/// `n` points (x(i), y(i)) with x increasing; `pixels` columns. Non-finite y are skipped.
template <typename XFn, typename YFn>
QVector<QPointF> decimateMinMax(std::size_t n, XFn x, YFn y, int pixels)
{
    QVector<QPointF> out;
    pixels = std::max(1, pixels);
    if (n <= std::size_t(2 * pixels)) {
        out.reserve(qsizetype(n));
        for (std::size_t i = 0; i < n; ++i)
            if (std::isfinite(double(y(i))))
                out.append(QPointF(double(x(i)), double(y(i))));
        return out;
    }
    out.reserve(2 * pixels);
    for (int p = 0; p < pixels; ++p) {
        const std::size_t i0 = n * std::size_t(p) / std::size_t(pixels), i1 = n * std::size_t(p + 1) / std::size_t(pixels);
        std::size_t lo = i1, hi = i1;
        for (std::size_t i = i0; i < i1; ++i) {
            const double v = double(y(i));
            if (!std::isfinite(v))
                continue;
            if (lo == i1 || v < double(y(lo)))
                lo = i;
            if (hi == i1 || v > double(y(hi)))
                hi = i;
        }
        if (lo == i1)
            continue;
        for (std::size_t i : {std::min(lo, hi), std::max(lo, hi)}) {
            out.append(QPointF(double(x(i)), double(y(i))));
            if (lo == hi)
                break;
        }
    }
    return out;
}

} // namespace tp::ui
