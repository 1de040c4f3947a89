#pragma once
/// Exports of the GUI (CSV tables, SVG drawings, PNG images) go through the engine's one atomic
/// write (io/atomic_file.h): FILE.tmp, every write checked, fsync, rename. A failed export (a
/// full disk) leaves no partial file and any previous file whole. GUI thread.
#include <QByteArray>
#include <QSize>
#include <QString>

#include <functional>

class QImage;
class QPainter;

namespace tp::ui {

/// Write `bytes` to `file`; false on any failure.
bool writeExportFile(const QString& file, const QByteArray& bytes);
/// `image` encoded as the file's suffix says (png unless jpg/jpeg/bmp) and written atomically.
bool writeImageFile(const QString& file, const QImage& image);
/// An SVG document of `size` drawn by `paint`, written atomically.
bool writeSvgFile(const QString& file, const QSize& size, const QString& title,
                  const std::function<void(QPainter&)>& paint);

} // namespace tp::ui
