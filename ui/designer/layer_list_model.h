#pragma once
/// The one item model of the layer stack (network.layers of an ExperimentDocument): one row
/// per hidden layer with its inferred shape and its validation problems. Reordering through
/// moveRows / dropMimeData (what QListView's internal drag and drop calls) pushes one
/// MoveLayerCommand. GUI thread only; the document must outlive the model.
#include <QAbstractListModel>

#include "ui/document/network_shapes.h"

namespace tp::ui {

class ExperimentDocument;

class LayerListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Role {
        ShapeRole = Qt::UserRole + 1,  ///< QString "40 -> 200" (input -> output of the layer)
        ErrorsRole,                    ///< QStringList of the layer's validation messages
        KindRole,                      ///< QString "lif", "recurrent" or "conv"
    };
    static constexpr const char* kMimeType = "application/x-traceprop-layer-row";

    explicit LayerListModel(ExperimentDocument* doc, QObject* parent = nullptr);

    int rowCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role = Qt::DisplayRole) const override;
    Qt::ItemFlags flags(const QModelIndex& index) const override;
    Qt::DropActions supportedDropActions() const override { return Qt::MoveAction; }
    Qt::DropActions supportedDragActions() const override { return Qt::MoveAction; }
    QStringList mimeTypes() const override;
    QMimeData* mimeData(const QModelIndexList& indexes) const override;
    bool dropMimeData(const QMimeData* data, Qt::DropAction action, int row, int column,
                      const QModelIndex& parent) override;
    /// Moves one row (count must be 1) before `destinationChild`, as one undo step.
    bool moveRows(const QModelIndex& sourceParent, int sourceRow, int count, const QModelIndex& destinationParent,
                  int destinationChild) override;

    /// Shapes of the whole network as last inferred.
    const ShapeReport& shapes() const { return m_shapes; }
    /// Human-readable kind of a row ("Dense LIF", "Recurrent LIF", "Conv LIF").
    QString kindName(int row) const;

private:
    void refresh();

    ExperimentDocument* m_doc;
    ShapeReport m_shapes;
};

} // namespace tp::ui
