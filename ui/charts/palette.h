#pragma once
/// The Okabe-Ito colour-blind-safe palette (Okabe & Ito 2008), in the order the charts use it.
/// Black (the eighth) is left for threshold lines and markers; yellow comes last (low contrast on white).
#include <QColor>

namespace tp::ui {

inline QColor paletteColor(int i)
{
    static const QRgb colors[] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7, 0xE69F00, 0x56B4E9, 0xF0E442};
    return QColor::fromRgb(colors[(i % 7 + 7) % 7]);
}

} // namespace tp::ui
