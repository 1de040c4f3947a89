#include "ui/designer/properties_panel.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <QBoxLayout>
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QRegularExpressionValidator>
#include <QCoreApplication>
#include <QScrollArea>
#include <QScrollBar>
#include <QSpinBox>
#include <QWheelEvent>

#include "ui/designer/layer_list_model.h"
#include "ui/designer/layer_stack_editor.h"
#include "ui/document/experiment_document.h"

namespace tp::ui {
namespace {

constexpr const char* kErrorColour = "#c01c28";

/// A double spin box that shows values like 2e-3 or 1e-8 in their shortest form and steps
/// by one digit of the leading decimal (adaptive), for learning rates and epsilons.
class ScientificSpinBox : public QDoubleSpinBox {
public:
    explicit ScientificSpinBox(QWidget* parent) : QDoubleSpinBox(parent)
    {
        setDecimals(15);
        setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    }
    QString textFromValue(double value) const override { return QString::number(value, 'g', 6); }
    double valueFromText(const QString& text) const override { return text.trimmed().toDouble(); }
    QValidator::State validate(QString& text, int&) const override
    {
        bool ok = false;
        const double v = text.trimmed().toDouble(&ok);
        if (ok && v >= minimum() && v <= maximum())
            return QValidator::Acceptable;
        return QValidator::Intermediate;
    }
};

/// The engine's default of a path (tp::Experiment{} serialised), for keys a file leaves out.
QVariant engineDefault(const QString& path)
{
    static const nlohmann::json defaults = toJson(Experiment{});
    const auto ptr = nlohmann::json::json_pointer(ExperimentDocument::pointer(path).to_string());
    if (!defaults.contains(ptr))
        return {};
    const nlohmann::json& v = defaults.at(ptr);
    if (v.is_boolean())
        return v.get<bool>();
    if (v.is_number_unsigned())
        return qulonglong(v.get<std::uint64_t>());
    if (v.is_number_integer())
        return qlonglong(v.get<std::int64_t>());
    if (v.is_number())
        return v.get<double>();
    if (v.is_string())
        return QString::fromStdString(v.get<std::string>());
    return {};
}

} // namespace

PropertiesPanel::PropertiesPanel(ExperimentDocument* doc, LayerStackEditor* stack, QWidget* parent)
    : QWidget(parent), m_doc(doc), m_stack(stack)
{
    setObjectName(QStringLiteral("propertiesPanel"));
    auto* content = new QWidget;
    auto* column = new QVBoxLayout(content);
    const auto group = [&](const QString& title) {
        auto* box = new QGroupBox(title, content);
        auto* form = new QFormLayout(box);
        form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
        column->addWidget(box);
        return std::pair{box, form};
    };

    auto [experimentBox, experiment] = group(tr("Experiment"));
    addText(experiment, QStringLiteral("name"), tr("Name"), tr("Short name of the experiment (reports and run folders use it)."));
    addLongText(experiment, QStringLiteral("description"), tr("Description"),
                tr("What the experiment is for and why its values were chosen (saved with the file)."));

    auto [layerBox, layer] = group(tr("Layer"));
    m_layerBox = layerBox;
    m_layerForm = layer;
    m_layerHint = new QLabel(tr("Select a layer in the stack to edit it."), layerBox);
    m_layerHint->setWordWrap(true);
    layer->addRow(m_layerHint);
    addChoice(layer, QStringLiteral("layer.type"), tr("Type"), {QStringLiteral("lif"), QStringLiteral("conv")},
              {tr("Dense LIF"), tr("Conv LIF (3x3)")},
              tr("lif: fully connected LIF layer; conv: 3x3 convolution LIF block (stride 1, pad 1). A network has "
                 "either only lif or only conv layers."));
    addInt(layer, QStringLiteral("layer.size"), tr("Size"), 1, 100'000, tr(" neurons"),
           tr("Neurons of a lif layer (1 to 100,000) or output channels of a conv layer (1 to 4096)."));
    addBool(layer, QStringLiteral("layer.recurrent"), tr("Recurrent"),
            tr("lif only: add recurrent weights from the layer's own spikes at the previous step."));
    addChoice(layer, QStringLiteral("layer.pool"), tr("Pooling"),
              {QStringLiteral("none"), QStringLiteral("max2"), QStringLiteral("avgpool2x2")},
              {tr("none"), tr("max 2x2 (halves H and W)"), tr("adaptive average to 2x2")},
              tr("conv only: pooling of the block's spike map. max2 needs a map of at least 2x2."));
    m_layerShape = new QLabel(layerBox);
    m_layerShape->setToolTip(tr("Input -> output of the layer, inferred from the dataset and the layers above "
                                "(C x H x W for conv maps, after pooling)"));
    m_layerShape->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layer->addRow(tr("Shape"), m_layerShape);

    auto [netBox, net] = group(tr("Network"));
    addInt(net, QStringLiteral("network.inputs"), tr("Inputs"), 0, 10'000'000, tr(" channels"),
           tr("Input size per time step. 0 takes it from the dataset; any other value must equal the dataset's."),
           tr("from dataset"));
    addDouble(net, QStringLiteral("network.readout.leak"), tr("Readout leak \u03bb"), 0, 1, 4, 0.01, tr(" /step"),
              tr("Leak factor of the leaky-integrator readout per time step (1 = perfect integrator). Range 0 to 1."));
    addChoice(net, QStringLiteral("network.norm"), tr("Weight norm"), {QStringLiteral("none"), QStringLiteral("weight")},
              {tr("none"), tr("scaled weight standardisation")},
              tr("weight: scaled weight standardisation of conv kernels in every forward pass (the paper's CNN runs)."));

    auto [neuronBox, neuron] = group(tr("Neuron (all layers)"));
    addDouble(neuron, QStringLiteral("neuron.alpha"), tr("Membrane leak \u03b1"), 0, 1, 4, 0.01, tr(" /step"),
              tr("Membrane potential multiplier per time step (1 = no leak). Range 0 to 1."));
    addDouble(neuron, QStringLiteral("neuron.beta"), tr("Trace leak \u03b2"), 0, 1, 4, 0.01, tr(" /step"),
              tr("Eligibility-trace multiplier per time step. Range 0 to 1."));
    addDouble(neuron, QStringLiteral("neuron.v_th"), tr("Threshold v_th"), 0.0001, 1e6, 4, 0.05, QString(),
              tr("Firing threshold of the membrane potential (dimensionless, in units of input weight). Must be > 0."));
    addChoice(neuron, QStringLiteral("neuron.reset"), tr("Reset"), {QStringLiteral("soft"), QStringLiteral("hard")},
              {tr("soft (subtract v_th)"), tr("hard (to 0)")},
              tr("Exactly \"soft\" subtracts the threshold after a spike; any other string resets to 0 (reference "
                 "quirk: \"Soft\" is a hard reset)."));
    addDouble(neuron, QStringLiteral("neuron.surrogate.scale"), tr("Surrogate scale \u03ba"), 0.001, 1000, 3, 0.1,
              QString(), tr("Scale \u03ba of the ArcTan surrogate derivative. Must be > 0."));

    auto [ruleBox, rule] = group(tr("Learning rule"));
    addChoice(rule, QStringLiteral("rule.name"), tr("Rule"), {QStringLiteral("tp"), QStringLiteral("bptt")},
              {tr("Traces Propagation"), tr("BPTT (baseline)")},
              tr("tp: forward-only local learning with eligibility traces; bptt: surrogate-gradient "
                 "backpropagation through time (dense networks only)."));
    addBool(rule, QStringLiteral("rule.train_s"), tr("Train target projection S"),
            tr("Reference: the label projection S is random and frozen (off). On: train S as well."));
    addChoice(rule, QStringLiteral("rule.readout_trace"), tr("Readout trace"), {QStringLiteral("beta"), QStringLiteral("exact")},
              {tr("\u03b2-trace (reference)"), tr("exact (readout leak)")},
              tr("Trace used by the readout's delta rule: the last layer's \u03b2-trace (reference quirk) or the "
                 "trace with the readout's own leak."));

    auto [runBox, run] = group(tr("Run"));
    addInt(run, QStringLiteral("run.epochs"), tr("Epochs"), 1, 100'000, tr(" epochs"), tr("Passes over the training split. Range 1 to 100,000."));
    addInt(run, QStringLiteral("run.batch"), tr("Batch size"), 2, 65'536, tr(" samples"),
           tr("Samples per batch, 2 to 65,536: TP's contrastive loss compares the samples of a batch."));
    addScientific(run, QStringLiteral("run.lr"), tr("Learning rate \u03b7"), 1e-12, 1,
                  tr("Adam learning rate at the first epoch, decaying by a cosine to lr_min_ratio \u00d7 \u03b7. Range (0, 1]."));
    addDouble(run, QStringLiteral("run.lr_min_ratio"), tr("Final LR ratio"), 0, 1, 4, 0.05, tr(" \u00d7 \u03b7"),
              tr("Floor of the cosine schedule as a fraction of the learning rate. Range 0 to 1."));
    addSeed(run, QStringLiteral("run.seed"), tr("Seed"),
            tr("Seed of weights and shuffling, 0 to 2^64-1. The same seed and file give a bit-identical run."));
    addInt(run, QStringLiteral("run.threads"), tr("Threads"), 0, 1024, tr(" threads"),
           tr("Worker threads of the engine, 0 to 1024; 0 = all cores."), tr("all cores"));
    addChoice(run, QStringLiteral("run.precision"), tr("Precision"), {QStringLiteral("float32"), QStringLiteral("float64")},
              {tr("float32"), tr("float64")}, tr("Floating-point type of the network state and weights."));
    addChoice(run, QStringLiteral("run.path"), tr("Compute path"), {QStringLiteral("auto"), QStringLiteral("dense"), QStringLiteral("event")},
              {tr("auto (by input density)"), tr("dense"), tr("event-driven")},
              tr("Dense matrix products, event-driven (active columns only) or chosen per step by measured density."));
    addBool(run, QStringLiteral("run.shuffle"), tr("Shuffle each epoch"), tr("Shuffle the training order every epoch (from the seed)."));

    auto [adamBox, adam] = group(tr("Optimiser (Adam)"));
    addDouble(adam, QStringLiteral("run.adam.beta1"), tr("\u03b2\u2081"), 0, 0.9999, 4, 0.01, QString(),
              tr("Adam first-moment decay, 0 \u2264 \u03b2\u2081 < 1."));
    addDouble(adam, QStringLiteral("run.adam.beta2"), tr("\u03b2\u2082"), 0, 0.999999, 6, 0.001, QString(),
              tr("Adam second-moment decay, 0 \u2264 \u03b2\u2082 < 1."));
    addScientific(adam, QStringLiteral("run.adam.eps"), tr("\u03b5"), 1e-30, 1, tr("Adam denominator offset, > 0."));
    column->addStretch();

    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(content);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_scroll);
    for (const auto& f : m_fields) {
        f->editor->setFocusPolicy(Qt::StrongFocus);
        f->editor->installEventFilter(this);
    }

    connect(doc, &ExperimentDocument::changed, this, &PropertiesPanel::sync);
    connect(stack, &LayerStackEditor::currentLayerChanged, this, [this] {
        m_doc->endMerge();
        sync();
    });
    sync();
}

PropertiesPanel::Field& PropertiesPanel::add(QFormLayout* form, const QString& key, Kind kind, const QString& label,
                                             const QString& tip)
{
    auto field = std::make_unique<Field>();
    field->key = key;
    field->kind = kind;
    field->labelText = label;
    field->tip = tip;
    m_fields.push_back(std::move(field));
    return *m_fields.back();
}

void PropertiesPanel::addInt(QFormLayout* form, const QString& key, const QString& label, int lo, int hi,
                             const QString& suffix, const QString& tip, const QString& special)
{
    Field& f = add(form, key, Kind::Int, label, tip);
    f.lo = lo;
    f.hi = hi;
    auto* spin = new QSpinBox(form->parentWidget());
    spin->setRange(lo, hi);
    spin->setSuffix(suffix);
    spin->setSpecialValueText(special);
    spin->setKeyboardTracking(false);
    spin->setGroupSeparatorShown(true);
    f.editor = spin;
    Field* p = &f;
    connect(spin, &QSpinBox::valueChanged, this, [this, p](int v) { commit(*p, v, true); });
    connect(spin, &QSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, spin);
}

void PropertiesPanel::addDouble(QFormLayout* form, const QString& key, const QString& label, double lo, double hi,
                                int decimals, double step, const QString& suffix, const QString& tip)
{
    Field& f = add(form, key, Kind::Double, label, tip);
    f.lo = lo;
    f.hi = hi;
    auto* spin = new QDoubleSpinBox(form->parentWidget());
    spin->setRange(lo, hi);
    spin->setDecimals(decimals);
    spin->setSingleStep(step);
    spin->setSuffix(suffix);
    spin->setKeyboardTracking(false);
    f.editor = spin;
    Field* p = &f;
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this, p](double v) { commit(*p, v, true); });
    connect(spin, &QDoubleSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, spin);
}

void PropertiesPanel::addScientific(QFormLayout* form, const QString& key, const QString& label, double lo, double hi,
                                    const QString& tip)
{
    Field& f = add(form, key, Kind::Scientific, label, tip);
    f.lo = lo;
    f.hi = hi;
    auto* spin = new ScientificSpinBox(form->parentWidget());
    spin->setRange(lo, hi);
    spin->setKeyboardTracking(false);
    f.editor = spin;
    Field* p = &f;
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this, p](double v) { commit(*p, v, true); });
    connect(spin, &QDoubleSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, spin);
}

void PropertiesPanel::addBool(QFormLayout* form, const QString& key, const QString& label, const QString& tip)
{
    Field& f = add(form, key, Kind::Bool, label, tip);
    auto* box = new QCheckBox(form->parentWidget());
    box->setAccessibleName(label);
    f.editor = box;
    Field* p = &f;
    connect(box, &QCheckBox::toggled, this, [this, p](bool on) { commit(*p, on, false); });
    f.label = new QLabel(label, form->parentWidget());
    f.label->setBuddy(box);
    form->addRow(f.label, box);
}

void PropertiesPanel::addChoice(QFormLayout* form, const QString& key, const QString& label, const QStringList& values,
                                const QStringList& names, const QString& tip)
{
    Field& f = add(form, key, Kind::Choice, label, tip);
    f.values = values;
    auto* combo = new QComboBox(form->parentWidget());
    for (int i = 0; i < values.size(); ++i)
        combo->addItem(names.value(i, values[i]), values[i]);
    f.editor = combo;
    Field* p = &f;
    connect(combo, &QComboBox::activated, this, [this, p, combo](int index) {
        const QString value = combo->itemData(index).toString();
        if (p->key == QLatin1String("layer.type"))
            changeLayerType(value);
        else
            commit(*p, value, false);
    });
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, combo);
}

void PropertiesPanel::addSeed(QFormLayout* form, const QString& key, const QString& label, const QString& tip)
{
    Field& f = add(form, key, Kind::Seed, label, tip);
    auto* edit = new QLineEdit(form->parentWidget());
    edit->setValidator(new QRegularExpressionValidator(QRegularExpression(QStringLiteral("\\d{1,20}")), edit));
    f.editor = edit;
    Field* p = &f;
    connect(edit, &QLineEdit::editingFinished, this, [this, p, edit] {
        bool ok = false;
        const qulonglong seed = edit->text().toULongLong(&ok);
        if (ok)
            commit(*p, seed, false);
    });
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, edit);
}

void PropertiesPanel::addText(QFormLayout* form, const QString& key, const QString& label, const QString& tip)
{
    Field& f = add(form, key, Kind::Text, label, tip);
    auto* edit = new QLineEdit(form->parentWidget());
    f.editor = edit;
    Field* p = &f;
    connect(edit, &QLineEdit::editingFinished, this, [this, p, edit] { commit(*p, edit->text(), false); });
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, edit);
}

void PropertiesPanel::addLongText(QFormLayout* form, const QString& key, const QString& label, const QString& tip)
{
    Field& f = add(form, key, Kind::LongText, label, tip);
    auto* edit = new QPlainTextEdit(form->parentWidget());
    edit->setTabChangesFocus(true);
    edit->setFixedHeight(edit->fontMetrics().lineSpacing() * 4 + 12);
    f.editor = edit;
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, edit);
}

QString PropertiesPanel::pathOf(const QString& key) const
{
    if (!key.startsWith(QLatin1String("layer.")))
        return key;
    const int layer = m_stack->currentLayer();
    return layer < 0 ? QString() : QStringLiteral("network.layers[%1].%2").arg(layer).arg(key.mid(6));
}

QVariant PropertiesPanel::currentValue(const Field& field) const
{
    const QString path = pathOf(field.key);
    const QVariant value = m_doc->value(path);
    if (value.isValid())
        return value;
    if (field.key.startsWith(QLatin1String("layer."))) {
        const auto layer = ExperimentDocument::layerTemplate(m_doc->value(pathOf(QStringLiteral("layer.type"))).toString());
        const std::string key = field.key.mid(6).toStdString();
        if (layer.contains(key) && layer[key].is_boolean())
            return layer[key].get<bool>();
        if (layer.contains(key) && layer[key].is_number_integer())
            return layer[key].get<int>();
        if (layer.contains(key) && layer[key].is_string())
            return QString::fromStdString(layer[key].get<std::string>());
        return {};
    }
    return engineDefault(path);
}

void PropertiesPanel::commit(const Field& field, const QVariant& value, bool mergeable)
{
    const QString path = pathOf(field.key);
    if (!path.isEmpty())
        m_doc->setValue(path, value, mergeable);
}

void PropertiesPanel::changeLayerType(const QString& type)
{
    const QString path = pathOf(QStringLiteral("layer.type"));
    if (path.isEmpty() || m_doc->value(path).toString() == type)
        return;
    // lif and conv layers have different keys: replace the layer, keeping its size.
    auto layer = ExperimentDocument::layerTemplate(type);
    const QVariant size = m_doc->value(pathOf(QStringLiteral("layer.size")));
    if (size.isValid())
        layer["size"] = size.toLongLong();
    m_doc->setJson(path.chopped(5), layer);
}

bool PropertiesPanel::eventFilter(QObject* watched, QEvent* event)
{
    if (event->type() == QEvent::FocusOut) {  // the description commits when the user leaves it
        for (const auto& f : m_fields)
            if (f->editor == watched && f->kind == Kind::LongText)
                commit(*f, static_cast<QPlainTextEdit*>(f->editor)->toPlainText(), false);
    }
    if (event->type() == QEvent::Wheel && !qobject_cast<QPlainTextEdit*>(watched)) {
        auto* widget = qobject_cast<QWidget*>(watched);
        if (widget && !widget->hasFocus()) {
            QCoreApplication::sendEvent(m_scroll->verticalScrollBar(), event);
            return true;
        }
    }
    return QWidget::eventFilter(watched, event);
}

int PropertiesPanel::layerCount() const { return m_stack->layerCount(); }

void PropertiesPanel::selectLayer(int index) { m_stack->selectLayer(index); }

QWidget* PropertiesPanel::editor(const QString& field) const
{
    for (const auto& f : m_fields)
        if (f->key == field)
            return f->editor;
    return nullptr;
}

QStringList PropertiesPanel::fieldErrors(const QString& field) const
{
    const QString path = pathOf(field);
    return path.isEmpty() ? QStringList() : m_doc->issuesAt(path);
}

void PropertiesPanel::sync()
{
    const int layer = m_stack->currentLayer();
    const bool conv = layer >= 0 && m_doc->value(pathOf(QStringLiteral("layer.type"))).toString() == QLatin1String("conv");
    m_layerBox->setTitle(layer < 0 ? tr("Layer (none selected)")
                                   : tr("Layer %1 \u00b7 %2").arg(layer + 1).arg(conv ? tr("Conv LIF") : tr("Dense LIF")));
    m_layerHint->setVisible(layer < 0);
    m_layerShape->setVisible(layer >= 0);
    m_layerForm->labelForField(m_layerShape)->setVisible(layer >= 0);
    if (layer >= 0)
        m_layerShape->setText(m_stack->model()->data(m_stack->model()->index(layer), LayerListModel::ShapeRole).toString());
    for (const auto& f : m_fields) {
        const bool isLayer = f->key.startsWith(QLatin1String("layer."));
        if (isLayer) {
            const bool shown = layer >= 0 && (f->key != QLatin1String("layer.recurrent") || !conv) &&
                               (f->key != QLatin1String("layer.pool") || conv);
            // Hiding label and editor collapses the row (setRowVisible left a gap in Qt 6.4).
            f->label->setVisible(shown);
            f->editor->setVisible(shown);
            if (layer < 0)
                continue;
        }
        const QVariant value = currentValue(*f);
        const QSignalBlocker block(f->editor);
        switch (f->kind) {
        case Kind::Int: {
            auto* spin = static_cast<QSpinBox*>(f->editor);
            const int hi = f->key == QLatin1String("layer.size") && conv ? 4096 : int(f->hi);
            if (f->key == QLatin1String("layer.size"))
                spin->setSuffix(conv ? tr(" channels") : tr(" neurons"));
            // A file may hold an invalid value: show it as it is (marked red), not clamped.
            const int v = int(std::clamp<qlonglong>(value.toLongLong(), std::numeric_limits<int>::min(),
                                                    std::numeric_limits<int>::max()));
            spin->setRange(std::min(int(f->lo), v), std::max(hi, v));
            spin->setValue(v);
            break;
        }
        case Kind::Double:
        case Kind::Scientific: {
            auto* spin = static_cast<QDoubleSpinBox*>(f->editor);
            const double v = value.toDouble();
            spin->setRange(std::min(f->lo, v), std::max(f->hi, v));
            spin->setValue(v);
            break;
        }
        case Kind::Bool: static_cast<QCheckBox*>(f->editor)->setChecked(value.toBool()); break;
        case Kind::Seed: static_cast<QLineEdit*>(f->editor)->setText(QString::number(value.toULongLong())); break;
        case Kind::LongText:
            if (!f->editor->hasFocus())
                static_cast<QPlainTextEdit*>(f->editor)->setPlainText(value.toString());
            break;
        case Kind::Text:
            if (!f->editor->hasFocus())
                static_cast<QLineEdit*>(f->editor)->setText(value.toString());
            break;
        case Kind::Choice: {
            auto* combo = static_cast<QComboBox*>(f->editor);
            int index = combo->findData(value.toString());
            if (index < 0) {  // a value the file holds that is not a standard choice ("Soft")
                combo->addItem(value.toString(), value.toString());
                index = combo->count() - 1;
            }
            combo->setCurrentIndex(index);
            break;
        }
        }
        const QStringList errors = fieldErrors(f->key);
        const bool locked = m_doc->isLocked(pathOf(f->key));
        f->editor->setEnabled(!locked);
        f->editor->setProperty("hasError", !errors.isEmpty());
        f->editor->setToolTip((locked ? tr("Locked by the lesson.\n\n") : QString()) +
                              (errors.isEmpty() ? f->tip : f->tip + QStringLiteral("\n\n\u26a0 ") + errors.join(QStringLiteral("\n\u26a0 "))));
        f->editor->setAccessibleName(f->labelText);
        f->editor->setAccessibleDescription(f->editor->toolTip());
        f->label->setText(errors.isEmpty() ? f->labelText
                                           : QStringLiteral("<span style=\"color:%1\">\u26a0 %2</span>").arg(QLatin1String(kErrorColour), f->labelText.toHtmlEscaped()));
        f->label->setToolTip(f->editor->toolTip());
    }
}

} // namespace tp::ui
