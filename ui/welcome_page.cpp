#include "ui/welcome_page.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QListWidget>
#include <QVBoxLayout>

#include "config/experiment.h"

namespace tp::ui {

QString experimentSummary(const QString& path, QString* description)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly))
        return {};
    const QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    if (root.isEmpty())
        return {};
    if (description)
        *description = root.value(QStringLiteral("description")).toString();
    const QJsonObject net = root.value(QStringLiteral("network")).toObject();
    QStringList shape;
    const int inputs = net.value(QStringLiteral("inputs")).toInt();
    shape << (inputs > 0 ? QString::number(inputs) : QStringLiteral("in"));
    for (const QJsonValue& layer : net.value(QStringLiteral("layers")).toArray()) {
        const QJsonObject l = layer.toObject();
        const bool conv = l.value(QStringLiteral("type")).toString() == QLatin1String("conv");
        QString text = QString::number(l.value(QStringLiteral("size")).toInt());
        if (conv)
            text = QStringLiteral("conv") + text;
        else if (l.value(QStringLiteral("recurrent")).toBool())
            text += QStringLiteral("r");
        shape << text;
    }
    shape << QStringLiteral("out");
    const QString kind = root.value(QStringLiteral("dataset")).toObject().value(QStringLiteral("kind")).toString();
    const QString rule = root.value(QStringLiteral("rule")).toObject().value(QStringLiteral("name")).toString(QString::fromStdString(tp::RuleSpec{}.name));
    return QStringLiteral("%1 · %2 · %3").arg(kind, shape.join(QStringLiteral(" → ")), rule.toUpper());
}

namespace {

QListWidget* makeList(const QString& accessibleName)
{
    auto* list = new QListWidget;
    list->setAccessibleName(accessibleName);
    list->setAlternatingRowColors(true);
    list->setWordWrap(true);
    list->setUniformItemSizes(false);
    return list;
}

QLabel* heading(const QString& text)
{
    auto* label = new QLabel(QStringLiteral("<b>%1</b>").arg(text));
    label->setTextFormat(Qt::RichText);
    return label;
}

} // namespace

WelcomePage::WelcomePage(QWidget* parent) : QWidget(parent)
{
    setObjectName(QStringLiteral("welcomePage"));
    auto* layout = new QVBoxLayout(this);
    auto* title = new QLabel(tr("<h2>TraceProp Workbench</h2>"
                                "<p>Train spiking networks with Traces Propagation: every layer learns from its own "
                                "input and target traces, at every time step. Pick an example to start, or open an "
                                "experiment file (Ctrl+O).</p>"));
    title->setWordWrap(true);
    layout->addWidget(title);

    layout->addWidget(heading(tr("Examples")));
    m_examples = makeList(tr("Example experiments"));
    for (const QString& folder : {QStringLiteral(":/lessons/"), QStringLiteral(":/experiments/")}) {
        const bool lesson = folder.contains(QLatin1String("lessons"));
        for (const QString& name : QDir(folder).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name)) {
            const QString path = folder + name;
            QString description;
            const QString summary = experimentSummary(path, &description);
            auto* item = new QListWidgetItem(QStringLiteral("%1%2 — %3").arg(lesson ? tr("Lesson: ") : QString(),
                                                                             QFileInfo(name).baseName(), summary),
                                             m_examples);
            item->setData(Qt::UserRole, path);
            item->setToolTip(description);
        }
    }
    layout->addWidget(m_examples, 3);

    layout->addWidget(heading(tr("Recent files")));
    m_recent = makeList(tr("Recent experiment files"));
    layout->addWidget(m_recent, 2);

    m_recover = makeList(tr("Unsaved documents to recover"));
    auto* recoverHeading = heading(tr("Recover unsaved changes"));
    layout->addWidget(recoverHeading);
    layout->addWidget(m_recover, 1);
    recoverHeading->setVisible(false);
    m_recover->setVisible(false);
    connect(m_recover, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT recoverRequested(item->data(Qt::UserRole).toString());
    });
    m_recover->setProperty("heading", QVariant::fromValue<QObject*>(recoverHeading));

    connect(m_examples, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT templateRequested(item->data(Qt::UserRole).toString());
    });
    connect(m_recent, &QListWidget::itemActivated, this, [this](QListWidgetItem* item) {
        Q_EMIT openRequested(item->data(Qt::UserRole).toString());
    });
}

QStringList WelcomePage::examplePaths() const
{
    QStringList out;
    for (int i = 0; i < m_examples->count(); ++i)
        out << m_examples->item(i)->data(Qt::UserRole).toString();
    return out;
}

void WelcomePage::setRecentFiles(const QStringList& paths)
{
    m_recent->clear();
    for (const QString& path : paths) {
        if (!QFileInfo::exists(path))
            continue;
        const QString summary = experimentSummary(path);
        auto* item = new QListWidgetItem(QStringLiteral("%1 — %2").arg(QDir::toNativeSeparators(path), summary), m_recent);
        item->setData(Qt::UserRole, path);
    }
}

void WelcomePage::setRecoverableFiles(const QStringList& paths)
{
    m_recover->clear();
    for (const QString& path : paths) {
        auto* item = new QListWidgetItem(QFileInfo(path).fileName(), m_recover);
        item->setData(Qt::UserRole, path);
        item->setToolTip(path);
    }
    const bool any = m_recover->count() > 0;
    m_recover->setVisible(any);
    if (auto* h = qobject_cast<QWidget*>(m_recover->property("heading").value<QObject*>()))
        h->setVisible(any);
}

} // namespace tp::ui
