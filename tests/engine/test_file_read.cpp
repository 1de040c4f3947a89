// core/file_read.h: whole-file reads bounded by what the format allows, and the messages for
// a missing file or a directory where a file is expected.
#include <QTemporaryDir>
#include <QtTest>

#include <fstream>
#include <string>

#include "core/errors.h"
#include "core/file_read.h"

using namespace tp;

namespace {

std::string writeFile(const QTemporaryDir& dir, const std::string& name, const std::string& content)
{
    const std::string path = dir.filePath(QString::fromStdString(name)).toStdString();
    std::ofstream(path, std::ios::binary) << content;
    return path;
}

bool contains(const std::string& text, const std::string& fragment) { return text.find(fragment) != std::string::npos; }

} // namespace

class TestFileRead : public QObject {
    Q_OBJECT

private slots:
    void readsWholeFilesUpToTheBound()
    {
        QTemporaryDir dir;
        const std::string text(100'000, 'x');
        const std::string file = writeFile(dir, "a.txt", text);
        QCOMPARE(readFileText(file, "test file", text.size()), text);
        QCOMPARE(readFileBytes(file, "test file", text.size()).size(), text.size());
        QCOMPARE(readFileText(writeFile(dir, "empty.txt", ""), "test file", 0), std::string());
    }

    void refusesARegularFileOverTheBound()
    {
        QTemporaryDir dir;
        const std::string file = writeFile(dir, "big.txt", std::string(1001, 'x'));
        try {
            readFileText(file, "test file", 1000);
            QFAIL("expected FormatError");
        } catch (const FormatError& e) {
            QVERIFY2(contains(e.what(), file) && contains(e.what(), "larger than 1000 bytes"), e.what());
        }
    }

    // /dev/zero never ends: it is read to the bound + 1 and no further (it was read until memory ran out).
    void readsADeviceOnlyToTheBound()
    {
        for (const std::size_t bound : {std::size_t(0), std::size_t(4095), std::size_t(4096), std::size_t(16) << 20}) {
            try {
                readFileBytes("/dev/zero", "test file", bound);
                QFAIL("expected FormatError");
            } catch (const FormatError& e) {
                QVERIFY2(contains(e.what(), "/dev/zero") && contains(e.what(), "not read further"), e.what());
            }
        }
        QCOMPARE(readFileText("/dev/null", "test file", 10), std::string());
    }

    void namesAMissingFileAndADirectory()
    {
        QTemporaryDir dir;
        const std::string missing = dir.filePath(QStringLiteral("nope.json")).toStdString();
        try {
            readFileText(missing, "test file", 10);
            QFAIL("expected IoError");
        } catch (const IoError& e) {
            QVERIFY2(contains(e.what(), "cannot read " + missing + " (test file): no such file"), e.what());
        }
        const std::string folder = dir.path().toStdString();
        for (int pass = 0; pass < 2; ++pass) {
            try {
                if (pass == 0)
                    readFileText(folder, "test file", 10);
                else
                    requireFile(folder, "test file");
                QFAIL("expected IoError");
            } catch (const IoError& e) {
                QVERIFY2(contains(e.what(), folder) && contains(e.what(), "is a directory, expected a file"), e.what());
            }
        }
    }
};

QTEST_GUILESS_MAIN(TestFileRead)
#include "test_file_read.moc"
