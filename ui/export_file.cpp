#include "ui/export_file.h"

#include <QBuffer>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QSvgGenerator>

#include <exception>
#include <string_view>

#include "io/atomic_file.h"

namespace tp::ui {

bool writeExportFile(const QString& file, const QByteArray& bytes)
{
    try {
        tp::writeFileAtomically(QFile::encodeName(file).toStdString(),
                                std::string_view(bytes.constData(), std::size_t(bytes.size())));
        return true;
    } catch (const std::exception&) {
        return false;
    }
}

bool writeImageFile(const QString& file, const QImage& image)
{
    const QString suffix = QFileInfo(file).suffix().toLower();
    const char* format = suffix == QLatin1String("jpg") || suffix == QLatin1String("jpeg") ? "JPG"
                         : suffix == QLatin1String("bmp")                                   ? "BMP"
                                                                                            : "PNG";
    QByteArray bytes;
    QBuffer buffer(&bytes);
    return buffer.open(QIODevice::WriteOnly) && image.save(&buffer, format) && writeExportFile(file, bytes);
}

bool writeSvgFile(const QString& file, const QSize& size, const QString& title,
                  const std::function<void(QPainter&)>& paint)
{
    QByteArray bytes;
    QBuffer buffer(&bytes);
    if (!buffer.open(QIODevice::WriteOnly))
        return false;
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    QPainter painter;
    if (!painter.begin(&svg))
        return false;
    paint(painter);
    return painter.end() && !bytes.isEmpty() && writeExportFile(file, bytes);
}

} // namespace tp::ui
