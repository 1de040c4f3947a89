// Speaker ids per sample (datasets/speakers.h) for few-shot fine-tuning: SHD files (the built-in
// spoken digits) and Speech Commands trees, in the order openDataset gives the samples.
#include <QTemporaryDir>
#include <QtTest>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/errors.h"
#include "gsc.h"
#include "registry.h"
#include "shd.h"
#include "speakers.h"

namespace fs = std::filesystem;
using namespace tp;

class TestSpeakers : public QObject {
    Q_OBJECT
private slots:
    void shdSpeakersFollowTheSampleOrder()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        for (const char* split : {"train", "test"}) {
            ShdContents c;
            for (int i = 0; i < 6; ++i) {
                c.samples.push_back({{std::int64_t(1000 * (i + 1)), std::int16_t(i), 0, 0}});
                c.labels.push_back(i % 3);
                c.speakers.push_back(split[1] == 'r' ? 10 + i : 20 + i / 2);
            }
            writeShd((root / (std::string("shd_") + split + ".h5")).string(), c, false);
        }
        DatasetSpec spec;
        spec.kind = "shd";
        spec.params = {{"path", root.string()}, {"cache_dir", ""}, {"drop_last", false}};
        spec.binning = {{"time_window_us", 1000}};
        const auto data = openDataset(spec);
        const auto train = sampleSpeakers(spec, Split::Train), test = sampleSpeakers(spec, Split::Test);
        QCOMPARE(train, (std::vector<std::string>{"10", "11", "12", "13", "14", "15"}));
        QCOMPARE(test, (std::vector<std::string>{"20", "20", "21", "21", "22", "22"}));
        QCOMPARE(data->size(Split::Test), test.size());
        for (std::size_t i = 0; i < test.size(); ++i)
            QCOMPARE(data->sample(Split::Test, i).label, int(i % 3));

        // A file without /extra/speaker, and kinds without speakers, are configuration errors.
        ShdContents bare;
        bare.samples = {{{1000, 1, 0, 0}}};
        bare.labels = {0};
        writeShd((root / "shd_train.h5").string(), bare, false);
        QVERIFY_THROWS_EXCEPTION(ConfigError, sampleSpeakers(spec, Split::Train));
        DatasetSpec randman;
        try {
            sampleSpeakers(randman, Split::Test);
            QFAIL("randman has no speakers");
        } catch (const ConfigError& e) {
            QVERIFY(QString(e.what()).contains("dataset.kind"));
        }
        spec.params["path"] = (root / "missing").string();
        QVERIFY_THROWS_EXCEPTION(IoError, sampleSpeakers(spec, Split::Train));
    }

    void gscSpeakersAreTheFilePrefixes()
    {
        QTemporaryDir dir;
        const fs::path root = dir.path().toStdString();
        std::vector<float> tone(4000);
        for (std::size_t i = 0; i < tone.size(); ++i)
            tone[i] = 0.3f * float(std::sin(0.05 * double(i)));
        for (const char* f : {"yes/aa11_nohash_0.wav", "yes/bb22_nohash_0.wav", "no/aa11_nohash_1.wav",
                              "no/cc33_nohash_0.wav", "no/dd44_nohash_0.wav"}) {
            fs::create_directories((root / f).parent_path());
            writeWav((root / f).string(), tone);
        }
        std::ofstream(root / "validation_list.txt") << "";
        std::ofstream(root / "testing_list.txt") << "no/dd44_nohash_0.wav\n";
        DatasetSpec spec;
        spec.kind = "gsc";
        spec.params = {{"path", root.string()}, {"cache_dir", ""}};
        const auto data = openDataset(spec);
        const auto train = sampleSpeakers(spec, Split::Train);
        QCOMPARE(train, (std::vector<std::string>{"aa11", "cc33", "aa11", "bb22"}));  // no/..., then yes/...
        QCOMPARE(sampleSpeakers(spec, Split::Test), std::vector<std::string>{"dd44"});
        QCOMPARE(data->size(Split::Train), train.size());
        QCOMPARE(data->sample(Split::Train, 1).label, 0);  // "no" sorts first
        QCOMPARE(data->sample(Split::Train, 3).label, 1);
    }
};

QTEST_APPLESS_MAIN(TestSpeakers)
#include "test_speakers.moc"
