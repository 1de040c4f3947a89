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

#include "config/experiment.h"
#include "rules/registry.h"
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

/// The parameter at `key` in the experiment's table or a registered rule's ("rule.train_s").
const tp::ParamSpec& specOf(const QString& key)
{
    const std::string k = key.toStdString();
    if (const tp::ParamSpec* p = tp::experimentParam(k))
        return *p;
    if (k.rfind("rule.", 0) == 0)
        for (const tp::LearningRule* r : tp::learningRules())
            if (const tp::ParamSpec* p = tp::findParam(r->params, k.substr(5)))
                return *p;
    throw std::logic_error("no parameter table entry for " + k);
}

/// The tooltip of a parameter: its help, range and unit.
QString tipOf(const tp::ParamSpec& p)
{
    QString tip = QString::fromUtf8(p.help);
    if (!tip.isEmpty())
        tip[0] = tip[0].toUpper();
    const QString range = QString::fromStdString(tp::paramRange(p));
    if (!range.isEmpty() && p.type != tp::ParamType::Choice)
        tip += QStringLiteral(" (%1%2)").arg(range, *p.unit ? QStringLiteral(" ") + QString::fromUtf8(p.unit) : QString());
    return tip + QLatin1Char('.');
}

/// A spin box's limits for a parameter: an open end moves in by `tiny`; an unbounded one stops at
/// +-1e9, far beyond any sensible value (the parser still takes larger ones from a file).
std::pair<double, double> editorRange(const tp::ParamSpec& p, double tiny)
{
    const double lo = std::isinf(p.lo) ? -1e9 : p.lo + (p.lo_open ? tiny : 0.0);
    const double hi = std::isinf(p.hi) ? 1e9 : p.hi - (p.hi_open ? tiny : 0.0);
    return {lo, hi};
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
    addChoice(layer, QStringLiteral("layer.type"), tr("Type"), {tr("Dense LIF"), tr("Conv LIF (3x3)")});
    addInt(layer, QStringLiteral("layer.size"), tr("Size"), tr(" neurons"));
    addBool(layer, QStringLiteral("layer.recurrent"), tr("Recurrent"));
    addChoice(layer, QStringLiteral("layer.pool"), tr("Pooling"),
              {tr("none"), tr("max 2x2 (halves H and W)"), tr("adaptive average to 2x2")});
    m_layerShape = new QLabel(layerBox);
    m_layerShape->setToolTip(tr("Input -> output of the layer, inferred from the dataset and the layers above "
                                "(C x H x W for conv maps, after pooling)"));
    m_layerShape->setTextInteractionFlags(Qt::TextSelectableByMouse);
    layer->addRow(tr("Shape"), m_layerShape);

    auto [netBox, net] = group(tr("Network"));
    addInt(net, QStringLiteral("network.inputs"), tr("Inputs"), tr(" channels"), tr("from dataset"));
    addDouble(net, QStringLiteral("network.readout.leak"), tr("Readout leak \u03bb"), 4, 0.01, tr(" /step"));
    addChoice(net, QStringLiteral("network.norm"), tr("Weight norm"), {tr("none"), tr("scaled weight standardisation")});

    auto [neuronBox, neuron] = group(tr("Neuron (all layers)"));
    addDouble(neuron, QStringLiteral("neuron.alpha"), tr("Membrane leak \u03b1"), 4, 0.01, tr(" /step"));
    addDouble(neuron, QStringLiteral("neuron.beta"), tr("Trace leak \u03b2"), 4, 0.01, tr(" /step"));
    addDouble(neuron, QStringLiteral("neuron.v_th"), tr("Threshold v_th"), 4, 0.05, QString());
    addChoice(neuron, QStringLiteral("neuron.reset"), tr("Reset"), {tr("soft (subtract v_th)"), tr("hard (to 0)")});
    addDouble(neuron, QStringLiteral("neuron.surrogate.scale"), tr("Surrogate scale \u03ba"), 3, 0.1, QString());

    // The registered rules (rules/registry.h) and every rule's own parameters, from their tables.
    auto [ruleBox, rule] = group(tr("Learning rule"));
    QStringList ruleNames, ruleTitles;
    QString ruleTip;
    for (const tp::LearningRule* r : tp::learningRules()) {
        ruleNames << QString::fromUtf8(r->name);
        ruleTitles << QString::fromUtf8(r->title);
        ruleTip += QStringLiteral("%1%2: %3").arg(ruleTip.isEmpty() ? QString() : QStringLiteral("\n"),
                                                 QString::fromUtf8(r->name), QString::fromUtf8(r->description));
    }
    addChoice(rule, QStringLiteral("rule.name"), tr("Rule"), ruleTitles, ruleNames, ruleTip);
    m_ruleText = new QLabel;  // the chosen rule's explanation (sync)
    m_ruleText->setObjectName(QStringLiteral("ruleExplanation"));
    m_ruleText->setWordWrap(true);
    m_ruleText->setTextFormat(Qt::PlainText);
    rule->addRow(m_ruleText);
    QStringList ruleKeys;
    for (const tp::LearningRule* r : tp::learningRules())
        for (const tp::ParamSpec& p : r->params) {
            const QString key = QStringLiteral("rule.") + QString::fromUtf8(p.key);
            if (ruleKeys.contains(key))
                continue;
            ruleKeys << key;
            const QString label = QString::fromUtf8(p.key).replace(QLatin1Char('_'), QLatin1Char(' '));
            if (p.type == tp::ParamType::Bool)
                addBool(rule, key, label);
            else if (p.type == tp::ParamType::Choice)
                addChoice(rule, key, label, {});
            else if (p.type == tp::ParamType::Int)
                addInt(rule, key, label, QString());
            else
                addDouble(rule, key, label, 4, 0.01, QString());
        }

    auto [runBox, run] = group(tr("Run"));
    addInt(run, QStringLiteral("run.epochs"), tr("Epochs"), tr(" epochs"));
    addInt(run, QStringLiteral("run.batch"), tr("Batch size"), tr(" samples"));
    addScientific(run, QStringLiteral("run.lr"), tr("Learning rate \u03b7"));
    addDouble(run, QStringLiteral("run.lr_min_ratio"), tr("Final LR ratio"), 4, 0.05, tr(" \u00d7 \u03b7"));
    addSeed(run, QStringLiteral("run.seed"), tr("Seed"));
    addInt(run, QStringLiteral("run.threads"), tr("Threads"), tr(" threads"), tr("all cores"));
    addChoice(run, QStringLiteral("run.precision"), tr("Precision"), {});
    addChoice(run, QStringLiteral("run.path"), tr("Compute path"), {tr("auto (by input density)"), tr("dense"), tr("event-driven")});
    addBool(run, QStringLiteral("run.shuffle"), tr("Shuffle each epoch"));

    auto [adamBox, adam] = group(tr("Optimiser (Adam)"));
    addDouble(adam, QStringLiteral("run.adam.beta1"), tr("\u03b2\u2081"), 4, 0.01, QString());
    addDouble(adam, QStringLiteral("run.adam.beta2"), tr("\u03b2\u2082"), 6, 0.001, QString());
    addScientific(adam, QStringLiteral("run.adam.eps"), tr("\u03b5"));
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

void PropertiesPanel::addInt(QFormLayout* form, const QString& key, const QString& label, const QString& suffix,
                             const QString& special)
{
    const tp::ParamSpec& p = specOf(key);
    Field& f = add(form, key, Kind::Int, label, tipOf(p));
    f.lo = p.lo;
    f.hi = std::min(p.hi, double(std::numeric_limits<int>::max()));
    auto* spin = new QSpinBox(form->parentWidget());
    spin->setRange(int(f.lo), int(f.hi));
    spin->setSuffix(suffix);
    spin->setSpecialValueText(special);
    spin->setKeyboardTracking(false);
    spin->setGroupSeparatorShown(true);
    f.editor = spin;
    Field* fp = &f;
    connect(spin, &QSpinBox::valueChanged, this, [this, fp](int v) { commit(*fp, v, true); });
    connect(spin, &QSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, spin);
}

void PropertiesPanel::addDouble(QFormLayout* form, const QString& key, const QString& label, int decimals, double step,
                                const QString& suffix)
{
    const tp::ParamSpec& p = specOf(key);
    Field& f = add(form, key, Kind::Double, label, tipOf(p));
    std::tie(f.lo, f.hi) = editorRange(p, std::pow(10.0, -decimals));
    auto* spin = new QDoubleSpinBox(form->parentWidget());
    spin->setRange(f.lo, f.hi);
    spin->setDecimals(decimals);
    spin->setSingleStep(step);
    spin->setSuffix(suffix);
    spin->setKeyboardTracking(false);
    f.editor = spin;
    Field* fp = &f;
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this, fp](double v) { commit(*fp, v, true); });
    connect(spin, &QDoubleSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, spin);
}

void PropertiesPanel::addScientific(QFormLayout* form, const QString& key, const QString& label)
{
    const tp::ParamSpec& p = specOf(key);
    Field& f = add(form, key, Kind::Scientific, label, tipOf(p));
    std::tie(f.lo, f.hi) = editorRange(p, 1e-30);
    auto* spin = new ScientificSpinBox(form->parentWidget());
    spin->setRange(f.lo, f.hi);
    spin->setKeyboardTracking(false);
    f.editor = spin;
    Field* fp = &f;
    connect(spin, &QDoubleSpinBox::valueChanged, this, [this, fp](double v) { commit(*fp, v, true); });
    connect(spin, &QDoubleSpinBox::editingFinished, m_doc, &ExperimentDocument::endMerge);
    f.label = new QLabel(label, form->parentWidget());
    form->addRow(f.label, spin);
}

void PropertiesPanel::addBool(QFormLayout* form, const QString& key, const QString& label)
{
    Field& f = add(form, key, Kind::Bool, label, tipOf(specOf(key)));
    auto* box = new QCheckBox(form->parentWidget());
    box->setAccessibleName(label);
    f.editor = box;
    Field* p = &f;
    connect(box, &QCheckBox::toggled, this, [this, p](bool on) { commit(*p, on, false); });
    f.label = new QLabel(label, form->parentWidget());
    f.label->setBuddy(box);
    form->addRow(f.label, box);
}

void PropertiesPanel::addChoice(QFormLayout* form, const QString& key, const QString& label, const QStringList& names)
{
    const tp::ParamSpec& p = specOf(key);
    QStringList values;
    for (const char* c : p.choices)
        values << QString::fromUtf8(c);
    addChoice(form, key, label, names, values, tipOf(p));
}

void PropertiesPanel::addChoice(QFormLayout* form, const QString& key, const QString& label, const QStringList& names,
                                const QStringList& values, const QString& tip)
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

void PropertiesPanel::addSeed(QFormLayout* form, const QString& key, const QString& label)
{
    const QString tip = tipOf(specOf(key));
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
    // The chosen rule: its explanation, and its own parameters only.
    const tp::LearningRule* chosen = tp::findRule(m_doc->value(QStringLiteral("rule.name")).toString().toStdString());
    m_ruleText->setText(chosen ? QString::fromUtf8(chosen->explanation) : tr("Unknown rule: choose one of the list."));
    for (const auto& f : m_fields)
        if (f->key.startsWith(QLatin1String("rule.")) && f->key != QLatin1String("rule.name")) {
            const bool own = chosen && tp::findParam(chosen->params, f->key.mid(5).toStdString());
            f->label->setVisible(own);
            f->editor->setVisible(own);
        }
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
            const int hi = f->key == QLatin1String("layer.size") && conv ? int(specOf(QStringLiteral("layer.conv.size")).hi)
                                                                          : int(f->hi);
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
