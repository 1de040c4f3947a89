// The layer-stack designer and properties panel, driven through their widgets: build a network
// from a new document, undo/redo, merged spin-box edits, drag-and-drop reorder through the
// model calls QListView makes, inline errors, keyboard use and accessible names.
#include <QCheckBox>
#include <QComboBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QListView>
#include <QListWidget>
#include <QMimeData>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTest>
#include <QToolButton>
#include <QUndoStack>
#include <QWheelEvent>

#include "rules/registry.h"
#include "ui/designer/layer_list_model.h"
#include "ui/designer/layer_stack_editor.h"
#include "ui/designer/properties_panel.h"
#include "ui/document/experiment_document.h"

using namespace tp::ui;

namespace {

struct Designer {
    ExperimentDocument doc;
    QWidget window;
    LayerStackEditor* stack;
    PropertiesPanel* props;
    Designer()
    {
        stack = new LayerStackEditor(&doc, &window);
        props = new PropertiesPanel(&doc, stack, &window);
        stack->setGeometry(0, 0, 420, 500);
        props->setGeometry(420, 0, 380, 900);
        window.resize(800, 900);
        window.show();
    }
    QListWidgetItem* paletteItem(const QString& name) const
    {
        const auto items = stack->palette()->findItems(name, Qt::MatchExactly);
        return items.isEmpty() ? nullptr : items.front();
    }
    QString rowText(int row) const
    {
        return stack->model()->data(stack->model()->index(row), Qt::DisplayRole).toString();
    }
};

QString labelWithText(QWidget* parent, const QString& text)
{
    for (QLabel* label : parent->findChildren<QLabel*>())
        if (label->text() == text && label->isVisible())
            return label->text();
    return {};
}

/// Replaces a spin box's text by typing, then Enter (one committed edit).
void typeInto(QAbstractSpinBox* spin, const QString& text)
{
    spin->setFocus();
    spin->selectAll();
    QTest::keyClicks(spin, text);
    QTest::keyClick(spin, Qt::Key_Return);
}

} // namespace

class TestDesignerStack : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase()
    {
        Q_INIT_RESOURCE(resources);
        QStandardPaths::setTestModeEnabled(true);
    }

    void buildTwoLayerNetworkFromNewDocument()
    {
        Designer d;
        QCOMPARE(d.props->layerCount(), 0);
        QVERIFY(d.stack->networkErrors().contains(QLatin1String("1 to 16 layers")));

        // Double-click "Dense LIF" in the palette, then Enter on "Recurrent LIF".
        QListWidget* palette = d.stack->palette();
        QListWidgetItem* dense = d.paletteItem(QStringLiteral("Dense LIF"));
        QVERIFY(dense);
        const QPoint at = palette->visualItemRect(dense).center();
        QTest::mouseClick(palette->viewport(), Qt::LeftButton, {}, at);
        QTest::mouseDClick(palette->viewport(), Qt::LeftButton, {}, at);
        QCOMPARE(d.stack->layerCount(), 1);
        QCOMPARE(d.stack->currentLayer(), 0);
        palette->setCurrentItem(d.paletteItem(QStringLiteral("Recurrent LIF")));
        palette->setFocus();
        QTest::keyClick(palette, Qt::Key_Return);
        QCOMPARE(d.stack->layerCount(), 2);
        QCOMPARE(d.stack->currentLayer(), 1);
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[1].recurrent")).toBool(), true);
        QVERIFY(d.stack->networkErrors().isEmpty());

        // Size of layer 1 through the properties panel.
        d.props->selectLayer(0);
        auto* size = qobject_cast<QSpinBox*>(d.props->editor(QStringLiteral("layer.size")));
        QVERIFY(size);
        QCOMPARE(size->value(), 100);
        typeInto(size, QStringLiteral("450"));
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[0].size")).toInt(), 450);
        QCOMPARE(d.stack->shapeSummary(), QStringLiteral("20 \u2192 450 \u2192 100 \u2192 10"));
        QVERIFY(d.rowText(0).contains(QLatin1String("Dense LIF")));
        QVERIFY(d.rowText(0).contains(QStringLiteral("20 \u2192 450")));
        QVERIFY(d.rowText(1).contains(QLatin1String("Recurrent LIF")));
        QVERIFY(d.rowText(1).contains(QStringLiteral("450 \u2192 100")));
        QCOMPARE(d.doc.undoStack()->count(), 3);
        QVERIFY(d.doc.experiment());
        QCOMPARE(d.doc.experiment()->network.layers.size(), std::size_t(2));

        // Undo and redo restore values exactly, and the editors follow.
        d.doc.undoStack()->undo();
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[0].size")).toInt(), 100);
        QCOMPARE(size->value(), 100);
        d.doc.undoStack()->undo();
        QCOMPARE(d.stack->layerCount(), 1);
        d.doc.undoStack()->redo();
        d.doc.undoStack()->redo();
        QCOMPARE(d.stack->layerCount(), 2);
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[0].size")).toInt(), 450);
        d.props->selectLayer(0);
        QCOMPARE(size->value(), 450);
    }

    void spinBoxStepsMergeIntoOneUndoStep()
    {
        Designer d;
        QVERIFY(d.doc.load(QStringLiteral(":/experiments/randman.json"), nullptr));
        auto* batch = qobject_cast<QSpinBox*>(d.props->editor(QStringLiteral("run.batch")));
        auto* alpha = qobject_cast<QDoubleSpinBox*>(d.props->editor(QStringLiteral("neuron.alpha")));
        QVERIFY(batch && alpha);
        QCOMPARE(batch->value(), 128);
        batch->setFocus();
        for (int i = 0; i < 5; ++i)
            QTest::keyClick(batch, Qt::Key_Up);
        QCOMPARE(d.doc.value(QStringLiteral("run.batch")).toInt(), 133);
        QCOMPARE(d.doc.undoStack()->count(), 1);
        QTest::keyClick(batch, Qt::Key_Return);  // editingFinished closes the merge window
        QTest::keyClick(batch, Qt::Key_Down);
        QCOMPARE(d.doc.undoStack()->count(), 2);
        QCOMPARE(d.doc.value(QStringLiteral("run.batch")).toInt(), 132);

        alpha->setFocus();
        QTest::keyClick(alpha, Qt::Key_Down);
        QTest::keyClick(alpha, Qt::Key_Down);
        QCOMPARE(d.doc.value(QStringLiteral("neuron.alpha")).toDouble(), 0.93);
        QCOMPARE(d.doc.undoStack()->count(), 3);

        d.doc.undoStack()->undo();
        QCOMPARE(d.doc.value(QStringLiteral("neuron.alpha")).toDouble(), 0.95);
        QCOMPARE(alpha->value(), 0.95);
        d.doc.undoStack()->undo();
        d.doc.undoStack()->undo();
        QCOMPARE(d.doc.value(QStringLiteral("run.batch")).toInt(), 128);
        QCOMPARE(batch->value(), 128);
        QVERIFY(!d.doc.isModified());
    }

    void dragAndDropReorderIsOneUndoStep()
    {
        Designer d;
        QVERIFY(d.doc.load(QStringLiteral(":/experiments/randman.json"), nullptr));
        d.stack->selectLayer(0);
        d.stack->addLayer(QStringLiteral("recurrent"));  // [lif 200, rec 100]
        d.stack->addLayer(QStringLiteral("lif"));        // [lif 200, rec 100, lif 100]
        d.doc.setValue(QStringLiteral("network.layers[2].size"), 30);
        const int steps = d.doc.undoStack()->count();
        LayerListModel* model = d.stack->model();

        // What QListView's internal move calls: moveRow(source, destination-before-move).
        QVERIFY(model->moveRows({}, 0, 1, {}, 3));  // first layer to the end
        QCOMPARE(d.doc.undoStack()->count(), steps + 1);
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[2].size")).toInt(), 200);
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[0].recurrent")).toBool(), true);
        QCOMPARE(d.stack->shapeSummary(), QStringLiteral("40 \u2192 100 \u2192 30 \u2192 200 \u2192 10"));

        // The drop path (dropMimeData with the model's own MIME data): last row onto row 0.
        std::unique_ptr<QMimeData> mime(model->mimeData({model->index(2)}));
        QVERIFY(mime);
        QVERIFY(model->dropMimeData(mime.get(), Qt::MoveAction, 0, 0, {}));
        QCOMPARE(d.doc.undoStack()->count(), steps + 2);
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[0].size")).toInt(), 200);
        QCOMPARE(d.stack->shapeSummary(), QStringLiteral("40 \u2192 200 \u2192 100 \u2192 30 \u2192 10"));
        d.doc.undoStack()->undo();
        d.doc.undoStack()->undo();
        QCOMPARE(d.stack->shapeSummary(), QStringLiteral("40 \u2192 200 \u2192 100 \u2192 30 \u2192 10"));
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[1].recurrent")).toBool(), true);
        QVERIFY(!model->moveRows({}, 1, 1, {}, 2));  // onto itself: no command
        QCOMPARE(d.doc.undoStack()->index(), steps);

        // Keyboard: Ctrl+Down moves, Delete removes.
        d.stack->selectLayer(0);
        d.stack->view()->setFocus();
        QTest::keyClick(d.stack->view(), Qt::Key_Down, Qt::ControlModifier);
        QCOMPARE(d.stack->currentLayer(), 1);
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[1].size")).toInt(), 200);
        QTest::keyClick(d.stack->view(), Qt::Key_Delete);
        QCOMPARE(d.stack->layerCount(), 2);
        QCOMPARE(d.stack->shapeSummary(), QStringLiteral("40 \u2192 100 \u2192 30 \u2192 10"));
        d.doc.undoStack()->undo();
        QCOMPARE(d.stack->layerCount(), 3);
        QToolButton* remove = nullptr;
        for (QToolButton* button : d.stack->findChildren<QToolButton*>())
            if (button->accessibleName() == QLatin1String("Remove layer"))
                remove = button;
        QVERIFY(remove);
        d.stack->selectLayer(2);
        QTest::mouseClick(remove, Qt::LeftButton);
        QCOMPARE(d.stack->layerCount(), 2);
        QCOMPARE(d.stack->currentLayer(), 1);
        QCOMPARE(d.stack->shapeSummary(), QStringLiteral("40 \u2192 100 \u2192 200 \u2192 10"));
    }

    void invalidParametersAreMarkedInline()
    {
        Designer d;
        QVERIFY(d.doc.load(QStringLiteral(":/experiments/shd-ff.json"), nullptr));
        d.stack->selectLayer(0);
        d.stack->addLayer(QStringLiteral("lif"));
        LayerListModel* model = d.stack->model();
        QVERIFY(model->data(model->index(1), LayerListModel::ErrorsRole).toStringList().isEmpty());

        // Turning layer 2 into a conv block mixes conv and lif: the engine refuses that.
        d.props->selectLayer(1);
        auto* type = qobject_cast<QComboBox*>(d.props->editor(QStringLiteral("layer.type")));
        QVERIFY(type);
        type->setFocus();
        QTest::keyClick(type, Qt::Key_Down);  // lif -> conv, through the combo's own activation
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[1].type")).toString(), QStringLiteral("conv"));
        QVERIFY(!d.doc.contains(QStringLiteral("network.layers[1].recurrent")));
        QCOMPARE(d.doc.value(QStringLiteral("network.layers[1].pool")).toString(), QStringLiteral("none"));
        const QStringList errors = model->data(model->index(1), LayerListModel::ErrorsRole).toStringList();
        QCOMPARE(errors.size(), 1);
        QVERIFY2(errors[0].contains(QLatin1String("mixed")), qPrintable(errors[0]));
        QCOMPARE(model->data(model->index(1), Qt::ToolTipRole).toString(), errors.join('\n'));
        QVERIFY(model->data(model->index(1), Qt::ForegroundRole).isValid());
        QVERIFY(d.props->editor(QStringLiteral("layer.type"))->property("hasError").toBool());
        QVERIFY(d.props->editor(QStringLiteral("layer.type"))->toolTip().contains(QLatin1String("mixed")));
        d.doc.undoStack()->undo();
        QVERIFY(model->data(model->index(1), LayerListModel::ErrorsRole).toStringList().isEmpty());
        QVERIFY(!model->data(model->index(1), Qt::ForegroundRole).isValid());

        // A value the validator refuses (from a file) is shown at its field with the message.
        d.doc.setValue(QStringLiteral("run.batch"), 1);
        QVERIFY(d.props->editor(QStringLiteral("run.batch"))->property("hasError").toBool());
        QVERIFY(d.props->editor(QStringLiteral("run.batch"))->toolTip().contains(QLatin1String("between 2 and 65536")));
        QVERIFY(!d.props->editor(QStringLiteral("run.epochs"))->property("hasError").toBool());
    }

    /// The rule picker lists the registry's rules, explains the chosen one, and shows that rule's
    /// own parameters only.
    void rulePickerExplainsTheRuleAndShowsItsParameters()
    {
        Designer d;
        QVERIFY(d.doc.load(QStringLiteral(":/experiments/randman.json"), nullptr));
        auto* text = d.window.findChild<QLabel*>(QStringLiteral("ruleExplanation"));
        QVERIFY(text);
        auto* picker = qobject_cast<QComboBox*>(d.props->editor(QStringLiteral("rule.name")));
        QVERIFY(picker);
        QCOMPARE(picker->count(), int(tp::learningRules().size()));
        const auto shown = [&](const char* key) { return d.props->editor(QString::fromLatin1(key))->isVisibleTo(&d.window); };
        QVERIFY2(text->text().startsWith(QLatin1String("Local in space")), qPrintable(text->text()));
        QVERIFY(shown("rule.train_s") && shown("rule.readout_trace"));
        QVERIFY(!shown("rule.feedback") && !shown("rule.burn_in") && !shown("rule.online"));
        d.doc.setValue(QStringLiteral("rule.name"), QStringLiteral("eprop"));
        QVERIFY2(text->text().contains(QLatin1String("eligibility trace")), qPrintable(text->text()));
        QVERIFY(shown("rule.feedback") && !shown("rule.train_s") && !shown("rule.readout_trace"));
        QCOMPARE(picker->currentData().toString(), QStringLiteral("eprop"));
        d.doc.setValue(QStringLiteral("rule.name"), QStringLiteral("ottt"));
        QVERIFY(shown("rule.online") && !shown("rule.feedback"));
        QVERIFY(text->text().contains(QLatin1String("within that step")));
    }

    void everyControlHasAnAccessibleName()
    {
        Designer d;
        QVERIFY(d.doc.load(QStringLiteral(":/experiments/randman.json"), nullptr));
        d.stack->selectLayer(0);
        const auto buttons = d.window.findChildren<QToolButton*>();
        QVERIFY(buttons.size() >= 4);
        for (const QToolButton* button : buttons)
            QVERIFY2(!button->accessibleName().isEmpty(), qPrintable(button->toolTip()));
        for (const QString& key : {QStringLiteral("layer.size"), QStringLiteral("run.lr"), QStringLiteral("run.seed"),
                                   QStringLiteral("rule.train_s"), QStringLiteral("neuron.reset")}) {
            QWidget* editor = d.props->editor(key);
            QVERIFY2(editor && !editor->accessibleName().isEmpty(), qPrintable(key));
            QVERIFY2(!editor->toolTip().isEmpty(), qPrintable(key));
            QVERIFY(editor->focusPolicy() & Qt::TabFocus);
        }
        QCOMPARE(d.stack->view()->accessibleName(), QStringLiteral("Layer stack"));
        // Scrolling the panel over an unfocused spin box does not change the value.
        auto* epochs = d.props->editor(QStringLiteral("run.epochs"));
        d.window.activateWindow();
        QVERIFY(QTest::qWaitForWindowActive(&d.window));
        d.stack->view()->setFocus();
        QWheelEvent wheel(QPointF(5, 5), epochs->mapToGlobal(QPointF(5, 5)), QPoint(), QPoint(0, 120), Qt::NoButton,
                          Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(epochs, &wheel);
        QCOMPARE(d.doc.value(QStringLiteral("run.epochs")).toInt(), 20);
        QCOMPARE(d.doc.undoStack()->count(), 0);
        epochs->setFocus();
        QVERIFY(epochs->hasFocus());
        QWheelEvent focusedWheel(QPointF(5, 5), epochs->mapToGlobal(QPointF(5, 5)), QPoint(), QPoint(0, 120),
                                 Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QCoreApplication::sendEvent(epochs, &focusedWheel);
        QCOMPARE(d.doc.value(QStringLiteral("run.epochs")).toInt(), 21);
        auto* name = qobject_cast<QLineEdit*>(d.props->editor(QStringLiteral("name")));
        QVERIFY(name);
        QCOMPARE(name->text(), QStringLiteral("randman"));
        name->setFocus();
        name->selectAll();
        QTest::keyClicks(name, QStringLiteral("my run"));
        QTest::keyClick(name, Qt::Key_Return);
        QCOMPARE(d.doc.value(QStringLiteral("name")).toString(), QStringLiteral("my run"));
        auto* description = qobject_cast<QPlainTextEdit*>(d.props->editor(QStringLiteral("description")));
        QVERIFY(description);
        QVERIFY(description->toPlainText().startsWith(QLatin1String("The built-in default")));
        description->setFocus();
        description->selectAll();
        QTest::keyClicks(description, QStringLiteral("Lesson 1"));
        QCOMPARE(d.doc.undoStack()->count(), 2);  // nothing until the field is left
        QTest::keyClick(description, Qt::Key_Tab);
        QCOMPARE(d.doc.value(QStringLiteral("description")).toString(), QStringLiteral("Lesson 1"));
        QCOMPARE(d.doc.undoStack()->count(), 3);
        // The learning rate shows in its shortest form and keeps full precision in the file.
        auto* lr = qobject_cast<QDoubleSpinBox*>(d.props->editor(QStringLiteral("run.lr")));
        QCOMPARE(lr->text(), QStringLiteral("0.002"));
        typeInto(lr, QStringLiteral("3.5e-4"));
        QCOMPARE(d.doc.value(QStringLiteral("run.lr")).toDouble(), 3.5e-4);
    }

    void screenshotOfAConvNetwork()
    {
        Designer d;
        QVERIFY(d.doc.load(QStringLiteral(":/experiments/dvsgesture-vgg9.json"), nullptr));
        d.stack->selectLayer(1);
        d.window.resize(820, 900);
        d.stack->setGeometry(0, 0, 430, 900);
        d.props->setGeometry(430, 0, 390, 900);
        QCOMPARE(d.rowText(1), QStringLiteral("2. Conv LIF \u00b7 128 channels, 3x3, max pool 2x2\n64x32x32 \u2192 128x16x16"));
        QVERIFY(d.stack->networkErrors().isEmpty());
        QVERIFY(!labelWithText(&d.window, QStringLiteral("64x32x32 \u2192 128x16x16")).isEmpty());
        const QString out = QDir::temp().filePath(QStringLiteral("traceprop-gui-edit"));
        QVERIFY(QDir().mkpath(out));
        const QString file = out + QStringLiteral("/designer-conv.png");
        QVERIFY(d.window.grab().save(file));
        qInfo("screenshot: %s", qPrintable(file));
    }
};

QTEST_MAIN(TestDesignerStack)
#include "test_designer_stack.moc"
