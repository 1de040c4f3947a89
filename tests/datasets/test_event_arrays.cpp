// Plain x/y/t/p event arrays as recordings (recordings/npy_events.cpp, npz_events.cpp,
// h5_events.cpp): fixtures written here byte by byte from the specs (numpy.lib.format's NPY
// layout; PKWARE's zip layout with zlib's raw deflate; HDF5 through its C API, p as h5py's bool
// enum), every decoded event compared exactly; refusals and truncations at every byte of small
// files give a FormatError naming the file and the offset (or the dataset); tonic's plain (N, 4)
// DVSGesture .npy stays DVSGesture's and SHD files stay SHD's.
#include <QTemporaryDir>
#include <QtTest>

#include <cstring>
#include <fstream>
#include <functional>

#include <hdf5.h>

#include "core/errors.h"
#include "event_array_fixture.h"
#include "dataset_path.h"
#include "dvsgesture.h"
#include "h5_events.h"
#include "recording.h"
#include "registry.h"
#include "shd.h"

namespace {

using namespace tp_test;

tp::Event ev(std::int64_t t, int x, int y, int p) { return tp::Event{t, std::int16_t(x), std::int16_t(y), std::uint8_t(p)}; }

// ---- files, reading, errors ----

struct Dir {
    QTemporaryDir tmp;
    std::string path(const std::string& name) const { return tmp.filePath(QString::fromStdString(name)).toStdString(); }
    std::string write(const std::string& name, const Bytes& bytes) const
    {
        const std::string p = path(name);
        std::ofstream(p, std::ios::binary | std::ios::trunc) << bytes;
        return p;
    }
};

/// The events format `name` reads from `file`, all chunks collected.
tp::Events readAs(const char* name, const std::string& file, std::string* format = nullptr)
{
    tp::Events events;
    const tp::RecordingHeader h = tp::findRecordingFormat(name)->read(file, [&](std::span<const tp::Event> chunk) {
        QVERIFY(!chunk.empty() && chunk.size() <= tp::kRecordingChunkEvents);
        events.insert(events.end(), chunk.begin(), chunk.end());
    });
    if (format)
        *format = h.format;
    return events;
}

/// The message of the FormatError `f` throws; "<other: ...>" for any other InputError, "" for none.
template <typename F>
std::string formatErrorOf(F&& f)
{
    try {
        f();
    } catch (const tp::FormatError& e) {
        return e.what();
    } catch (const tp::InputError& e) {
        return std::string("<other: ") + e.what() + ">";
    }
    return {};
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

#define EXPECT_ERROR(call, ...)                                                   \
    do {                                                                          \
        const std::string message_ = formatErrorOf([&] { call; });                \
        for (const std::string& part_ : std::initializer_list<std::string>{__VA_ARGS__}) \
            QVERIFY2(has(message_, part_), (message_ + "  [expected: " + part_ + "]").c_str()); \
    } while (0)

const char* detected(const std::string& file)
{
    const tp::RecordingFormat* f = tp::detectRecording(tp::probePath(file));
    return f ? f->name : "";
}

/// tonic's events_struct: int16 x, y, int64 t, bool p.
const std::vector<Field> kTonic = {{"x", "<i2"}, {"y", "<i2"}, {"t", "<i8"}, {"p", "|b1"}};

// ---- HDF5 through the C API ----

/// Writes a 1-D dataset `name` of `n` values from `data` (memory type `mem`) as `fileType`; chunked
/// and deflated when `deflate`.
void writeDataset(hid_t file, const char* name, hid_t fileType, hid_t mem, hsize_t n, const void* data, bool deflate = false)
{
    const hid_t space = H5Screate_simple(1, &n, nullptr);
    const hid_t plist = H5Pcreate(H5P_DATASET_CREATE);
    if (deflate && n > 0) {
        const hsize_t chunk = std::min<hsize_t>(n, 4096);
        H5Pset_chunk(plist, 1, &chunk);
        H5Pset_deflate(plist, 4);
    }
    const hid_t ds = H5Dcreate2(file, name, fileType, space, H5P_DEFAULT, plist, H5P_DEFAULT);
    QVERIFY(ds >= 0);
    if (n > 0)
        QVERIFY(H5Dwrite(ds, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(ds);
    H5Pclose(plist);
    H5Sclose(space);
}

/// h5py's bool: an enum of int8 with FALSE = 0 and TRUE = 1.
hid_t h5pyBool()
{
    const hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
    const std::int8_t no = 0, yes = 1;
    H5Tenum_insert(t, "FALSE", &no);
    H5Tenum_insert(t, "TRUE", &yes);
    return t;
}

/// An HDF5 file with group /events, filled by `fill(file)`.
std::string writeH5(const Dir& dir, const std::string& name, const std::function<void(hid_t)>& fill)
{
    const std::string path = dir.path(name);
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(H5Gcreate2(file, "/events", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    fill(file);
    H5Fclose(file);
    return path;
}

/// The standard four datasets from int64 values, with the given file types (p: h5py's bool when
/// pType < 0).
std::string writeEventsH5(const Dir& dir, const std::string& name, const std::vector<Rec>& recs, hid_t xType, hid_t yType,
                          hid_t tType, hid_t pType, bool deflate = false)
{
    std::vector<std::int64_t> x, y, t, p;
    for (const Rec& r : recs) {
        x.push_back(r.x);
        y.push_back(r.y);
        t.push_back(r.t);
        p.push_back(r.p);
    }
    std::vector<std::int8_t> p8(p.begin(), p.end());
    return writeH5(dir, name, [&](hid_t f) {
        writeDataset(f, "/events/x", xType, H5T_NATIVE_INT64, x.size(), x.data(), deflate);
        writeDataset(f, "/events/y", yType, H5T_NATIVE_INT64, y.size(), y.data(), deflate);
        writeDataset(f, "/events/t", tType, H5T_NATIVE_INT64, t.size(), t.data(), deflate);
        if (pType < 0) {
            const hid_t b = h5pyBool();
            writeDataset(f, "/events/p", b, b, p8.size(), p8.data(), deflate);
            H5Tclose(b);
        } else {
            writeDataset(f, "/events/p", pType, H5T_NATIVE_INT64, p.size(), p.data(), deflate);
        }
    });
}

} // namespace

class TestEventArrays : public QObject {
    Q_OBJECT

private slots:
    void npyStructuredAnyWidthsOrdersAndByteOrders()
    {
        Dir dir;
        std::string format;
        // tonic's own dtype, NPY 1.0.
        const auto a = dir.write("tonic.npy", structuredNpy(kTonic, {{0, 0, 0, 1}, {345, 259, 1000, 0},
                                                                     {32767, 32767, 1099511627783, 1}, {12, 200, 5000000000, 0}}));
        QCOMPARE(std::string(detected(a)), std::string("npy-events"));
        QCOMPARE(readAs("npy-events", a, &format), (tp::Events{ev(0, 0, 0, 1), ev(1000, 345, 259, 0),
                                                               ev(1099511627783, 32767, 32767, 1), ev(5000000000, 12, 200, 0)}));
        QCOMPARE(format, std::string("NPY structured array (x <i2, y <i2, t <i8, p |b1)"));
        QCOMPARE(tp::readRecording(a).size(), std::size_t(4));

        // Big-endian, fields in another order, an extra float field; NPY 2.0. p: -1 OFF, 5 ON.
        const std::vector<Field> b = {{"t", ">u4"}, {"p", "|i1"}, {"x", ">u2"}, {"extra", "<f8"}, {"y", "|u1"}};
        const auto bFile = dir.write("big.npy", structuredNpy(b, {{1, 2, 4294967295, 1}, {32767, 255, 0, -1}, {100, 7, 123456, 5}}, 2));
        QCOMPARE(std::string(detected(bFile)), std::string("npy-events"));
        QCOMPARE(readAs("npy-events", bFile), (tp::Events{ev(4294967295, 1, 2, 1), ev(0, 32767, 255, 0), ev(123456, 100, 7, 1)}));

        // uint64 p first, a titled y, padding, a subarray field, uint64 t; NPY 3.0.
        const std::vector<Field> c = {{"p", "<u8"},
                                      {"y", "<i4", 1, "(('y coordinate', 'y'), '<i4')"},
                                      {"", "|V3"},
                                      {"x", "<u4"},
                                      {"cov", "<f4", 2},
                                      {"t", "<u8"}};
        const auto cFile = dir.write("wide.npy", structuredNpy(c, {{5, 6, 7, 0}, {0, 32767, INT64_MAX, 2}}, 3));
        QCOMPARE(readAs("npy-events", cFile), (tp::Events{ev(7, 5, 6, 0), ev(INT64_MAX, 0, 32767, 1)}));

        // uint8 coordinates, int16 t; an empty array; keys in another order, double quotes, Python 2 longs.
        const std::vector<Field> d = {{"x", "|u1"}, {"y", "|u1"}, {"t", "<i2"}, {"p", "|b1"}};
        const auto dFile = dir.write("small.npy", structuredNpy(d, {{255, 0, 32767, 1}}));
        QCOMPARE(readAs("npy-events", dFile), (tp::Events{ev(32767, 255, 0, 1)}));
        QVERIFY(readAs("npy-events", dir.write("empty.npy", structuredNpy(d, {}))).empty());
        const auto order = dir.write("order.npy", npy("{\"shape\": (1L,), \"fortran_order\": False, \"descr\": " + descrOf(d) + "}",
                                                      elements(d, {{3, 4, 5, 0}})));
        QCOMPARE(readAs("npy-events", order), (tp::Events{ev(5, 3, 4, 0)}));
    }

    void dvsGestureKeepsItsPlainNpy()
    {
        Dir dir;
        // tonic's DVSGesture trial: a plain (N, 4) int64 [x, y, p, t_ms] array.
        const std::string plain = dir.path("4.npy");
        tp::writeGestureNpy(plain, tp::Events{ev(3000, 1, 2, 1), ev(5000, 127, 0, 0)});
        QCOMPARE(std::string(detected(plain)), std::string());
        const tp::DatasetFormat* gesture = tp::findDatasetFormat("dvsgesture");
        QCOMPARE(gesture->detect(tp::probePath(plain)).value_or("-"), std::string("npy"));
        QCOMPARE(tp::detectDatasetPath(plain).kind, std::string("dvsgesture"));
        QCOMPARE(tp::readGestureNpy(plain), (tp::Events{ev(3000, 1, 2, 1), ev(5000, 127, 0, 0)}));
        // A structured x/y/t/p array is not a DVSGesture trial, and the gesture reader says why.
        const auto events = dir.write("rec.npy", structuredNpy(kTonic, {{1, 2, 3, 1}}));
        QVERIFY(!gesture->detect(tp::probePath(events)));
        EXPECT_ERROR(tp::readGestureNpy(events), events, "byte offset 10", "structured array");
        // The events reader refuses the plain array at its header.
        EXPECT_ERROR(readAs("npy-events", plain), plain, "byte offset 10", "is a plain type");
    }

    void npyRefusalsNameFileOffsetAndEvent()
    {
        Dir dir;
        const std::vector<Rec> three = {{1, 2, 3, 1}, {4, 5, 6, 0}, {7, 8, 9, 1}};
        const auto file = [&](const Bytes& bytes) { return dir.write("bad.npy", bytes); };
        const std::string dict = "{'descr': " + descrOf(kTonic) + ", 'fortran_order': %F, 'shape': %S, }";
        const auto with = [&](const std::string& fortran, const std::string& shape) {
            std::string d = dict;
            d.replace(d.find("%F"), 2, fortran);
            d.replace(d.find("%S"), 2, shape);
            return npy(d, elements(kTonic, three));
        };
        auto f = file(with("True", "(3,)"));
        EXPECT_ERROR(readAs("npy-events", f), f, "byte offset 10", "fortran_order True");
        f = file(with("False", "(3, 1)"));
        EXPECT_ERROR(readAs("npy-events", f), "byte offset 10", "shape (3, 1) is not one-dimensional");
        f = file(structuredNpy({{"x", "<i2"}, {"y", "<i2"}, {"t", "<i8"}}, three));
        EXPECT_ERROR(readAs("npy-events", f), "byte offset 10", "no field p");
        f = file(structuredNpy({{"x", "<i2"}, {"y", "<i2"}, {"t", "<f8"}, {"p", "|b1"}}, three));
        EXPECT_ERROR(readAs("npy-events", f), "field t is '<f8'");
        f = file(structuredNpy({{"x", "<i2", 2}, {"y", "<i2"}, {"t", "<i8"}, {"p", "|b1"}}, three));
        EXPECT_ERROR(readAs("npy-events", f), "field x is '<i2' with 2 values per event");

        // Values out of range: the element's own byte and the event's index.
        const std::vector<Field> wide = {{"x", "<i4"}, {"y", "<i4"}, {"t", "<i8"}, {"p", "|b1"}};  // 17 bytes
        const Bytes good = structuredNpy(wide, three);
        const std::size_t data = good.size() - 3 * 17;
        QCOMPARE(data, std::size_t(128));
        f = file(structuredNpy(wide, {{1, 2, 3, 1}, {40000, 5, 6, 0}}));
        EXPECT_ERROR(readAs("npy-events", f), f, "byte offset " + std::to_string(data + 17), "event 1: x = 40000 is outside 0..32767");
        f = file(structuredNpy(wide, {{1, 2, 3, 1}, {4, 5, 6, 0}, {7, -1, 9, 1}}));
        EXPECT_ERROR(readAs("npy-events", f), "byte offset " + std::to_string(data + 2 * 17 + 4), "event 2: y = -1 is outside");
        f = file(structuredNpy(wide, {{1, 2, -5, 1}}));
        EXPECT_ERROR(readAs("npy-events", f), "byte offset " + std::to_string(data + 8), "event 0: t = -5 is negative");
        const std::vector<Field> u8t = {{"x", "<i4"}, {"y", "<i4"}, {"t", "<u8"}, {"p", "|b1"}};
        Bytes huge = structuredNpy(u8t, {{1, 2, 0, 1}});
        huge[data + 8 + 7] = char(0x80);  // t = 2^63
        f = file(huge);
        EXPECT_ERROR(readAs("npy-events", f), "byte offset " + std::to_string(data + 8), "event 0: t does not fit a signed 64-bit integer");

        // Missing and extra data.
        f = file(good.substr(0, good.size() - 1));
        EXPECT_ERROR(readAs("npy-events", f), "byte offset 128", "truncated: 3 events need 51 bytes of data, 50 present");
        f = file(good + "abc");
        EXPECT_ERROR(readAs("npy-events", f), "byte offset 179", "3 bytes after the array data");

        // Header dicts numpy would not write.
        f = file(npy("{'descr': [('x',)], 'fortran_order': False, 'shape': (0,), }", ""));
        EXPECT_ERROR(readAs("npy-events", f), "byte offset 21", "not a (name, type) or (name, type, shape) tuple");
        f = file(npy("{'descr': " + std::string(20, '[') + ", 'fortran_order': False, 'shape': (0,), }", ""));
        EXPECT_ERROR(readAs("npy-events", f), "nested more than 16 levels deep");
        f = file(npy("{'descr': [('x', '<i3')], 'fortran_order': False, 'shape': (0,), }", ""));
        EXPECT_ERROR(readAs("npy-events", f), "unknown type '<i3'");
        f = file(npy("{'descr': " + descrOf(kTonic) + ", 'fortran_order': False, 'shape': (9223372036854775807,), }", ""));
        EXPECT_ERROR(readAs("npy-events", f), "claims more data than any file holds");
    }

    void npyCutOrFlippedAtEveryByte()
    {
        Dir dir;
        const std::vector<Field> b = {{"t", ">u4"}, {"p", "|i1"}, {"x", ">u2"}, {"y", "|u1"}};
        const std::pair<Bytes, std::size_t> files[] = {{structuredNpy(kTonic, {{1, 2, 3, 1}, {4, 5, 6, 0}}), 2},
                                                       {structuredNpy(b, {{1, 2, 3, 1}}, 2), 1}};
        for (const auto& [whole, events] : files) {
            QCOMPARE(readAs("npy-events", dir.write("whole.npy", whole)).size(), events);
            for (std::size_t n = 0; n < whole.size(); ++n) {
                const auto f = dir.write("cut.npy", whole.substr(0, n));
                const std::string e = formatErrorOf([&] { readAs("npy-events", f); });
                QVERIFY2(has(e, f) && has(e, "(byte offset "), (std::to_string(n) + ": " + e).c_str());
                // The byte flipped instead: read (its events are checked as ever) or refused.
                Bytes flipped = whole;
                flipped[n] = char(~flipped[n]);
                const auto g = dir.write("flip.npy", flipped);
                const std::string e2 = formatErrorOf([&] { readAs("npy-events", g); });
                QVERIFY2(e2.empty() || (has(e2, g) && has(e2, "(byte offset ")), (std::to_string(n) + ": " + e2).c_str());
            }
        }
    }

    void npzArraysAndStructuredStoredAndDeflated()
    {
        Dir dir;
        const tp::Events expected = {ev(0, 0, 0, 1), ev(70000, 640, 480, 0), ev(5000000000, 32767, 1, 1)};
        const std::vector<Member> arrays = {
            {"x.npy", plainNpy("<u2", {0, 640, 32767})},
            {"y.npy", plainNpy(">i4", {0, 480, 1})},
            {"t.npy", plainNpy("<i8", {0, 70000, 5000000000})},
            {"p.npy", plainNpy("|b1", {1, 0, 1})},
            {"sensor_size.npy", plainNpy("<i8", {640, 480, 2})},
        };
        std::string format;
        // np.savez: stored; np.savez_compressed: deflated; numpy's zip64 local headers; a zip64 end.
        for (const bool deflate : {false, true})
            for (const bool zip64Local : {false, true})
                for (const bool zip64End : {false, true}) {
                    std::vector<Member> members = arrays;
                    for (Member& m : members)
                        m.deflate = deflate;
                    const auto f = dir.write("rec.npz", zipOf(members, zip64Local, zip64End));
                    QCOMPARE(std::string(detected(f)), std::string("npz-events"));
                    QCOMPARE(readAs("npz-events", f, &format), expected);
                    QCOMPARE(format, std::string("NPZ arrays (x <u2, y >i4, t <i8, p |b1)"));
                }
        // One structured array among other members (deflated), found by its fields.
        const std::vector<Field> fields = {{"t", "<u4"}, {"x", "<i2"}, {"y", "<i2"}, {"p", "|u1"}};
        const auto s = dir.write("Tonic.NPZ", zipOf({{"labels.npy", plainNpy("<i8", {3}), true},
                                                     {"events.npy", structuredNpy(fields, {{640, 480, 70000, 0}, {1, 2, 3, 1}}), true},
                                                     {"notes.txt", "recorded indoors", false}}));
        QCOMPARE(std::string(detected(s)), std::string("npz-events"));
        QCOMPARE(readAs("npz-events", s, &format), (tp::Events{ev(70000, 640, 480, 0), ev(3, 1, 2, 1)}));
        QCOMPARE(format, std::string("NPZ structured array events.npy (x <i2, y <i2, t <u4, p |u1)"));
        // Not an .npz by name: not claimed.
        QCOMPARE(std::string(detected(dir.write("rec.zip", zipOf(arrays)))), std::string());
    }

    void npzRefusals()
    {
        Dir dir;
        const std::vector<Member> arrays = {{"x.npy", plainNpy("<i4", {1, 40000, 3})},
                                            {"y.npy", plainNpy("<i4", {1, 2, 3})},
                                            {"t.npy", plainNpy("<i8", {1, 2, 3})},
                                            {"p.npy", plainNpy("|b1", {1, 0, 1})}};
        // x = 40000: a stored member names its file offset, a deflated one its inflated byte.
        const Bytes stored = zipOf(arrays);
        auto f = dir.write("bad.npz", stored);
        const std::size_t header = arrays[0].data.size() - 3 * 4;  // the NPY header of x.npy
        const std::size_t xData = 30 + 5 + header;                  // local header, "x.npy", NPY header
        EXPECT_ERROR(readAs("npz-events", f), f, "byte offset " + std::to_string(xData + 4), "member x.npy: event 1: x = 40000 is outside");
        std::vector<Member> deflated = arrays;
        for (Member& m : deflated)
            m.deflate = true;
        f = dir.write("bad.npz", zipOf(deflated));
        EXPECT_ERROR(readAs("npz-events", f), f, "member x.npy, byte " + std::to_string(header + 4) + " of its inflated data",
                     "event 1: x = 40000");

        // A byte of the stored data changed: the CRC-32 tells.
        std::vector<Member> fine = arrays;
        fine[0].data = plainNpy("<i4", {1, 2, 3});
        Bytes flipped = zipOf(fine);
        flipped[xData] = 9;  // x[0] = 9, still a valid event
        f = dir.write("crc.npz", flipped);
        EXPECT_ERROR(readAs("npz-events", f), f, "member x.npy is corrupt: its data's CRC-32 does not match");

        std::vector<Member> uneven = fine;
        uneven[1].data = plainNpy("<i4", {1, 2});
        f = dir.write("uneven.npz", zipOf(uneven));
        EXPECT_ERROR(readAs("npz-events", f), "member y.npy: array y has 2 elements, x has 3");
        f = dir.write("none.npz", zipOf({{"a.npy", plainNpy("<i4", {1})}, {"b.npy", plainNpy("<i4", {2})}}));
        EXPECT_ERROR(readAs("npz-events", f), "no arrays named x, y, t, p and no structured array", "(a.npy, b.npy)");
        const Bytes one = structuredNpy(kTonic, {{1, 2, 3, 1}});
        f = dir.write("two.npz", zipOf({{"left.npy", one}, {"right.npy", one}}));
        EXPECT_ERROR(readAs("npz-events", f), "several structured arrays with fields x, y, t, p (left.npy, right.npy)");
        f = dir.write("bzip2.npz", zipOf({{"events.npy", one, false, 0, 12}}));
        EXPECT_ERROR(readAs("npz-events", f), "compressed with method 12");
        f = dir.write("secret.npz", zipOf({{"events.npy", one, false, 1}}));
        EXPECT_ERROR(readAs("npz-events", f), "member events.npy is encrypted");
        Bytes garbled = zipOf({{"events.npy", one, true}});
        for (std::size_t i = 40; i < 60; ++i)
            garbled[i] = char(0xFF);
        f = dir.write("garbled.npz", garbled);
        EXPECT_ERROR(readAs("npz-events", f), f, "member events.npy");
        f = dir.write("text.npz", "PK\x03\x04 but nothing else");
        EXPECT_ERROR(readAs("npz-events", f), "no zip end-of-central-directory record");
    }

    void npzCutOrFlippedAtEveryByte()
    {
        Dir dir;
        const std::vector<Member> arrays = {{"x.npy", plainNpy("<u2", {1, 2})},
                                            {"y.npy", plainNpy("<u2", {3, 4})},
                                            {"t.npy", plainNpy("<i8", {5, 6})},
                                            {"p.npy", plainNpy("|b1", {1, 0})}};
        std::vector<Member> deflated = arrays;
        for (Member& m : deflated)
            m.deflate = true;
        for (const Bytes& whole : {zipOf(arrays), zipOf(deflated, true, true)}) {
            QCOMPARE(readAs("npz-events", dir.write("whole.npz", whole)), (tp::Events{ev(5, 1, 3, 1), ev(6, 2, 4, 0)}));
            for (std::size_t n = 0; n < whole.size(); ++n) {
                const auto f = dir.write("cut.npz", whole.substr(0, n));
                const std::string e = formatErrorOf([&] { readAs("npz-events", f); });
                QVERIFY2(has(e, f) && (has(e, "(byte offset ") || has(e, "of its inflated data)")), (std::to_string(n) + ": " + e).c_str());
                Bytes flipped = whole;
                flipped[n] = char(~flipped[n]);
                const auto g = dir.write("flip.npz", flipped);
                const std::string e2 = formatErrorOf([&] { readAs("npz-events", g); });
                QVERIFY2(e2.empty() || (has(e2, g) && (has(e2, "(byte offset ") || has(e2, "of its inflated data)"))),
                         (std::to_string(n) + ": " + e2).c_str());
            }
        }
    }

    void streamsLongArraysInBoundedChunks()
    {
        Dir dir;
        const int n = 200000;
        std::vector<Rec> recs;
        for (int i = 0; i < n; ++i)
            recs.push_back({i % 640, i % 480, 1000 + i, i % 3 == 0});
        const auto check = [&](const std::string& file) {
            const tp::RecordingSummary s = tp::summarizeRecording(file);
            QCOMPARE(s.events, std::uint64_t(n));
            QCOMPARE(s.on, std::uint64_t((n + 2) / 3));
            QCOMPARE(s.t_first_us, std::int64_t(1000));
            QCOMPARE(s.t_last_us, std::int64_t(1000 + n - 1));
            QCOMPARE(s.out_of_order, std::uint64_t(0));
            QCOMPARE(s.sensor(), (tp::SensorSize{640, 480, 2}));
        };
        check(dir.write("long.npy", structuredNpy(kTonic, recs)));
        check(dir.write("long.npz", zipOf({{"events.npy", structuredNpy(kTonic, recs), true}})));
    }

    void hdf5EventsOfAnyIntegerTypes()
    {
        Dir dir;
        const std::vector<Rec> recs = {{0, 0, 0, 1}, {640, 480, 70000, 0}, {32767, 65, 4000000000, 1}};
        const tp::Events expected = {ev(0, 0, 0, 1), ev(70000, 640, 480, 0), ev(4000000000, 32767, 65, 1)};
        std::string format;
        // DSEC's types (u16 x, y; u32 t; u8 p), contiguous.
        const auto dsec = writeEventsH5(dir, "events.h5", recs, H5T_STD_U16LE, H5T_STD_U16LE, H5T_STD_U32LE, H5T_STD_U8LE);
        QCOMPARE(std::string(detected(dsec)), std::string("h5-events"));
        QCOMPARE(readAs("h5-events", dsec, &format), expected);
        QCOMPARE(format, std::string("HDF5 events/x, y, t, p (u16, u16, u32, u8)"));
        // Big-endian int32 and int64, h5py's bool p, chunked and deflated.
        const auto other = writeEventsH5(dir, "REC.HDF5", recs, H5T_STD_I32BE, H5T_STD_I16LE, H5T_STD_I64BE, -1, true);
        QCOMPARE(std::string(detected(other)), std::string("h5-events"));
        QCOMPARE(readAs("h5-events", other, &format), expected);
        QCOMPARE(format, std::string("HDF5 events/x, y, t, p (i32, i16, i64, bool)"));
        QVERIFY(readAs("h5-events", writeEventsH5(dir, "empty.h5", {}, H5T_STD_U16LE, H5T_STD_U16LE, H5T_STD_I64LE, -1)).empty());
    }

    void hdf5ReadInPiecesAcrossCalls()
    {
        // More events than one helper run reads: every piece's boundary decoded exactly.
        Dir dir;
        const std::uint64_t n = tp::kH5EventsPerCall + 3;
        std::vector<Rec> recs(n);
        for (std::uint64_t i = 0; i < n; ++i)
            recs[i] = {std::int64_t(i % 640), std::int64_t(i % 480), std::int64_t(3 * i), std::int64_t(i % 2)};
        const auto f = writeEventsH5(dir, "long.h5", recs, H5T_STD_U16LE, H5T_STD_U16LE, H5T_STD_I64LE, H5T_STD_U8LE, true);
        std::uint64_t count = 0;
        bool exact = true;
        tp::findRecordingFormat("h5-events")->read(f, [&](std::span<const tp::Event> chunk) {
            QVERIFY(chunk.size() <= tp::kRecordingChunkEvents);
            for (const tp::Event& e : chunk) {
                exact = exact && e == ev(std::int64_t(3 * count), int(count % 640), int(count % 480), int(count % 2));
                ++count;
            }
        });
        QCOMPARE(count, n);
        QVERIFY(exact);
    }

    void hdf5RefusalsNameTheDataset()
    {
        Dir dir;
        const std::vector<Rec> recs = {{1, 2, 3, 1}, {4, 5, 6, 0}, {7, 8, 9, 1}, {40000, 1, 2, 0}};
        auto f = writeEventsH5(dir, "range.h5", recs, H5T_STD_I32LE, H5T_STD_I32LE, H5T_STD_I64LE, H5T_STD_U8LE);
        EXPECT_ERROR(readAs("h5-events", f), f, "(dataset /events/x)", "event 3: x = 40000 is outside 0..32767");
        f = writeEventsH5(dir, "negative.h5", {{1, 2, -1, 1}}, H5T_STD_I32LE, H5T_STD_I32LE, H5T_STD_I64LE, H5T_STD_U8LE);
        EXPECT_ERROR(readAs("h5-events", f), "(dataset /events/t)", "event 0: t = -1 is negative");
        const std::int64_t v[3] = {1, 2, 3};
        const std::uint64_t big[3] = {1, 2, UINT64_MAX};
        f = writeH5(dir, "huge.h5", [&](hid_t h) {
            writeDataset(h, "/events/x", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
            writeDataset(h, "/events/y", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
            writeDataset(h, "/events/t", H5T_STD_U64LE, H5T_NATIVE_UINT64, 3, big);
            writeDataset(h, "/events/p", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
        });
        EXPECT_ERROR(readAs("h5-events", f), "(dataset /events/t)", "event 2: t = 18446744073709551615 does not fit");

        const double d[3] = {0.5, 1, 2};
        f = writeH5(dir, "uneven.h5", [&](hid_t h) {
            writeDataset(h, "/events/x", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
            writeDataset(h, "/events/y", H5T_STD_I32LE, H5T_NATIVE_INT64, 2, v);
            writeDataset(h, "/events/t", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
            writeDataset(h, "/events/p", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
        });
        EXPECT_ERROR(readAs("h5-events", f), f, "(dataset /events/y)", "2 values, but /events/x has 3");
        f = writeH5(dir, "float.h5", [&](hid_t h) {
            writeDataset(h, "/events/x", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
            writeDataset(h, "/events/y", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
            writeDataset(h, "/events/t", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, d);
            writeDataset(h, "/events/p", H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
        });
        EXPECT_ERROR(readAs("h5-events", f), "(dataset /events/t)", "not of an integer type");
        f = writeH5(dir, "nop.h5", [&](hid_t h) {
            for (const char* name : {"/events/x", "/events/y", "/events/t"})
                writeDataset(h, name, H5T_STD_I32LE, H5T_NATIVE_INT64, 3, v);
        });
        EXPECT_ERROR(readAs("h5-events", f), "(dataset /events/p)", "missing");
        // A filter this HDF5 does not have (Blosc, 32001, as DSEC's files use): named, not "corrupt".
        f = writeH5(dir, "blosc.h5", [&](hid_t h) {
            const hsize_t n = 3, chunk = 3;
            const hid_t space = H5Screate_simple(1, &n, nullptr), plist = H5Pcreate(H5P_DATASET_CREATE);
            H5Pset_chunk(plist, 1, &chunk);
            H5Pset_filter(plist, 32001, H5Z_FLAG_OPTIONAL, 0, nullptr);
            for (const char* name : {"/events/x", "/events/y", "/events/t", "/events/p"}) {
                const hid_t ds = H5Dcreate2(h, name, H5T_STD_I32LE, space, H5P_DEFAULT, plist, H5P_DEFAULT);
                QVERIFY(ds >= 0);
                H5Dwrite(ds, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v);
                H5Dclose(ds);
            }
            H5Pclose(plist);
            H5Sclose(space);
        });
        EXPECT_ERROR(readAs("h5-events", f), "(dataset /events/x)", "HDF5 filter 32001", "HDF5_PLUGIN_PATH");

        // An SHD file handed to this reader says what it is.
        tp::ShdContents shd;
        shd.samples = {tp::Events{ev(10, 3, 0, 0)}};
        shd.labels = {1};
        const std::string renamed = dir.path("renamed.h5");
        tp::writeShd(renamed, shd, false);
        EXPECT_ERROR(readAs("h5-events", renamed), "(group /events)", "an SHD / SSC file");
    }

    void hdf5CutOrFlippedFiles()
    {
        // Cut or with a byte flipped, the file is read (its events checked as ever) or refused with
        // a FormatError naming it (the isolated reader turns a failing HDF5 into one). Each read
        // is a run of the helper: every 97th cut, every 23rd byte flipped.
        Dir dir;
        const auto f = writeEventsH5(dir, "whole.h5", {{1, 2, 3, 1}, {4, 5, 6, 0}}, H5T_STD_U16LE, H5T_STD_U16LE,
                                     H5T_STD_I64LE, -1);
        std::ifstream in(f, std::ios::binary);
        const Bytes whole((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        QVERIFY(whole.size() > 1000);
        for (std::size_t n = 0; n < whole.size(); n += 97) {
            const auto cut = dir.write("cut.h5", whole.substr(0, n));
            const std::string e = formatErrorOf([&] { readAs("h5-events", cut); });
            QVERIFY2(has(e, cut) && !has(e, "<other"), (std::to_string(n) + ": " + e).c_str());
        }
        for (std::size_t n = 0; n < whole.size(); n += 23) {
            Bytes flipped = whole;
            flipped[n] = char(~flipped[n]);
            const auto g = dir.write("flip.h5", flipped);
            const std::string e = formatErrorOf([&] { readAs("h5-events", g); });
            QVERIFY2(e.empty() || (has(e, g) && !has(e, "<other")), (std::to_string(n) + ": " + e).c_str());
        }
    }

    void shdFilesStayShd()
    {
        Dir dir;
        tp::ShdContents shd;
        shd.samples = {tp::Events{ev(10, 3, 0, 0)}};
        shd.labels = {1};
        for (const char* name : {"shd_train.h5", "shd_test.h5", "ssc_valid.h5"}) {
            const std::string file = dir.path(name);
            tp::writeShd(file, shd, false);
            QCOMPARE(std::string(detected(file)), std::string());  // the recordings leave it alone
            QCOMPARE(tp::detectDatasetPath(file).kind, std::string(name[1] == 'h' ? "shd" : "ssc"));
        }
        // Any other HDF5 file named .h5 / .hdf5 is an events recording candidate; other names not.
        const auto rec = writeEventsH5(dir, "rec.bin", {{1, 2, 3, 1}}, H5T_STD_U16LE, H5T_STD_U16LE, H5T_STD_I64LE, -1);
        QCOMPARE(std::string(detected(rec)), std::string());
    }
};

QTEST_GUILESS_MAIN(TestEventArrays)
#include "test_event_arrays.moc"
