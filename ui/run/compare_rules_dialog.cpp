#include "ui/run/compare_rules_dialog.h"

#include <algorithm>

#include <QCheckBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

#include "config/experiment.h"
#include "rules/registry.h"

namespace tp::ui {

QStringList chooseRulesToCompare(QWidget* parent, const Experiment& e, const QStringList& preset)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QDialog::tr("Compare Rules"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* intro = new QLabel(QDialog::tr("Train \"%1\" under each chosen rule, one after another, with the same seed and data. "
                                         "Choose %2 to %3.")
                                 .arg(QString::fromStdString(e.name))
                                 .arg(kMinComparedRules)
                                 .arg(kMaxComparedRules));
    intro->setWordWrap(true);
    layout->addWidget(intro);
    QList<QCheckBox*> boxes;
    for (const LearningRule* r : learningRules()) {
        auto* box = new QCheckBox(QString::fromUtf8(r->title));
        box->setObjectName(QString::fromUtf8(r->name));
        box->setToolTip(QString::fromUtf8(r->explanation));
        const bool trains = trainsLayers(*r, e.network);
        box->setEnabled(trains);
        if (!trains)
            box->setText(box->text() + QDialog::tr(" (does not train %1 layers)")
                                           .arg(QString::fromStdString(e.network.layers.front().type)));
        box->setChecked(trains && preset.contains(box->objectName()));
        layout->addWidget(box);
        boxes << box;
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel);
    buttons->button(QDialogButtonBox::Ok)->setText(QDialog::tr("Train and Compare"));
    auto* count = new QLabel;
    layout->addWidget(count);
    layout->addWidget(buttons);
    const auto update = [&] {
        const auto n = std::count_if(boxes.begin(), boxes.end(), [](QCheckBox* b) { return b->isChecked(); });
        const bool ok = n >= kMinComparedRules && n <= kMaxComparedRules;
        buttons->button(QDialogButtonBox::Ok)->setEnabled(ok);
        count->setText(ok ? QDialog::tr("%1 runs").arg(n)
                          : QDialog::tr("%1 chosen: choose %2 to %3 rules").arg(n).arg(kMinComparedRules).arg(kMaxComparedRules));
    };
    for (QCheckBox* b : boxes)
        QObject::connect(b, &QCheckBox::toggled, &dialog, update);
    update();
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    if (dialog.exec() != QDialog::Accepted)
        return {};
    QStringList rules;
    for (QCheckBox* b : boxes)
        if (b->isChecked())
            rules << b->objectName();
    return rules;
}

} // namespace tp::ui
