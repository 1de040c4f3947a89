#include <QTemporaryDir>
#include <QtTest>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

#include <hdf5.h>

#include "../h5_fixture.h"

#include "core/errors.h"
#include "io/h5.h"
#include "shd.h"

namespace {

/// Ragged samples with random times in [0, 1.4 s] (sorted) and units 0..699; sample 2 is empty.
tp::ShdContents makeContents(std::size_t samples, std::size_t maxSpikes, std::uint32_t seed)
{
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::int64_t> time(0, 1'400'000);
    std::uniform_int_distribution<int> unit(0, 699), len(0, int(maxSpikes)), label(0, 19), speaker(0, 11);
    tp::ShdContents c;
    for (std::size_t i = 0; i < samples; ++i) {
        tp::Events ev(i == 2 ? 0 : std::size_t(len(rng)));
        std::vector<std::int64_t> ts(ev.size());
        for (auto& t : ts)
            t = time(rng);
        std::sort(ts.begin(), ts.end());
        for (std::size_t k = 0; k < ev.size(); ++k) {
            ev[k].t_us = ts[k];
            ev[k].x = std::int16_t(unit(rng));
        }
        c.samples.push_back(std::move(ev));
        c.labels.push_back(label(rng));
        c.speakers.push_back(speaker(rng));
    }
    for (int k = 0; k < 20; ++k)
        c.keys.push_back((k < 10 ? "english-" : "german-") + std::to_string(k) + std::string(std::size_t(k % 4), 'x'));
    return c;
}

/// IEEE binary16 round-to-nearest-even of a non-negative value (normal and subnormal range).
double toHalf(double v)
{
    if (v == 0)
        return 0;
    int e = 0;
    std::frexp(v, &e);  // v = m * 2^e, m in [0.5, 1)
    const double ulp = std::ldexp(1.0, std::max(e - 11, -24));
    return std::nearbyint(v / ulp) * ulp;
}

double halfUlp(double v)
{
    int e = 0;
    std::frexp(v, &e);
    return std::ldexp(1.0, std::max(e - 11, -24));
}

template <typename E, typename Fn>
std::string thrownMessage(Fn&& fn)
{
    try {
        fn();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("<wrong exception type> ") + e.what();
    }
    return "<no exception>";
}

#define EXPECT_THROW_WITH(Type, call, ...)                                                                       \
    do {                                                                                                         \
        const std::string msg_ = thrownMessage<Type>([&] { (void)(call); });                                     \
        QVERIFY2(msg_.rfind("<", 0) != 0, msg_.c_str());                                                         \
        for (const char* part_ : {__VA_ARGS__})                                                                  \
            QVERIFY2(msg_.find(part_) != std::string::npos, (msg_ + "  [expected: " + part_ + "]").c_str());     \
    } while (0)

/// Raw HDF5 writer for fixtures the library writer refuses to produce.
class RawFile {
public:
    explicit RawFile(const std::string& path) : m_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT))
    {
        H5Gclose(H5Gcreate2(m_id, "/spikes", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
        H5Gclose(H5Gcreate2(m_id, "/extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    }
    ~RawFile() { H5Fclose(m_id); }
    bool ok() const { return m_id >= 0; }

    template <typename T>
    void vlen(const char* name, const std::vector<std::vector<T>>& rows, hid_t fileBase, hid_t memBase)
    {
        std::vector<hvl_t> items;
        for (const auto& r : rows)
            items.push_back(hvl_t{r.size(), const_cast<T*>(r.data())});
        const hid_t ft = H5Tvlen_create(fileBase), mt = H5Tvlen_create(memBase);
        write(name, ft, mt, items.size(), items.data());
        H5Tclose(ft);
        H5Tclose(mt);
    }
    void write(const char* name, hid_t fileType, hid_t memType, std::size_t n, const void* data)
    {
        tp_test::writeH5Dataset(m_id, name, fileType, memType, n, data);
    }
    void labels(const std::vector<std::int64_t>& v) { write("/labels", H5T_STD_I64LE, H5T_NATIVE_INT64, v.size(), v.data()); }

private:
    hid_t m_id;
};

using Rows = std::vector<std::vector<double>>;
using IntRows = std::vector<std::vector<std::int32_t>>;

/// A valid raw file: double times, int32 units, int64 labels; `edit` may spoil one thing.
void writeRaw(const std::string& path, const Rows& times, const IntRows& units, const std::vector<std::int64_t>& labels)
{
    RawFile f(path);
    QVERIFY(f.ok());
    f.vlen("/spikes/times", times, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
    f.vlen("/spikes/units", units, H5T_STD_I32LE, H5T_NATIVE_INT32);
    f.labels(labels);
}

/// One HDF5 string form: fixed (with its padding) or variable length, and the charset tag.
struct StringForm {
    const char* name;
    bool variable;
    H5T_str_t pad;
    H5T_cset_t cset;
};

const StringForm kStringForms[] = {
    {"fixed NULLTERM ASCII", false, H5T_STR_NULLTERM, H5T_CSET_ASCII},
    {"fixed NULLTERM UTF-8", false, H5T_STR_NULLTERM, H5T_CSET_UTF8},
    {"fixed NULLPAD ASCII", false, H5T_STR_NULLPAD, H5T_CSET_ASCII},
    {"fixed NULLPAD UTF-8", false, H5T_STR_NULLPAD, H5T_CSET_UTF8},
    {"fixed SPACEPAD ASCII", false, H5T_STR_SPACEPAD, H5T_CSET_ASCII},
    {"fixed SPACEPAD UTF-8", false, H5T_STR_SPACEPAD, H5T_CSET_UTF8},
    {"variable ASCII", true, H5T_STR_NULLTERM, H5T_CSET_ASCII},
    {"variable UTF-8", true, H5T_STR_NULLTERM, H5T_CSET_UTF8},
};

/// Class names with non-ASCII UTF-8 bytes, an inner space and an empty name; the longest
/// ("Überraschung ✓", 17 bytes) fills a NULLPAD/SPACEPAD element with no pad at all.
const std::vector<std::string> kWords{"null", "eins", "fünf", "a b", "", "Überraschung ✓"};

/// A string type of `form` and the bytes H5Dwrite / H5Awrite takes for `words` in it (an array
/// of char* for variable length; fixed elements padded with NUL, or spaces for SPACEPAD, the
/// width leaving room for a terminator only for NULLTERM).
struct StringData {
    hid_t type;
    std::vector<std::string> words;  ///< what `pointers` point into
    std::vector<char> fixed;
    std::vector<const char*> pointers;
    const void* data() const { return pointers.empty() ? static_cast<const void*>(fixed.data()) : pointers.data(); }
    ~StringData() { H5Tclose(type); }
};

std::unique_ptr<StringData> stringData(const StringForm& form, const std::vector<std::string>& words)
{
    auto d = std::make_unique<StringData>();
    d->type = H5Tcopy(H5T_C_S1);
    std::size_t width = 1;
    for (const auto& w : words)
        width = std::max(width, w.size() + (form.pad == H5T_STR_NULLTERM ? 1 : 0));
    H5Tset_size(d->type, form.variable ? H5T_VARIABLE : width);
    H5Tset_strpad(d->type, form.pad);
    H5Tset_cset(d->type, form.cset);
    if (form.variable) {
        d->words = words;
        for (const auto& w : d->words)
            d->pointers.push_back(w.c_str());
        return d;
    }
    d->fixed.assign(words.size() * width, form.pad == H5T_STR_SPACEPAD ? ' ' : '\0');
    for (std::size_t i = 0; i < words.size(); ++i)
        std::copy(words[i].begin(), words[i].end(), d->fixed.begin() + std::ptrdiff_t(i * width));
    return d;
}

/// A two-sample SHD file whose /extra/keys is `words` in `form`.
void writeShdWithKeys(const std::string& path, const StringForm& form, const std::vector<std::string>& words)
{
    RawFile f(path);
    QVERIFY(f.ok());
    f.vlen("/spikes/times", Rows{{0.25}, {0.5, 0.75}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
    f.vlen("/spikes/units", IntRows{{1}, {2, 3}}, H5T_STD_U16LE, H5T_NATIVE_INT32);
    f.labels({0, 2});
    const auto keys = stringData(form, words);
    f.write("/extra/keys", keys->type, keys->type, words.size(), keys->data());
}

/// Adds a root attribute and a scalar dataset, both named `name`, holding `word` in `form`.
void writeScalarStrings(const std::string& path, const char* name, const StringForm& form, const std::string& word)
{
    const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
    QVERIFY(file >= 0);
    const auto value = stringData(form, {word});
    const hid_t space = H5Screate(H5S_SCALAR);
    const hid_t attr = H5Acreate2(file, name, value->type, space, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(attr >= 0 && H5Awrite(attr, value->type, value->data()) >= 0);
    const hid_t ds = H5Dcreate2(file, name, value->type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(ds >= 0 && H5Dwrite(ds, value->type, H5S_ALL, H5S_ALL, H5P_DEFAULT, value->data()) >= 0);
    H5Dclose(ds);
    H5Aclose(attr);
    H5Sclose(space);
    H5Fclose(file);
}

/// Size in bytes and class of the base type of /spikes/times.
std::pair<std::size_t, H5T_class_t> timesBase(const std::string& path)
{
    const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
    const hid_t d = H5Dopen2(f, "/spikes/times", H5P_DEFAULT);
    const hid_t t = H5Dget_type(d), b = H5Tget_super(t);
    std::pair<std::size_t, H5T_class_t> out{H5Tget_size(b), H5Tget_class(b)};
    H5Tclose(b);
    H5Tclose(t);
    H5Dclose(d);
    H5Fclose(f);
    return out;
}

} // namespace

class TestShd : public QObject {
    Q_OBJECT

private:
    QTemporaryDir m_dir;
    std::string file(const char* name) const { return (m_dir.path() + "/" + name).toStdString(); }

private slots:
    void roundTripFloat32()
    {
        auto c = makeContents(40, 300, 1);
        c.samples[0].push_back({1'400'000, 699, 0, 0});  // float32(1.4) < 1.4: truncation would give 1399999
        c.samples[0].push_back({999'999, 0, 0, 0});
        const auto path = file("f32.h5");
        tp::writeShd(path, c, false);
        QVERIFY(!std::filesystem::exists(path + ".tmp"));
        QCOMPARE(timesBase(path).first, std::size_t(4));
        QCOMPARE(timesBase(path).second, H5T_FLOAT);
        QCOMPARE(tp::shdSampleCount(path), std::size_t(40));
        const auto r = tp::readShd(path);
        QCOMPARE(r.samples.size(), c.samples.size());
        QCOMPARE(r.samples[2].size(), std::size_t(0));
        for (std::size_t i = 0; i < c.samples.size(); ++i)
            QVERIFY2(r.samples[i] == c.samples[i], ("sample " + std::to_string(i)).c_str());
        QVERIFY(r.labels == c.labels);
        QVERIFY(r.speakers == c.speakers);
        QVERIFY(r.keys == c.keys);
    }

    void roundTripFloat16()
    {
        auto c = makeContents(30, 200, 2);
        const auto path = file("f16.h5");
        tp::writeShd(path, c, true);
        QCOMPARE(timesBase(path).first, std::size_t(2));
        QCOMPARE(timesBase(path).second, H5T_FLOAT);
        const auto r = tp::readShd(path);
        QCOMPARE(r.samples.size(), c.samples.size());
        std::size_t changed = 0;
        for (std::size_t i = 0; i < c.samples.size(); ++i) {
            QCOMPARE(r.samples[i].size(), c.samples[i].size());
            for (std::size_t k = 0; k < c.samples[i].size(); ++k) {
                const auto& in = c.samples[i][k];
                const auto& out = r.samples[i][k];
                const double s = double(in.t_us) / 1e6;
                const auto expected = std::int64_t(std::trunc(toHalf(s) * 1e6));
                QCOMPARE(out.t_us, expected);
                QVERIFY(std::abs(double(out.t_us - in.t_us)) <= halfUlp(s) / 2 * 1e6 + 1);
                QCOMPARE(out.x, in.x);
                QCOMPARE(out.y, std::int16_t(0));
                QCOMPARE(out.p, std::uint8_t(0));
                changed += out.t_us != in.t_us;
            }
        }
        QVERIFY(changed > 0);  // times really went through half precision

        // The reader's float16 decoding agrees with HDF5's own half -> double conversion.
        const hid_t f = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
        const hid_t d = H5Dopen2(f, "/spikes/times", H5P_DEFAULT);
        const hid_t mem = H5Tvlen_create(H5T_NATIVE_DOUBLE), space = H5Dget_space(d);
        std::vector<hvl_t> items(c.samples.size());
        QVERIFY(H5Dread(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, items.data()) >= 0);
        bool same = true;
        for (std::size_t i = 0; i < items.size(); ++i)
            for (std::size_t k = 0; k < items[i].len; ++k)
                same = same && r.samples[i][k].t_us ==
                                   std::int64_t(std::trunc(static_cast<const double*>(items[i].p)[k] * 1e6));
        H5Dvlen_reclaim(mem, space, H5P_DEFAULT, items.data());
        H5Sclose(space);
        H5Tclose(mem);
        H5Dclose(d);
        H5Fclose(f);
        QVERIFY(same);
        QVERIFY(r.labels == c.labels);
    }

    void metadataAndDetection()
    {
        // Double times, int32 units, int64 labels, variable-length keys, no speakers.
        const auto path = file("raw.h5");
        {
            RawFile f(path);
            f.vlen("/spikes/times", Rows{{0.5, 1.25}, {}, {0.000001}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
            f.vlen("/spikes/units", IntRows{{3, 699}, {}, {0}}, H5T_STD_I32LE, H5T_NATIVE_INT32);
            f.labels({7, 0, 19});
            const char* keys[] = {"zero", "", "a longer key"};
            const hid_t vs = H5Tcopy(H5T_C_S1);
            H5Tset_size(vs, H5T_VARIABLE);
            f.write("/extra/keys", vs, vs, 3, keys);
            H5Tclose(vs);
        }
        const auto r = tp::readShd(path);
        QCOMPARE(r.samples.size(), std::size_t(3));
        QVERIFY((r.samples[0] == tp::Events{{500000, 3, 0, 0}, {1250000, 699, 0, 0}}));
        QVERIFY(r.samples[1].empty());
        QCOMPARE(r.samples[2].size(), std::size_t(1));
        QCOMPARE(r.samples[2][0].t_us, std::int64_t(1));
        QVERIFY((r.labels == std::vector<std::int32_t>{7, 0, 19}));
        QVERIFY(r.speakers.empty());
        QVERIFY((r.keys == std::vector<std::string>{"zero", "", "a longer key"}));

        // Library writer: no speakers, no keys -> both absent and read back empty.
        tp::ShdContents c;
        c.samples = {{{10, 1, 0, 0}}, {}};
        c.labels = {3, 65535};
        tp::writeShd(file("bare.h5"), c, false);
        const auto b = tp::readShd(file("bare.h5"));
        QVERIFY(b.samples == c.samples);
        QVERIFY(b.labels == c.labels);
        QVERIFY(b.speakers.empty() && b.keys.empty());

        // Zero samples.
        tp::writeShd(file("empty.h5"), tp::ShdContents{}, true);
        QCOMPARE(tp::shdSampleCount(file("empty.h5")), std::size_t(0));
        QVERIFY(tp::readShd(file("empty.h5")).samples.empty());
    }

    void everyStringFormOfKeysAndAttributes()
    {
        int index = 0;
        for (const StringForm& form : kStringForms) {
            const std::string path = file(("keys" + std::to_string(index++) + ".h5").c_str());
            writeShdWithKeys(path, form, kWords);
            const auto r = tp::readShd(path);
            QVERIFY2(r.keys == kWords, form.name);
            QCOMPARE(r.keys[2], std::string("f\xc3\xbcnf"));  // bytes passed through as UTF-8
            QCOMPARE(r.samples.size(), std::size_t(2));
            QVERIFY((r.labels == std::vector<std::int32_t>{0, 2}));
            // Scalar attribute and scalar dataset of the same form (results, checkpoints, golden files, caches).
            writeScalarStrings(path, "reset", form, "Überraschung ✓");
            const tp::h5::File f = tp::h5::File::openRead(path);
            QVERIFY2(f.attrString("reset") == "Überraschung ✓", form.name);
            QVERIFY2(f.readString("reset") == "Überraschung ✓", form.name);
            QVERIFY2(f.readStrings("extra/keys") == kWords, form.name);
        }
        // Fixed strings: NULLPAD cuts at the first NUL, SPACEPAD strips only the trailing pad.
        const std::string padded = file("padded.h5");
        writeShdWithKeys(padded, kStringForms[2], {std::string("ab\0cd", 5), "x"});
        QVERIFY((tp::readShd(padded).keys == std::vector<std::string>{"ab", "x"}));
        writeShdWithKeys(padded, kStringForms[4], {" lead and inner  space", "x"});
        QVERIFY((tp::readShd(padded).keys == std::vector<std::string>{" lead and inner  space", "x"}));
    }

    void stringErrorsNameFileAndDataset()
    {
        // Integer keys where strings are expected.
        {
            RawFile f(file("intkeys.h5"));
            f.vlen("/spikes/times", Rows{{0.1}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
            f.vlen("/spikes/units", IntRows{{1}}, H5T_STD_I32LE, H5T_NATIVE_INT32);
            f.labels({0});
            const std::vector<std::int32_t> keys{7};
            f.write("/extra/keys", H5T_STD_I32LE, H5T_NATIVE_INT32, 1, keys.data());
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("intkeys.h5")), "intkeys.h5", "/extra/keys",
                          "expected strings, found integers");
        // A NULL variable-length string.
        {
            RawFile f(file("nullkey.h5"));
            f.vlen("/spikes/times", Rows{{0.1}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
            f.vlen("/spikes/units", IntRows{{1}}, H5T_STD_I32LE, H5T_NATIVE_INT32);
            f.labels({0});
            const auto keys = stringData(kStringForms[7], {"a", "b", "c"});
            keys->pointers[1] = nullptr;
            f.write("/extra/keys", keys->type, keys->type, 3, keys->data());
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("nullkey.h5")), "nullkey.h5", "/extra/keys", "string 1",
                          "NULL");
        // A class name longer than the bound, fixed and variable length.
        const std::string huge(tp::kMaxClassNameBytes + 1, 'k');
        writeShdWithKeys(file("longfixed.h5"), kStringForms[3], {"a", huge});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("longfixed.h5")), "longfixed.h5", "/extra/keys",
                          "4096-byte limit");
        writeShdWithKeys(file("longvar.h5"), kStringForms[7], {"a", huge});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("longvar.h5")), "longvar.h5", "/extra/keys",
                          "4096-byte limit");
        // Exactly at the bound is fine.
        writeShdWithKeys(file("atbound.h5"), kStringForms[7], {huge.substr(1)});
        QCOMPARE(tp::readShd(file("atbound.h5")).keys.at(0).size(), tp::kMaxClassNameBytes);
        // Scalar readers: a number where a string attribute or dataset is expected.
        {
            const tp::h5::File f = [&] {
                auto w = tp::h5::File::create(file("numbers.h5"));
                w.writeAttr("reset", std::int64_t(3));
                const double v = 1.5;
                w.write("config", {}, &v);
                w.close();
                return tp::h5::File::openRead(file("numbers.h5"));
            }();
            EXPECT_THROW_WITH(tp::FormatError, f.attrString("reset"), "numbers.h5", "attribute reset",
                              "expected strings, found integers");
            EXPECT_THROW_WITH(tp::FormatError, f.readString("config"), "numbers.h5", "dataset /config",
                              "expected strings, found floating-point numbers");
        }
        // Several strings where one is expected.
        writeShdWithKeys(file("many.h5"), kStringForms[0], {"a", "b"});
        EXPECT_THROW_WITH(tp::FormatError, tp::h5::File::openRead(file("many.h5")).readString("extra/keys"),
                          "many.h5", "/extra/keys", "expected one string, found 2");
    }

    void writerRejectsBadContents()
    {
        tp::ShdContents c;
        c.samples = {{{10, 700, 0, 0}}};
        c.labels = {1};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, tp::writeShd(file("bad.h5"), c, false));
        c.samples = {{{10, 5, 0, 0}}};
        c.labels = {};
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, tp::writeShd(file("bad.h5"), c, false));
        QVERIFY(!std::filesystem::exists(file("bad.h5")));
    }

    void fileErrors()
    {
        EXPECT_THROW_WITH(tp::IoError, tp::readShd(file("nope.h5")), "nope.h5");
        EXPECT_THROW_WITH(tp::IoError, tp::shdSampleCount(file("nope.h5")), "nope.h5");
        {
            std::ofstream(file("text.h5")) << "this is not HDF5\n";
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("text.h5")), "not an HDF5");

        const auto valid = file("valid.h5");
        tp::writeShd(valid, makeContents(50, 400, 3), true);
        const auto size = std::filesystem::file_size(valid);
        for (double frac : {0.9, 0.5, 0.01}) {
            std::ifstream in(valid, std::ios::binary);
            std::vector<char> bytes(std::size_t(double(size) * frac));
            in.read(bytes.data(), std::streamsize(bytes.size()));
            std::ofstream(file("trunc.h5"), std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
            EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("trunc.h5")), "trunc.h5");
        }
    }

    void contentErrors()
    {
        // /spikes/times a plain float dataset.
        {
            RawFile f(file("plain.h5"));
            const std::vector<float> t{0.1f, 0.2f};
            f.write("/spikes/times", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, 2, t.data());
            f.vlen("/spikes/units", IntRows{{1}, {2}}, H5T_STD_U16LE, H5T_NATIVE_INT32);
            f.labels({0, 1});
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("plain.h5")), "/spikes/times", "VLEN");

        // Times vlen of strings? Non-numeric base: vlen of a compound-free string type is awkward; use opaque.
        {
            RawFile f(file("opaque.h5"));
            const hid_t op = H5Tcreate(H5T_OPAQUE, 1);
            std::vector<std::vector<unsigned char>> rows{{1, 2}};
            f.vlen("/spikes/times", rows, op, op);
            H5Tclose(op);
            f.vlen("/spikes/units", IntRows{{1, 2}}, H5T_STD_U16LE, H5T_NATIVE_INT32);
            f.labels({0});
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("opaque.h5")), "/spikes/times", "numeric");

        writeRaw(file("ragged.h5"), Rows{{0.1}, {0.1, 0.2, 0.3}}, IntRows{{1}, {1, 2}}, {0, 1});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("ragged.h5")), "/spikes/units", "sample 1", "2 units",
                          "3 times");

        writeRaw(file("unit700.h5"), Rows{{0.1}, {0.1, 0.2}}, IntRows{{1}, {5, 700}}, {0, 1});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("unit700.h5")), "/spikes/units", "sample 1", "700");

        writeRaw(file("unitneg.h5"), Rows{{0.1}}, IntRows{{-1}}, {0});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("unitneg.h5")), "sample 0", "-1");

        writeRaw(file("labels.h5"), Rows{{0.1}, {0.2}}, IntRows{{1}, {2}}, {0, 1, 2});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("labels.h5")), "/labels", "3 labels for 2 samples");

        writeRaw(file("neglabel.h5"), Rows{{0.1}, {0.2}}, IntRows{{1}, {2}}, {0, -3});
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("neglabel.h5")), "/labels", "sample 1", "-3");

        {
            RawFile f(file("nounits.h5"));
            f.vlen("/spikes/times", Rows{{0.1}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
            f.labels({0});
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("nounits.h5")), "/spikes/units", "missing");

        {
            RawFile f(file("nolabels.h5"));
            f.vlen("/spikes/times", Rows{{0.1}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
            f.vlen("/spikes/units", IntRows{{1}}, H5T_STD_I32LE, H5T_NATIVE_INT32);
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("nolabels.h5")), "/labels", "missing");

        {
            RawFile f(file("nan.h5"));
            f.vlen("/spikes/times", Rows{{NAN}}, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE);
            f.vlen("/spikes/units", IntRows{{1}}, H5T_STD_I32LE, H5T_NATIVE_INT32);
            f.labels({0});
        }
        EXPECT_THROW_WITH(tp::FormatError, tp::readShd(file("nan.h5")), "/spikes/times", "sample 0");
    }

    /// Read throughput on float16 times. TP_SHD_BENCH_SAMPLES=8000 gives the 8,000 x 3,000 file.
    void readThroughput()
    {
        std::size_t samples = 200;
        if (const char* env = std::getenv("TP_SHD_BENCH_SAMPLES"))
            samples = std::size_t(std::atol(env));
        constexpr std::size_t kSpikes = 3000;
        tp::ShdContents c;
        c.samples.resize(samples);
        for (std::size_t i = 0; i < samples; ++i) {
            c.samples[i].resize(kSpikes);
            for (std::size_t k = 0; k < kSpikes; ++k)
                c.samples[i][k] = {std::int64_t(k * 400 + i % 400), std::int16_t((k * 7 + i) % 700), 0, 0};
        }
        c.labels.assign(samples, 1);
        const auto path = file("bench.h5");
        tp::writeShd(path, c, true);
        c = {};
        const auto start = std::chrono::steady_clock::now();
        const auto r = tp::readShd(path);
        const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        QCOMPARE(r.samples.size(), samples);
        QCOMPARE(r.samples.back().size(), kSpikes);
        const double spikes = double(samples * kSpikes);
        qInfo("readShd: %zu samples x %zu spikes (float16, %.1f MB) in %.3f s = %.3g spikes/s", samples, kSpikes,
              double(std::filesystem::file_size(path)) / 1e6, s, spikes / s);
    }
};

QTEST_APPLESS_MAIN(TestShd)
#include "test_shd.moc"
