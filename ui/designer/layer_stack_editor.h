#pragma once
/// The visual layer-stack designer: a palette (input, dense LIF, recurrent LIF, conv LIF,
/// conv LIF + max pool, readout) and the stack itself, input -> layers -> readout, each layer
/// with its inferred shape and an inline error marker (red icon, message as tooltip).
/// Add: double-click or Enter on a palette entry, or the Add button (inserts after the selected
/// layer). Remove: Delete or the Remove button. Reorder: drag and drop, or Ctrl+Up / Ctrl+Down.
/// Every edit is one undo command on the document. GUI thread only.
#include <QWidget>

class QLabel;
class QListView;
class QListWidget;
class QListWidgetItem;
class QToolButton;

namespace tp::ui {

class ExperimentDocument;
class LayerListModel;

class LayerStackEditor : public QWidget {
    Q_OBJECT
public:
    explicit LayerStackEditor(ExperimentDocument* doc, QWidget* parent = nullptr);

    int layerCount() const;
    /// The selected layer (index into network.layers), -1 when none.
    int currentLayer() const;
    void selectLayer(int index);
    /// Adds a layer of a palette kind ("lif", "recurrent", "conv", "conv_pool") after the
    /// selected one (at the end when none is selected) and selects it.
    void addLayer(const QString& kind);
    void removeSelectedLayer();
    /// Moves the selected layer by `delta` rows (one undo step).
    void moveSelectedLayer(int delta);

    LayerListModel* model() const { return m_model; }
    QListView* view() const { return m_view; }
    QListWidget* palette() const { return m_palette; }
    /// "Input 40 -> 200 -> 10" line and network-wide problems, for tests and the status bar.
    QString shapeSummary() const;
    QString networkErrors() const;

Q_SIGNALS:
    void currentLayerChanged(int index);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void paletteActivated(QListWidgetItem* item);
    void refresh();

    ExperimentDocument* m_doc;
    LayerListModel* m_model;
    QListWidget* m_palette;
    QListView* m_view;
    QLabel* m_input;
    QLabel* m_readout;
    QLabel* m_summary;
    QLabel* m_errors;
    QToolButton* m_add;
    QToolButton* m_remove;
    QToolButton* m_up;
    QToolButton* m_down;
};

} // namespace tp::ui
