#include "ui/designer/layer_list_model.h"

#include <QApplication>
#include <QBrush>
#include <QDataStream>
#include <QIcon>
#include <QIODevice>
#include <QMimeData>
#include <QPainter>
#include <QPixmap>
#include <QStyle>

#include "ui/document/experiment_document.h"

namespace tp::ui {
namespace {

QString layerPath(int row) { return QStringLiteral("network.layers[%1]").arg(row); }

/// A small filled square in the colour of a layer kind (Okabe-Ito palette), or the error mark.
QIcon kindIcon(const QString& kind, bool error)
{
    if (error)
        return QApplication::style()->standardIcon(QStyle::SP_MessageBoxCritical);
    const QColor colour = kind == QLatin1String("conv")        ? QColor(0xE6, 0x9F, 0x00)
                          : kind == QLatin1String("recurrent") ? QColor(0xCC, 0x79, 0xA7)
                                                               : QColor(0x00, 0x72, 0xB2);
    QPixmap pixmap(16, 16);
    pixmap.fill(Qt::transparent);
    QPainter painter(&pixmap);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setBrush(colour);
    painter.setPen(colour.darker(130));
    painter.drawRoundedRect(QRectF(1.5, 1.5, 13, 13), 3, 3);
    return QIcon(pixmap);
}

} // namespace

LayerListModel::LayerListModel(ExperimentDocument* doc, QObject* parent) : QAbstractListModel(parent), m_doc(doc)
{
    connect(doc, &ExperimentDocument::documentReset, this, [this] {
        beginResetModel();
        endResetModel();
    });
    connect(doc, &ExperimentDocument::layerAboutToBeInserted, this,
            [this](int row) { beginInsertRows({}, row, row); });
    connect(doc, &ExperimentDocument::layerInserted, this, [this] { endInsertRows(); });
    connect(doc, &ExperimentDocument::layerAboutToBeRemoved, this,
            [this](int row) { beginRemoveRows({}, row, row); });
    connect(doc, &ExperimentDocument::layerRemoved, this, [this] { endRemoveRows(); });
    connect(doc, &ExperimentDocument::layerAboutToBeMoved, this, [this](int from, int to) {
        beginMoveRows({}, from, from, {}, to > from ? to + 1 : to);
    });
    connect(doc, &ExperimentDocument::layerMoved, this, [this] { endMoveRows(); });
    connect(doc, &ExperimentDocument::changed, this, &LayerListModel::refresh);
    refresh();
}

void LayerListModel::refresh()
{
    m_shapes = inferShapes(m_doc->json(), m_doc->measuredDatasetShape(), nullptr);
    if (rowCount() > 0)
        Q_EMIT dataChanged(index(0), index(rowCount() - 1));
}

int LayerListModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : m_doc->layerCount(); }

QString LayerListModel::kindName(int row) const
{
    const QString kind = data(index(row), KindRole).toString();
    return kind == QLatin1String("conv") ? tr("Conv LIF") : kind == QLatin1String("recurrent") ? tr("Recurrent LIF")
                                                                                               : tr("Dense LIF");
}

QVariant LayerListModel::data(const QModelIndex& index, int role) const
{
    if (!index.isValid() || index.row() >= rowCount())
        return {};
    const int row = index.row();
    const QString path = layerPath(row);
    const QString type = m_doc->value(path + QStringLiteral(".type")).toString();
    const QString kind = type == QLatin1String("conv") ? QStringLiteral("conv")
                         : m_doc->value(path + QStringLiteral(".recurrent")).toBool() ? QStringLiteral("recurrent")
                                                                                      : QStringLiteral("lif");
    const QString in = QString::fromStdString(row == 0 ? m_shapes.inputText() : m_shapes.layerText(std::size_t(row - 1)));
    const QString out = QString::fromStdString(m_shapes.layerText(std::size_t(row)));
    const QStringList errors = m_doc->issuesAt(path);
    switch (role) {
    case KindRole: return kind;
    case ShapeRole: return QStringLiteral("%1 \u2192 %2").arg(in, out);
    case ErrorsRole: return errors;
    case Qt::DisplayRole: {
        const QVariant size = m_doc->value(path + QStringLiteral(".size"));
        const QString sizeText = size.isValid() ? size.toString() : QStringLiteral("?");
        QString what = kind == QLatin1String("conv") ? tr("%1 channels, 3x3").arg(sizeText) : tr("%1 neurons").arg(sizeText);
        const QString pool = m_doc->value(path + QStringLiteral(".pool")).toString();
        if (kind == QLatin1String("conv") && pool == QLatin1String("max2"))
            what += tr(", max pool 2x2");
        else if (kind == QLatin1String("conv") && pool == QLatin1String("avgpool2x2"))
            what += tr(", avg pool to 2x2");
        else if (kind == QLatin1String("conv") && !pool.isEmpty() && pool != QLatin1String("none"))
            what += QStringLiteral(", ") + pool;
        return QStringLiteral("%1. %2 \u00b7 %3\n%4").arg(row + 1).arg(kindName(row), what, data(index, ShapeRole).toString());
    }
    case Qt::DecorationRole: return kindIcon(kind, !errors.isEmpty());
    case Qt::ForegroundRole:
        return errors.isEmpty() ? QVariant() : QVariant(QBrush(QColor(0xC0, 0x1C, 0x28)));
    case Qt::ToolTipRole:
        return errors.isEmpty() ? tr("Layer %1: %2, shape %3. Drag to reorder, Delete to remove.")
                                      .arg(row + 1)
                                      .arg(kindName(row), data(index, ShapeRole).toString())
                                : errors.join(QLatin1Char('\n'));
    case Qt::AccessibleTextRole:
        return data(index, Qt::DisplayRole).toString().replace(QLatin1Char('\n'), QStringLiteral(", ")) +
               (errors.isEmpty() ? QString() : tr(", error: ") + errors.join(QStringLiteral("; ")));
    default: return {};
    }
}

Qt::ItemFlags LayerListModel::flags(const QModelIndex& index) const
{
    if (!index.isValid())
        return Qt::ItemIsDropEnabled;
    return Qt::ItemIsSelectable | Qt::ItemIsEnabled | Qt::ItemIsDragEnabled;
}

QStringList LayerListModel::mimeTypes() const { return {QString::fromLatin1(kMimeType)}; }

QMimeData* LayerListModel::mimeData(const QModelIndexList& indexes) const
{
    if (indexes.size() != 1 || !indexes.front().isValid())
        return nullptr;
    auto* mime = new QMimeData;
    QByteArray bytes;
    QDataStream(&bytes, QIODevice::WriteOnly) << qint32(indexes.front().row());
    mime->setData(QString::fromLatin1(kMimeType), bytes);
    return mime;
}

bool LayerListModel::dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                                  const QModelIndex& parent)
{
    if (!data || action != Qt::MoveAction || !data->hasFormat(QString::fromLatin1(kMimeType)))
        return false;
    qint32 source = -1;
    QDataStream(data->data(QString::fromLatin1(kMimeType))) >> source;
    // Dropped between rows: row is the insertion point; dropped onto a row: before that row.
    const int destination = row >= 0 ? row : parent.isValid() ? parent.row() : rowCount();
    return moveRows({}, source, 1, {}, destination);
}

bool LayerListModel::moveRows(const QModelIndex& sourceParent, int sourceRow, int count,
                              const QModelIndex& destinationParent, int destinationChild)
{
    if (sourceParent.isValid() || destinationParent.isValid() || count != 1 || sourceRow < 0 ||
        sourceRow >= rowCount() || destinationChild < 0 || destinationChild > rowCount())
        return false;
    const int to = destinationChild > sourceRow ? destinationChild - 1 : destinationChild;
    if (to == sourceRow)
        return false;
    m_doc->moveLayer(sourceRow, to);
    return true;
}

} // namespace tp::ui
