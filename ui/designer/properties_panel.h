#pragma once
/// Properties of the selected layer and of the whole experiment (network, neuron, rule, run,
/// Adam), each with its unit, valid range and a tooltip. Every edit is an undo command on the
/// document; spin-box arrow steps and wheel moves of one field merge into one undo step until
/// the field finishes editing. Fields with a validation problem get a red label and the
/// validator's message in their tooltip. GUI thread only.
#include <memory>
#include <vector>

#include <QString>
#include <QVariant>
#include <QWidget>

class QFormLayout;
class QGroupBox;
class QLabel;
class QScrollArea;

namespace tp::ui {

class ExperimentDocument;
class LayerStackEditor;

class PropertiesPanel : public QWidget {
    Q_OBJECT
public:
    PropertiesPanel(ExperimentDocument* doc, LayerStackEditor* stack, QWidget* parent = nullptr);

    /// The editor of a field: a document path ("run.lr", "neuron.alpha") or "layer.type",
    /// "layer.size", "layer.recurrent", "layer.pool" for the selected layer. nullptr if none.
    QWidget* editor(const QString& field) const;
    /// The validation messages shown at a field (empty when it is valid).
    QStringList fieldErrors(const QString& field) const;
    int layerCount() const;
    void selectLayer(int index);

protected:
    /// Wheel over an unfocused editor scrolls the panel instead of changing the value.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    enum class Kind { Int, Double, Scientific, Bool, Choice, Seed, Text, LongText };
    struct Field {
        QString key;
        Kind kind;
        QWidget* editor = nullptr;
        QLabel* label = nullptr;
        QString labelText, tip;
        QStringList values;  ///< Choice: the JSON strings, in item order
        double lo = 0, hi = 0;  ///< Int / Double: the valid range (widened to show an invalid file value)
    };

    Field& add(QFormLayout* form, const QString& key, Kind kind, const QString& label, const QString& tip);
    // Ranges, defaults and tooltips come from the parameter tables (config/experiment.h,
    // rules/rule.h); ui/ writes none. The labels and the choices' display names are its own.
    void addInt(QFormLayout* form, const QString& key, const QString& label, const QString& suffix,
                const QString& special = {});
    void addDouble(QFormLayout* form, const QString& key, const QString& label, int decimals, double step,
                   const QString& suffix);
    void addScientific(QFormLayout* form, const QString& key, const QString& label);
    void addBool(QFormLayout* form, const QString& key, const QString& label);
    void addChoice(QFormLayout* form, const QString& key, const QString& label, const QStringList& names);
    void addChoice(QFormLayout* form, const QString& key, const QString& label, const QStringList& names,
                   const QStringList& values, const QString& tip);
    void addSeed(QFormLayout* form, const QString& key, const QString& label);
    void addText(QFormLayout* form, const QString& key, const QString& label, const QString& tip);
    void addLongText(QFormLayout* form, const QString& key, const QString& label, const QString& tip);

    QString pathOf(const QString& key) const;
    QVariant currentValue(const Field& field) const;
    void commit(const Field& field, const QVariant& value, bool mergeable);
    void changeLayerType(const QString& type);
    void sync();

    ExperimentDocument* m_doc;
    LayerStackEditor* m_stack;
    std::vector<std::unique_ptr<Field>> m_fields;
    QGroupBox* m_layerBox = nullptr;
    QFormLayout* m_layerForm = nullptr;
    QLabel* m_layerHint = nullptr;
    QLabel* m_ruleText = nullptr;  ///< what the chosen rule keeps local and stores
    QLabel* m_layerShape = nullptr;  ///< "input -> output" of the selected layer
    QScrollArea* m_scroll = nullptr;
};

} // namespace tp::ui
