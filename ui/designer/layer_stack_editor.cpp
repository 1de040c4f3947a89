#include "ui/designer/layer_stack_editor.h"

#include <QAction>
#include <QBoxLayout>
#include <QGroupBox>
#include <QKeyEvent>
#include <QLabel>
#include <QListView>
#include <QListWidget>
#include <QStyle>
#include <QToolButton>

#include "registry.h"
#include "ui/designer/layer_list_model.h"
#include "ui/document/experiment_document.h"

namespace tp::ui {
namespace {

constexpr int kKindRole = Qt::UserRole + 1;

QToolButton* toolButton(QStyle::StandardPixmap icon, const QString& text, const QString& tip, QWidget* parent)
{
    auto* button = new QToolButton(parent);
    button->setIcon(parent->style()->standardIcon(icon));
    button->setText(text);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setToolTip(tip);
    button->setAccessibleName(text);
    button->setAccessibleDescription(tip);
    return button;
}

QLabel* endLabel(QWidget* parent)
{
    auto* label = new QLabel(parent);
    label->setFrameShape(QFrame::StyledPanel);
    label->setMargin(4);
    label->setWordWrap(true);
    label->setTextInteractionFlags(Qt::TextSelectableByMouse);
    return label;
}

} // namespace

LayerStackEditor::LayerStackEditor(ExperimentDocument* doc, QWidget* parent)
    : QWidget(parent), m_doc(doc), m_model(new LayerListModel(doc, this))
{
    setObjectName(QStringLiteral("layerStackEditor"));
    auto* paletteBox = new QGroupBox(tr("Palette"), this);
    m_palette = new QListWidget(paletteBox);
    m_palette->setAccessibleName(tr("Layer palette"));
    m_palette->setToolTip(tr("Double-click or press Enter to add a layer after the selected one"));
    const struct {
        const char* kind;
        const char* name;
        const char* tip;
    } entries[] = {
        {"input", QT_TR_NOOP("Input"), QT_TR_NOOP("Every network has one input: the dataset's channels (or network.inputs). It is the top of the stack.")},
        {"lif", QT_TR_NOOP("Dense LIF"), QT_TR_NOOP("Fully connected leaky integrate-and-fire layer")},
        {"recurrent", QT_TR_NOOP("Recurrent LIF"), QT_TR_NOOP("Dense LIF layer with recurrent weights")},
        {"conv", QT_TR_NOOP("Conv LIF"), QT_TR_NOOP("3x3 convolution LIF block (stride 1, pad 1), no pooling")},
        {"conv_pool", QT_TR_NOOP("Conv LIF + max pool"), QT_TR_NOOP("3x3 convolution LIF block followed by 2x2 max pooling of its spikes")},
        {"readout", QT_TR_NOOP("Readout"), QT_TR_NOOP("Every network has one leaky-integrator readout, one unit per class. It is the bottom of the stack.")},
    };
    for (const auto& entry : entries) {
        auto* item = new QListWidgetItem(tr(entry.name), m_palette);
        item->setData(kKindRole, QString::fromLatin1(entry.kind));
        item->setToolTip(tr(entry.tip));
        const bool fixed = QLatin1String(entry.kind) == QLatin1String("input") || QLatin1String(entry.kind) == QLatin1String("readout");
        if (fixed)
            item->setForeground(QWidget::palette().color(QPalette::Disabled, QPalette::Text));
    }
    m_palette->setCurrentRow(1);
    m_add = toolButton(QStyle::SP_FileDialogNewFolder, tr("Add"), tr("Add the palette's selected layer after the selected layer (Enter)"), paletteBox);
    m_palette->setSizeAdjustPolicy(QAbstractScrollArea::AdjustToContents);
    m_palette->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
    auto* help = new QLabel(tr("Double-click or Enter adds a layer after the selected one. Drag layers to reorder "
                               "(or Ctrl+Up / Ctrl+Down); Delete removes one. Every edit can be undone."),
                            paletteBox);
    help->setWordWrap(true);
    help->setForegroundRole(QPalette::PlaceholderText);
    auto* paletteLayout = new QVBoxLayout(paletteBox);
    paletteLayout->addWidget(m_palette);
    paletteLayout->addWidget(m_add);
    paletteLayout->addWidget(help);
    paletteLayout->addStretch();

    auto* stackBox = new QGroupBox(tr("Layer stack"), this);
    m_input = endLabel(stackBox);
    m_readout = endLabel(stackBox);
    m_view = new QListView(stackBox);
    m_view->setModel(m_model);
    m_view->setAccessibleName(tr("Layer stack"));
    m_view->setSelectionMode(QAbstractItemView::SingleSelection);
    m_view->setDragDropMode(QAbstractItemView::InternalMove);
    m_view->setDefaultDropAction(Qt::MoveAction);
    m_view->setDragEnabled(true);
    m_view->setAcceptDrops(true);
    m_view->setDropIndicatorShown(true);
    m_view->setSpacing(2);
    m_view->setWordWrap(true);
    m_view->installEventFilter(this);
    m_remove = toolButton(QStyle::SP_TrashIcon, tr("Remove"), tr("Remove the selected layer (Delete)"), stackBox);
    m_up = toolButton(QStyle::SP_ArrowUp, tr("Up"), tr("Move the selected layer up (Ctrl+Up)"), stackBox);
    m_down = toolButton(QStyle::SP_ArrowDown, tr("Down"), tr("Move the selected layer down (Ctrl+Down)"), stackBox);
    m_up->setAccessibleName(tr("Move layer up"));
    m_down->setAccessibleName(tr("Move layer down"));
    m_remove->setAccessibleName(tr("Remove layer"));
    m_summary = new QLabel(stackBox);
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_errors = new QLabel(stackBox);
    m_errors->setWordWrap(true);
    m_errors->setStyleSheet(QStringLiteral("color: #c01c28;"));
    m_errors->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_remove);
    buttons->addWidget(m_up);
    buttons->addWidget(m_down);
    buttons->addStretch();
    auto* stackLayout = new QVBoxLayout(stackBox);
    stackLayout->addWidget(m_input);
    stackLayout->addWidget(m_view, 1);
    stackLayout->addWidget(m_readout);
    stackLayout->addLayout(buttons);
    stackLayout->addWidget(m_summary);
    stackLayout->addWidget(m_errors);

    auto* layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(paletteBox);
    layout->addWidget(stackBox, 1);
    paletteBox->setMaximumWidth(190);

    connect(m_palette, &QListWidget::itemActivated, this, &LayerStackEditor::paletteActivated);
    connect(m_add, &QToolButton::clicked, this, [this] {
        if (m_palette->currentItem())
            paletteActivated(m_palette->currentItem());
    });
    connect(m_remove, &QToolButton::clicked, this, &LayerStackEditor::removeSelectedLayer);
    connect(m_up, &QToolButton::clicked, this, [this] { moveSelectedLayer(-1); });
    connect(m_down, &QToolButton::clicked, this, [this] { moveSelectedLayer(1); });
    connect(m_view->selectionModel(), &QItemSelectionModel::currentChanged, this, [this] {
        refresh();
        Q_EMIT currentLayerChanged(currentLayer());
    });
    connect(m_model, &QAbstractItemModel::modelReset, this, [this] { Q_EMIT currentLayerChanged(currentLayer()); });
    connect(doc, &ExperimentDocument::changed, this, &LayerStackEditor::refresh);
    setTabOrder(m_palette, m_add);
    setTabOrder(m_add, m_view);
    setTabOrder(m_view, m_remove);
    refresh();
}

int LayerStackEditor::layerCount() const { return m_model->rowCount(); }

int LayerStackEditor::currentLayer() const
{
    const QModelIndex index = m_view->selectionModel()->currentIndex();
    return index.isValid() && m_view->selectionModel()->isSelected(index) ? index.row() : -1;
}

void LayerStackEditor::selectLayer(int index)
{
    if (index < 0 || index >= layerCount()) {
        m_view->selectionModel()->clear();
        return;
    }
    m_view->selectionModel()->setCurrentIndex(m_model->index(index), QItemSelectionModel::ClearAndSelect);
}

void LayerStackEditor::paletteActivated(QListWidgetItem* item)
{
    const QString kind = item->data(kKindRole).toString();
    if (kind == QLatin1String("input") || kind == QLatin1String("readout")) {
        m_errors->setText(tr("A network has exactly one input and one readout: they are the first and last rows of "
                             "the stack. Their settings are under Network in the properties panel."));
        return;
    }
    addLayer(kind);
}

void LayerStackEditor::addLayer(const QString& kind)
{
    const int current = currentLayer();
    const int at = current >= 0 ? current + 1 : layerCount();
    m_doc->addLayer(at, kind);
    selectLayer(at);
}

void LayerStackEditor::removeSelectedLayer()
{
    const int current = currentLayer();
    if (current < 0)
        return;
    m_doc->removeLayer(current);
    selectLayer(std::min(current, layerCount() - 1));
}

void LayerStackEditor::moveSelectedLayer(int delta)
{
    const int current = currentLayer();
    const int to = current + delta;
    if (current < 0 || to < 0 || to >= layerCount())
        return;
    m_doc->moveLayer(current, to);
    selectLayer(to);
}

bool LayerStackEditor::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == m_view && event->type() == QEvent::KeyPress) {
        const auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Delete || key->key() == Qt::Key_Backspace) {
            removeSelectedLayer();
            return true;
        }
        if (key->modifiers() & Qt::ControlModifier && (key->key() == Qt::Key_Up || key->key() == Qt::Key_Down)) {
            moveSelectedLayer(key->key() == Qt::Key_Up ? -1 : 1);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

QString LayerStackEditor::shapeSummary() const
{
    return QString::fromStdString(m_model->shapes().summary()).replace(QStringLiteral(" -> "), QStringLiteral(" \u2192 "));
}

QString LayerStackEditor::networkErrors() const { return m_errors->text(); }

void LayerStackEditor::refresh()
{
    const ShapeReport& shapes = m_model->shapes();
    const QString kind = m_doc->value(QStringLiteral("dataset.kind")).toString();
    const QString from = QString::fromStdString(datasetDisplayName(kind.toStdString()));
    const bool fixedInputs = m_doc->value(QStringLiteral("network.inputs")).toLongLong() > 0;
    m_input->setText(tr("<b>Input</b> \u00b7 %1 %2 (%3)")
                         .arg(QString::fromStdString(shapes.inputText()),
                              shapes.input && (*shapes.input)[1] * (*shapes.input)[2] > 1 ? tr("(C x H x W)") : tr("channels"),
                              fixedInputs ? tr("network.inputs") : tr("from %1").arg(from)));
    const QVariant leak = m_doc->value(QStringLiteral("network.readout.leak"));
    m_readout->setText(tr("<b>Readout</b> \u00b7 %1 classes \u00b7 leak %2")
                           .arg(QString::fromStdString(shapes.readoutText()),
                                leak.isValid() ? QString::number(leak.toDouble()) : QStringLiteral("1")));
    m_summary->setText(tr("Shapes: %1").arg(shapeSummary()));
    QStringList network;
    for (const DocumentIssue& issue : m_doc->issues())
        if (issue.path == QLatin1String("network") || issue.path == QLatin1String("network.layers"))
            network << issue.message;
    m_errors->setText(network.join(QLatin1Char('\n')));
    m_errors->setVisible(!network.isEmpty());
    const int current = currentLayer();
    const bool locked = m_doc->isLocked(QStringLiteral("network.layers"));  // lesson mode
    m_remove->setEnabled(!locked && current >= 0);
    m_up->setEnabled(!locked && current > 0);
    m_down->setEnabled(!locked && current >= 0 && current + 1 < layerCount());
    m_add->setEnabled(!locked);
    m_palette->setEnabled(!locked);
    m_palette->setToolTip(locked ? tr("The lesson locks the layer stack.") : QString());
}

} // namespace tp::ui
