#pragma once
/// Small views of the dataset panel: the class-balance bars and the images of one sample's
/// binned frames (ON polarity orange, OFF polarity blue, Okabe-Ito colours). GUI thread only.
#include <array>
#include <vector>

#include <QImage>
#include <QStringList>
#include <QWidget>

#include "core/sample.h"

namespace tp::ui {

/// Background of the frame images (no event).
inline constexpr QRgb kFrameBackground = 0xff202020;

/// Frame `step` of a sample on a (P, H, W) input: W x (P==2 ? H : H) image, ON (p = 1, or a
/// positive value of a 1-polarity input) orange, OFF (p = 0 of a 2-polarity input, or a
/// negative value) blue, brightness by |value| / the sample's largest |value|.
QImage frameImage(const Sample& sample, const std::array<int, 3>& shape, int step);

/// The whole sample of a 1-D input as time x channel: one column per step, one row per
/// channel (channel 0 at the top), coloured as frameImage.
QImage rasterImage(const Sample& sample, int channels);

/// Bars per class: train and test counts side by side, with class names under the bars.
class ClassBalanceView : public QWidget {
    Q_OBJECT
public:
    explicit ClassBalanceView(QWidget* parent = nullptr);
    void setCounts(const std::vector<std::size_t>& train, const std::vector<std::size_t>& test, const QStringList& names);
    const std::vector<std::size_t>& trainCounts() const { return m_train; }
    const std::vector<std::size_t>& testCounts() const { return m_test; }
    QSize sizeHint() const override { return {360, 150}; }
    QSize minimumSizeHint() const override { return {200, 110}; }

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<std::size_t> m_train, m_test;
    QStringList m_names;
};

} // namespace tp::ui
