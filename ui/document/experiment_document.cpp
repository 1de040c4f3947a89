#include "ui/document/experiment_document.h"

#include <QCryptographicHash>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QSaveFile>
#include <QStandardPaths>
#include <QTimer>
#include <QUndoStack>
#include <QUuid>

#include "registry.h"
#include "ui/document/commands/add_layer_command.h"
#include "ui/document/commands/move_layer_command.h"
#include "ui/document/commands/remove_layer_command.h"
#include "ui/document/commands/set_value_command.h"

namespace tp::ui {
namespace {

using Json = ExperimentDocument::Json;

constexpr int kDefaultAutosaveMs = 60'000;
constexpr const char* kRecoveryKey = "traceprop_recovery";

QString qs(const std::string& s) { return QString::fromStdString(s); }

/// 1-based line and column of a byte offset (nlohmann counts bytes read, 1-based).
QString lineColumn(const QByteArray& text, std::size_t byte)
{
    const qsizetype end = std::min<qsizetype>(qsizetype(byte ? byte - 1 : 0), text.size());
    int line = 1, column = 1;
    for (qsizetype i = 0; i < end; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return QObject::tr("line %1, column %2").arg(line).arg(column);
}

/// Parses and validates with the engine; every issue, never throws.
std::vector<ConfigIssue> validate(const Json& doc, const std::string& source, std::optional<Experiment>* parsed)
{
    try {
        Experiment e = parseExperiment(nlohmann::json(doc), source, validateDatasetSpec);
        if (parsed)
            *parsed = std::move(e);
        return {};
    } catch (const ConfigError& error) {
        return error.issues();
    } catch (const std::exception& error) {
        return {{"", error.what()}};
    }
}

/// Problems that make a document unusable in the editor (refused by load): the file's
/// version, and sections that are missing or of the wrong JSON type.
QStringList structuralProblems(const Json& doc, const QString& source)
{
    if (!doc.is_object())
        return {QObject::tr("%1: expected a JSON object at the top level").arg(source)};
    QStringList problems;
    for (const ConfigIssue& issue : validate(doc, source.toStdString(), nullptr)) {
        const bool structural = issue.path == "schema_version" || issue.message.starts_with("expected an object") ||
                                issue.message.starts_with("expected an array") ||
                                issue.message.starts_with("missing (required object)");
        if (structural)
            problems << QStringLiteral("%1: %2: %3").arg(source, qs(issue.path), qs(issue.message));
    }
    return problems;
}

/// Reads and parses a JSON file; on failure *error names the file and where.
std::optional<Json> readJson(const QString& path, QString* error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QObject::tr("Cannot open %1: %2").arg(path, file.errorString());
        return std::nullopt;
    }
    const QByteArray bytes = file.readAll();
    try {
        return Json::parse(bytes.constBegin(), bytes.constEnd());
    } catch (const Json::parse_error& e) {
        if (error)
            *error = QObject::tr("%1 is not valid JSON (%2): %3").arg(path, lineColumn(bytes, e.byte), qs(e.what()));
    }
    return std::nullopt;
}

bool writeFile(const QString& path, const QByteArray& bytes, QString* error)
{
    QSaveFile file(path);
    if (file.open(QIODevice::WriteOnly) && file.write(bytes) == bytes.size() && file.commit())
        return true;
    if (error)
        *error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
    return false;
}

QByteArray serialise(const Json& doc) { return QByteArray::fromStdString(doc.dump(2) + "\n"); }

Json jsonFromVariant(const QVariant& v)
{
    switch (v.typeId()) {
    case QMetaType::Bool: return v.toBool();
    case QMetaType::Int:
    case QMetaType::LongLong: return std::int64_t(v.toLongLong());
    case QMetaType::UInt:
    case QMetaType::ULongLong: return std::uint64_t(v.toULongLong());
    case QMetaType::Double:
    case QMetaType::Float: return v.toDouble();
    default: return v.toString().toStdString();
    }
}

} // namespace

ExperimentDocument::ExperimentDocument(QObject* parent)
    : QObject(parent), m_untitledId(QUuid::createUuid().toString(QUuid::WithoutBraces)),
      m_undo(new QUndoStack(this)), m_autosave(new QTimer(this))
{
    connect(m_undo, &QUndoStack::cleanChanged, this, &ExperimentDocument::updateModified);
    connect(m_autosave, &QTimer::timeout, this, &ExperimentDocument::autosaveNow);
    m_autosave->start(kDefaultAutosaveMs);
    newDocument();
}

ExperimentDocument::~ExperimentDocument() { removeAutosaveFile(); }

Json::json_pointer ExperimentDocument::pointer(const QString& path)
{
    std::string text;
    for (const QString& part : path.split(QLatin1Char('.'), Qt::SkipEmptyParts)) {
        QString rest = part;
        const qsizetype bracket = rest.indexOf(QLatin1Char('['));
        text += "/" + rest.left(bracket).toStdString();
        if (bracket >= 0)
            for (const QString& index : rest.mid(bracket + 1).split(QLatin1Char('['), Qt::SkipEmptyParts))
                text += "/" + index.chopped(index.endsWith(QLatin1Char(']')) ? 1 : 0).toStdString();
    }
    return Json::json_pointer(text);
}

void ExperimentDocument::replace(Json doc, const QString& filePath, bool modified)
{
    removeAutosaveFile();
    m_doc = std::move(doc);
    m_undo->clear();
    m_undo->setClean();
    m_forcedModified = modified;
    m_measured.reset();
    m_untitledId = QUuid::createUuid().toString(QUuid::WithoutBraces);
    setFilePath(filePath);
    Q_EMIT documentReset();
    contentChanged();
    updateModified();
}

bool ExperimentDocument::load(const QString& path, QString* error)
{
    std::optional<Json> doc = readJson(path, error);
    if (!doc)
        return false;
    const QStringList problems = structuralProblems(*doc, QFileInfo(path).fileName());
    if (!problems.isEmpty()) {
        if (error)
            *error = tr("Cannot open %1:\n%2").arg(path, problems.join(QLatin1Char('\n')));
        return false;
    }
    replace(std::move(*doc), QFileInfo(path).absoluteFilePath(), false);
    return true;
}

bool ExperimentDocument::newFromTemplate(const QString& path, QString* error)
{
    std::optional<Json> doc = readJson(path, error);
    if (!doc)
        return false;
    const QStringList problems = structuralProblems(*doc, QFileInfo(path).fileName());
    if (!problems.isEmpty()) {
        if (error)
            *error = tr("Cannot use %1 as a template:\n%2").arg(path, problems.join(QLatin1Char('\n')));
        return false;
    }
    replace(std::move(*doc), QString(), false);
    return true;
}

void ExperimentDocument::newDocument()
{
    Experiment defaults;
    defaults.name = "untitled";
    const nlohmann::json canonical = toJson(defaults);
    Json doc = Json::object();
    for (const char* key : {"schema_version", "name", "description", "network", "neuron", "rule", "dataset",
                            "binning", "run"})
        doc[key] = canonical.at(key);
    doc["network"]["layers"] = Json::array();
    replace(std::move(doc), QString(), false);
}

bool ExperimentDocument::save(const QString& path, QString* error)
{
    if (!writeFile(path, serialise(m_doc), error))
        return false;
    removeAutosaveFile();
    setFilePath(QFileInfo(path).absoluteFilePath());
    m_forcedModified = false;
    m_undo->setClean();
    updateModified();
    return true;
}

QString ExperimentDocument::displayName() const
{
    return m_filePath.isEmpty() ? tr("untitled.json") : QFileInfo(m_filePath).fileName();
}

bool ExperimentDocument::isModified() const { return m_forcedModified || !m_undo->isClean(); }

void ExperimentDocument::setFilePath(const QString& path)
{
    if (path == m_filePath)
        return;
    m_filePath = path;
    Q_EMIT filePathChanged(path);
}

void ExperimentDocument::updateModified()
{
    const bool modified = isModified();
    if (modified != m_lastModified) {
        m_lastModified = modified;
        Q_EMIT modifiedChanged(modified);
    }
}

void ExperimentDocument::contentChanged()
{
    m_issues.reset();
    Q_EMIT changed();
}

// --- validation ---

const QList<DocumentIssue>& ExperimentDocument::issues() const
{
    if (!m_issues) {
        std::optional<Experiment> parsed;
        std::vector<ConfigIssue> all = validate(m_doc, displayName().toStdString(), &parsed);
        const ShapeReport shapes = inferShapes(m_doc, m_measured, parsed ? &*parsed : nullptr);
        all.insert(all.end(), shapes.issues.begin(), shapes.issues.end());
        QList<DocumentIssue> list;
        for (const ConfigIssue& issue : all)
            list.push_back({qs(issue.path), qs(issue.message)});
        m_issues = std::move(list);
    }
    return *m_issues;
}

QStringList ExperimentDocument::issuesAt(const QString& path) const
{
    QStringList messages;
    for (const DocumentIssue& issue : issues())
        if (issue.path == path || issue.path.startsWith(path + QLatin1Char('.')) ||
            issue.path.startsWith(path + QLatin1Char('[')))
            messages << issue.message;
    return messages;
}

std::optional<Experiment> ExperimentDocument::experiment(QStringList* errors) const
{
    if (!issues().isEmpty()) {
        if (errors)
            for (const DocumentIssue& issue : issues())
                *errors << (issue.path.isEmpty() ? issue.message : issue.path + QStringLiteral(": ") + issue.message);
        return std::nullopt;
    }
    std::optional<Experiment> parsed;
    validate(m_doc, displayName().toStdString(), &parsed);
    return parsed;
}

// --- values ---

bool ExperimentDocument::contains(const QString& path) const
{
    try {
        return m_doc.contains(pointer(path));
    } catch (const std::exception&) {
        return false;
    }
}

QVariant ExperimentDocument::value(const QString& path) const
{
    if (!contains(path))
        return {};
    const Json& v = m_doc.at(pointer(path));
    if (v.is_boolean())
        return v.get<bool>();
    if (v.is_number_unsigned())
        return qulonglong(v.get<std::uint64_t>());
    if (v.is_number_integer())
        return qlonglong(v.get<std::int64_t>());
    if (v.is_number_float())
        return v.get<double>();
    if (v.is_string())
        return qs(v.get<std::string>());
    return {};
}

void ExperimentDocument::setValue(const QString& path, const QVariant& value, bool mergeable)
{
    setJson(path, jsonFromVariant(value), mergeable);
}

bool ExperimentDocument::isLocked(const QString& path) const
{
    const auto lesson = m_doc.find("lesson");
    if (lesson == m_doc.end() || !lesson->is_object() || !lesson->contains("locked") || !(*lesson)["locked"].is_array())
        return false;
    LessonSpec spec;
    for (const Json& lock : (*lesson)["locked"])
        if (lock.is_string())
            spec.locked.push_back(lock.get<std::string>());
    if (path == QLatin1String("lesson") || path.startsWith(QLatin1String("lesson.")))
        return !spec.locked.empty();  // a lesson does not edit its own rules
    QString dotted = path;
    dotted.replace(QLatin1Char('['), QLatin1Char('.')).remove(QLatin1Char(']'));
    return spec.isLocked(dotted.toStdString());
}

bool ExperimentDocument::refuseLocked(const QString& path)
{
    if (!isLocked(path))
        return false;
    Q_EMIT editRefused(path, tr("%1 is locked by the lesson").arg(path));
    return true;
}

void ExperimentDocument::setJson(const QString& path, const std::optional<Json>& value, bool mergeable)
{
    if (refuseLocked(path))
        return;
    std::optional<Json> before;
    if (contains(path))
        before = m_doc.at(pointer(path));
    if (before == value)
        return;
    m_undo->push(new SetValueCommand(this, path, before, value, mergeable));
}

void ExperimentDocument::applyJson(const QString& path, const std::optional<Json>& value)
{
    try {
        const Json::json_pointer ptr = pointer(path);
        if (value)
            m_doc[ptr] = *value;
        else if (m_doc.contains(ptr))
            m_doc[ptr.parent_pointer()].erase(ptr.back());
    } catch (const std::exception& error) {
        // Only a path through a missing array element gets here (a programming error); nothing
        // may throw out of QUndoStack::push in a slot.
        qWarning("ExperimentDocument: cannot set %s: %s", qPrintable(path), error.what());
        return;
    }
    if ((path.startsWith(QLatin1String("dataset")) || path.startsWith(QLatin1String("binning"))) && m_measured) {
        m_measured.reset();
        Q_EMIT datasetShapeChanged();
    }
    Q_EMIT valueChanged(path);
    contentChanged();
}

// --- layers ---

int ExperimentDocument::layerCount() const
{
    const auto ptr = pointer(QStringLiteral("network.layers"));
    return m_doc.contains(ptr) && m_doc.at(ptr).is_array() ? int(m_doc.at(ptr).size()) : 0;
}

Json ExperimentDocument::layerTemplate(const QString& kind)
{
    const LayerSpec defaults;
    if (kind == QLatin1String("conv") || kind == QLatin1String("conv_pool"))
        return Json{{"type", "conv"}, {"size", defaults.size}, {"pool", kind == QLatin1String("conv") ? "none" : "max2"}};
    return Json{{"type", "lif"}, {"size", defaults.size}, {"recurrent", kind == QLatin1String("recurrent")}};
}

void ExperimentDocument::addLayer(int index, const QString& kind)
{
    if (refuseLocked(QStringLiteral("network.layers")))
        return;
    index = std::clamp(index, 0, layerCount());
    m_undo->push(new AddLayerCommand(this, index, layerTemplate(kind)));
}

void ExperimentDocument::removeLayer(int index)
{
    if (index >= 0 && index < layerCount() && !refuseLocked(QStringLiteral("network.layers")))
        m_undo->push(new RemoveLayerCommand(this, index));
}

void ExperimentDocument::moveLayer(int from, int to)
{
    const int n = layerCount();
    if (from >= 0 && from < n && to >= 0 && to < n && from != to && !refuseLocked(QStringLiteral("network.layers")))
        m_undo->push(new MoveLayerCommand(this, from, to));
}

void ExperimentDocument::applyInsertLayer(int index, const Json& layer)
{
    Json& network = m_doc["network"];
    if (!network.contains("layers") || !network["layers"].is_array())
        network["layers"] = Json::array();
    Json& layers = network["layers"];
    Q_EMIT layerAboutToBeInserted(index);
    layers.insert(layers.begin() + index, layer);
    Q_EMIT layerInserted(index);
    contentChanged();
}

Json ExperimentDocument::applyRemoveLayer(int index)
{
    Json& layers = m_doc["network"]["layers"];
    Q_EMIT layerAboutToBeRemoved(index);
    Json layer = layers[std::size_t(index)];
    layers.erase(layers.begin() + index);
    Q_EMIT layerRemoved(index);
    contentChanged();
    return layer;
}

void ExperimentDocument::applyMoveLayer(int from, int to)
{
    Json& layers = m_doc["network"]["layers"];
    Q_EMIT layerAboutToBeMoved(from, to);
    Json layer = layers[std::size_t(from)];
    layers.erase(layers.begin() + from);
    layers.insert(layers.begin() + to, layer);
    Q_EMIT layerMoved(from, to);
    contentChanged();
}

void ExperimentDocument::setMeasuredDatasetShape(const DatasetShape& shape)
{
    if (m_measured == shape)
        return;
    m_measured = shape;
    m_issues.reset();
    Q_EMIT datasetShapeChanged();
    Q_EMIT changed();
}

// --- autosave / recovery ---

QString ExperimentDocument::recoveryDir()
{
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + QStringLiteral("/recovery");
}

QString ExperimentDocument::autosavePath() const
{
    if (!m_recoveryFile.isEmpty())
        return m_recoveryFile;
    const QString key = m_filePath.isEmpty()
                            ? QStringLiteral("untitled-") + m_untitledId
                            : QString::fromLatin1(
                                  QCryptographicHash::hash(m_filePath.toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
    return recoveryDir() + QLatin1Char('/') + key + QStringLiteral(".json");
}

void ExperimentDocument::setAutosaveInterval(int ms)
{
    if (ms > 0)
        m_autosave->start(ms);
    else
        m_autosave->stop();
}

bool ExperimentDocument::autosaveNow()
{
    if (!isModified())
        return false;
    QDir().mkpath(recoveryDir());
    Json wrapper = Json::object();
    wrapper[kRecoveryKey] = 1;
    wrapper["original_path"] = m_filePath.toStdString();
    wrapper["document"] = m_doc;
    return writeFile(autosavePath(), serialise(wrapper), nullptr);
}

void ExperimentDocument::removeAutosaveFile()
{
    QFile::remove(autosavePath());
    m_recoveryFile.clear();
}

QStringList ExperimentDocument::recoverableFiles()
{
    QStringList files;
    const QDir dir(recoveryDir());
    for (const QFileInfo& info : dir.entryInfoList({QStringLiteral("*.json")}, QDir::Files, QDir::Time))
        files << info.absoluteFilePath();
    return files;
}

QString ExperimentDocument::recoveryOriginalPath(const QString& recoveryFile)
{
    const std::optional<Json> wrapper = readJson(recoveryFile, nullptr);
    if (!wrapper || !wrapper->is_object() || !wrapper->contains("original_path") || !(*wrapper)["original_path"].is_string())
        return {};
    return qs((*wrapper)["original_path"].get<std::string>());
}

bool ExperimentDocument::recover(const QString& recoveryFile, QString* error)
{
    std::optional<Json> wrapper = readJson(recoveryFile, error);
    if (!wrapper)
        return false;
    if (!wrapper->is_object() || !wrapper->contains(kRecoveryKey) || !wrapper->contains("document")) {
        if (error)
            *error = tr("%1 is not a TraceProp recovery file").arg(recoveryFile);
        return false;
    }
    Json doc = (*wrapper)["document"];
    const QStringList problems = structuralProblems(doc, QFileInfo(recoveryFile).fileName());
    if (!problems.isEmpty()) {
        if (error)
            *error = tr("Cannot recover %1:\n%2").arg(recoveryFile, problems.join(QLatin1Char('\n')));
        return false;
    }
    const auto original = (*wrapper)["original_path"];
    replace(std::move(doc), original.is_string() ? qs(original.get<std::string>()) : QString(), true);
    m_recoveryFile = QFileInfo(recoveryFile).absoluteFilePath();
    return true;
}

} // namespace tp::ui
