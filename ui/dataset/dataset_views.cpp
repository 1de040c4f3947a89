#include "ui/dataset/dataset_views.h"

#include <algorithm>
#include <cmath>

#include <QPainter>

namespace tp::ui {
namespace {

const QColor kOn(0xE6, 0x9F, 0x00);    // orange
const QColor kOff(0x56, 0xB4, 0xE9);   // sky blue
const QColor kTrain(0x00, 0x72, 0xB2);
const QColor kTest(0xE6, 0x9F, 0x00);

QRgb shade(const QColor& colour, double fraction)
{
    const QColor bg = QColor::fromRgb(kFrameBackground);
    const double f = std::clamp(0.35 + 0.65 * fraction, 0.0, 1.0);  // faint events stay visible
    return qRgb(int(bg.red() + (colour.red() - bg.red()) * f), int(bg.green() + (colour.green() - bg.green()) * f),
                int(bg.blue() + (colour.blue() - bg.blue()) * f));
}

float maxAbs(const Sample& sample)
{
    float m = 0;
    for (float v : sample.values)
        m = std::max(m, std::fabs(v));
    return m > 0 ? m : 1;
}

} // namespace

QImage frameImage(const Sample& sample, const std::array<int, 3>& shape, int step)
{
    const int p = std::max(shape[0], 1), h = std::max(shape[1], 1), w = std::max(shape[2], 1);
    QImage image(w, h, QImage::Format_RGB32);
    image.fill(kFrameBackground);
    if (step < 0 || step >= sample.steps())
        return image;
    const float peak = maxAbs(sample);
    // Both polarities of a pixel: add their colours so overlapping ON/OFF stays visible.
    std::vector<float> on(std::size_t(w) * h, 0.f), off(std::size_t(w) * h, 0.f);
    for (auto e = sample.step_offsets[step]; e < sample.step_offsets[step + 1]; ++e) {
        const int ch = sample.units[e];
        const int x = ch % w, y = (ch / w) % h, pol = ch / (w * h);
        const float v = sample.values[e];
        const bool isOn = p >= 2 ? pol >= 1 : v > 0;
        (isOn ? on : off)[std::size_t(y) * w + x] += std::fabs(v);
    }
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const float a = on[std::size_t(y) * w + x], b = off[std::size_t(y) * w + x];
            if (a == 0 && b == 0)
                continue;
            const QColor c = QColor::fromRgb(a >= b ? shade(kOn, a / peak) : shade(kOff, b / peak));
            image.setPixel(x, y, c.rgb());
        }
    return image;
}

QImage rasterImage(const Sample& sample, int channels)
{
    QImage image(std::max(sample.steps(), 1), std::max(channels, 1), QImage::Format_RGB32);
    image.fill(kFrameBackground);
    const float peak = maxAbs(sample);
    for (int t = 0; t < sample.steps(); ++t)
        for (auto e = sample.step_offsets[t]; e < sample.step_offsets[t + 1]; ++e) {
            const float v = sample.values[e];
            if (v != 0 && sample.units[e] < channels)
                image.setPixel(t, sample.units[e], shade(v > 0 ? kOn : kOff, std::fabs(v) / peak));
        }
    return image;
}

ClassBalanceView::ClassBalanceView(QWidget* parent) : QWidget(parent)
{
    setAccessibleName(tr("Class balance"));
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
}

void ClassBalanceView::setCounts(const std::vector<std::size_t>& train, const std::vector<std::size_t>& test,
                                 const QStringList& names)
{
    m_train = train;
    m_test = test;
    m_names = names;
    QStringList parts;
    for (std::size_t c = 0; c < std::max(train.size(), test.size()); ++c)
        parts << tr("%1: %2 train, %3 test")
                     .arg(c < std::size_t(names.size()) ? names[int(c)] : QString::number(c))
                     .arg(c < train.size() ? train[c] : 0)
                     .arg(c < test.size() ? test[c] : 0);
    setToolTip(parts.join(QLatin1Char('\n')));
    setAccessibleDescription(parts.join(QStringLiteral("; ")));
    update();
}

void ClassBalanceView::paintEvent(QPaintEvent*)
{
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const std::size_t classes = std::max(m_train.size(), m_test.size());
    if (classes == 0) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("Load the dataset to see its class balance"));
        return;
    }
    std::size_t peak = 1;
    for (std::size_t c = 0; c < classes; ++c)
        peak = std::max({peak, c < m_train.size() ? m_train[c] : 0, c < m_test.size() ? m_test[c] : 0});
    const QFontMetrics fm(font());
    const int legend = fm.height() + 4, axis = fm.height() + 4, left = fm.horizontalAdvance(QString::number(peak)) + 8;
    const QRectF plot(left, legend, width() - left - 4, height() - legend - axis);
    painter.setPen(palette().color(QPalette::Text));
    painter.drawText(QRectF(0, legend - 2, left - 4, fm.height()), Qt::AlignRight | Qt::AlignTop, QString::number(peak));
    painter.drawText(QRectF(0, plot.bottom() - fm.height(), left - 4, fm.height()), Qt::AlignRight, QStringLiteral("0"));
    painter.drawLine(plot.bottomLeft(), plot.bottomRight());
    // Legend.
    painter.fillRect(QRectF(left, 2, 10, 10), kTrain);
    painter.drawText(QPointF(left + 14, 11), tr("train"));
    const int testX = left + 20 + fm.horizontalAdvance(tr("train")) + 10;
    painter.fillRect(QRectF(testX, 2, 10, 10), kTest);
    painter.drawText(QPointF(testX + 14, 11), tr("test"));

    const double slot = plot.width() / double(classes);
    const double bar = std::max(1.0, slot * 0.4);
    const int labelEvery = std::max(1, int(std::ceil(fm.horizontalAdvance(QStringLiteral("000")) / slot)));
    for (std::size_t c = 0; c < classes; ++c) {
        const double x = plot.left() + slot * double(c) + slot * 0.1;
        const auto drawBar = [&](double x0, std::size_t n, const QColor& colour) {
            const double hgt = plot.height() * double(n) / double(peak);
            painter.fillRect(QRectF(x0, plot.bottom() - hgt, bar, hgt), colour);
        };
        drawBar(x, c < m_train.size() ? m_train[c] : 0, kTrain);
        drawBar(x + bar, c < m_test.size() ? m_test[c] : 0, kTest);
        if (int(c) % labelEvery == 0) {
            const QString name = c < std::size_t(m_names.size()) ? m_names[int(c)] : QString::number(c);
            painter.drawText(QRectF(plot.left() + slot * double(c), plot.bottom() + 2, slot * labelEvery, fm.height()),
                             Qt::AlignLeft | Qt::AlignTop, fm.elidedText(name, Qt::ElideRight, int(slot * labelEvery)));
        }
    }
}

} // namespace tp::ui
