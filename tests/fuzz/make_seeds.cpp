// Writes small valid seed files for the fuzz targets with the project's own writers:
//   fuzz_make_seeds <corpus-dir>   ->  <corpus-dir>/<target>/seed_*
// The committed corpus (tests/fuzz/corpus/) was made with it; the experiment seeds are copies
// of resources/experiments/*.json, and the HDF5 seeds (shd, golden, nir) were shrunk with
// `h5repack -L` (HDF5's vlen global heap keeps the SHD files above 4 KB anyway).
// .ci/fuzz does not regenerate anything.
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "../datasets/prophesee_words.h"
#include "../datasets/aedat4_fixture.h"
#include "../datasets/event_array_fixture.h"
#include "cifar10dvs.h"
#include "dvsgesture.h"
#include "io/h5.h"
#include "io/nir.h"
#include "nir/nir_network.h"
#include "nmnist.h"
#include "shd.h"

namespace fs = std::filesystem;

namespace {

fs::path g_root;

std::string out(const std::string& target, const std::string& name)
{
    fs::create_directories(g_root / target);
    return (g_root / target / name).string();
}

void writeBytes(const std::string& path, const std::vector<std::uint8_t>& bytes)
{
    std::ofstream f(path, std::ios::binary);
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

void writeText(const std::string& path, const std::string& text)
{
    writeBytes(path, std::vector<std::uint8_t>(text.begin(), text.end()));
}

tp::Events someEvents(int n, int maxXY, std::int64_t dt_us)
{
    tp::Events ev;
    for (int i = 0; i < n; ++i)
        ev.push_back({i * dt_us, std::int16_t((i * 7) % maxXY), std::int16_t((i * 3) % maxXY), std::uint8_t(i & 1)});
    return ev;
}

/// NPY v1.0 with a given descr and (rows, 4) shape, header padded to 64 bytes, raw payload.
std::vector<std::uint8_t> npy(const std::string& descr, std::size_t rows, const std::vector<std::uint8_t>& payload)
{
    const tp_test::Bytes b = tp_test::npy("{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" +
                                              std::to_string(rows) + ", 4), }",
                                          tp_test::Bytes(payload.begin(), payload.end()));
    return {b.begin(), b.end()};
}

void golden(const std::string& path)
{
    const int nIn = 2, C = 2, B = 2, T = 2, H = 2;
    auto zeros = [](std::size_t n) { return std::vector<double>(n, 0.0); };
    tp::h5::writeAtomically(path, [&](tp::h5::File& f) {
        f.writeAttr("format_version", std::int64_t(1));
        f.writeAttr("model", std::string("mlp"));
        f.writeAttr("hidden", std::int64_t(H));
        f.writeAttr("recurrent", std::int64_t(0));
        f.writeAttr("n_in", std::int64_t(nIn));
        f.writeAttr("n_classes", std::int64_t(C));
        f.writeAttr("batch", std::int64_t(B));
        f.writeAttr("steps", std::int64_t(T));
        for (const char* a : {"alpha", "beta"})
            f.writeAttr(a, 0.9);
        f.writeAttr("v_th", 0.5);
        f.writeAttr("kappa", 1.0);
        f.writeAttr("reset", std::string("soft"));
        f.writeAttr("out_leak", 1.0);
        f.writeAttr("adam_beta1", 0.9);
        f.writeAttr("adam_beta2", 0.999);
        f.writeAttr("adam_eps", 1e-8);
        f.writeAttr("lr", 1e-3);
        const std::vector<double> w = {0.5, -0.25, 0.75, 1.0};
        f.write("init/W1", {H, nIn}, w.data());
        f.write("init/S", {H, C}, w.data());
        f.write("init/W_out", {C, H}, w.data());
        const std::vector<double> x = {1, 0, 0, 1, 1, 1, 0, 0};
        f.write("input/x", {T, B, nIn}, x.data());
        const std::vector<std::int64_t> labels = {0, 1};
        f.write("input/labels", {B}, labels.data());
        const std::size_t BH = B * H;
        auto step = [&](const std::string& name, std::size_t n) {
            const auto z = zeros(T * n);
            f.write("expected/" + name, {std::size_t(T), n}, z.data());
        };
        for (const char* n : {"potential1", "spikes1", "trace1", "target_potential1", "target_spikes1",
                              "target_trace1", "inference/spikes1"})
            step(n, BH);
        step("similarity1", B * B);
        step("soft_target1", B * B);
        step("loss1", 1);
        step("grad_W1", H * nIn);
        step("label_trace", B * C);
        step("grad_W_out", C * H);
        step("readout", B * C);
        step("inference/readout", B * C);
        const auto z4 = zeros(4);
        f.write("expected/final/W1", {H, nIn}, z4.data());
        f.write("expected/final/W_out", {C, H}, z4.data());
        f.write("expected/predictions", {B}, z4.data());
    });
}

} // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s <corpus-dir>\n", argv[0]);
        return 2;
    }
    g_root = argv[1];

    // N-MNIST: a few events; an empty file; one with an overflow marker (y byte 240).
    tp::writeNmnistFile(out("fuzz_nmnist", "seed_small.bin"), someEvents(12, 34, 1000));
    writeBytes(out("fuzz_nmnist", "seed_empty.bin"), {});
    auto nm = tp::encodeNmnist(someEvents(3, 34, 500));
    const std::vector<std::uint8_t> overflow = {0, 240, 0, 0, 0};
    nm.insert(nm.begin() + 5, overflow.begin(), overflow.end());
    writeBytes(out("fuzz_nmnist", "seed_overflow.bin"), nm);

    // SHD: float16 and float32 times, with and without /extra.
    tp::ShdContents c;
    c.samples = {someEvents(4, 1, 2000), someEvents(2, 1, 1000)};
    for (auto& s : c.samples)
        for (std::size_t i = 0; i < s.size(); ++i)
            s[i] = {s[i].t_us, std::int16_t(i * 97 % tp::kShdChannels), 0, 0};
    c.labels = {1, 0};
    tp::writeShd(out("fuzz_shd", "seed_f16.h5"), c, true);
    c.speakers = {3, 4};
    c.keys = {"zero", "one"};
    tp::writeShd(out("fuzz_shd", "seed_f32_extra.h5"), c, false);

    // AEDAT 3.1: two packets (split by eventsPerPacket) and a tsOverflow change.
    tp::writeAedat31(out("fuzz_aedat31", "seed_small.aedat"), someEvents(6, 128, 100), 4);
    tp::Events wrap = someEvents(3, 128, 100);
    wrap.push_back({(std::int64_t(1) << 31) + 5, 1, 2, 1});
    tp::writeAedat31(out("fuzz_aedat31", "seed_overflow.aedat"), wrap, 16);

    // Labels CSV.
    tp::writeGestureLabels(out("fuzz_gesture_labels", "seed_labels.csv"),
                           {{0, 0, 1000}, {10, 500, 2500}, {4, 2500, 2500}});
    writeText(out("fuzz_gesture_labels", "seed_spaces.csv"),
              "class,startTime_usec,endTime_usec\r\n 1 , 10 , 20 \r\n\r\n11,20,30\r\n");

    // tonic NPY: the int64 writer, plus hand-made <f4 and |u1 arrays.
    tp::writeGestureNpy(out("fuzz_gesture_npy", "seed_i8.npy"), someEvents(4, 128, 2000));
    {
        std::vector<std::uint8_t> p;
        for (float v : {1.f, 2.f, 1.f, 0.5f, 127.f, 0.f, 0.f, 3.25f}) {
            std::uint8_t b[4];
            std::memcpy(b, &v, 4);
            p.insert(p.end(), b, b + 4);
        }
        writeBytes(out("fuzz_gesture_npy", "seed_f4.npy"), npy("<f4", 2, p));
        writeBytes(out("fuzz_gesture_npy", "seed_u1.npy"), npy("|u1", 2, {1, 2, 0, 7, 3, 4, 1, 9}));
    }

    // AEDAT 2.0: every convention, a header-less file, a special event (bit 15).
    tp::writeAedat2(out("fuzz_aedat2", "seed_small.aedat"), someEvents(5, 128, 300));
    tp::writeAedat2(out("fuzz_aedat2", "seed_raw.aedat"), someEvents(3, 128, 300), tp::DvsAddressConvention::Raw);
    writeBytes(out("fuzz_aedat2", "seed_noheader.aedat"),
               {0x00, 0x00, 0x12, 0x34, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x20});

    // Prophesee RAW and DAT (tests/datasets/prophesee_words.h): words alone (the targets put a
    // header before input not starting with '%') and whole files with their header.
    {
        namespace pw = tp_test::prophesee;
        namespace e2 = pw::evt2;
        namespace e3 = pw::evt3;
        pw::Bytes w2;
        w2.u32(e2::timeHigh(0x0FFFFFFF)).u32(e2::cd(1, 5, 3, 4)).u32(e2::trigger(1, 0, 7)).u32(e2::timeHigh(0));
        w2.u32(e2::cd(0, 63, 639, 479)).u32(e2::others()).u32(e2::continued(1)).u32(0x3u << 28);
        w2.save(out("fuzz_evt2", "seed_words.bin"));
        pw::Bytes f2;
        f2.text("% date 2020-01-01 00:00:00\n% evt 2.0\n% format EVT2;height=480;width=640\n% end\n").text(w2.data);
        f2.save(out("fuzz_evt2", "seed_file.raw"));

        pw::Bytes w3;
        w3.u16(e3::timeHigh(0xFFF)).u16(e3::timeLow(0x123)).u16(e3::addrY(5)).u16(e3::addrX(7, 1)).u16(e3::baseX(100, 0));
        w3.u16(e3::vect12(0b100000000101)).u16(e3::vect8(0b10000001)).u16(e3::trigger(1, 0)).u16(e3::timeHigh(0));
        w3.u16(e3::word(0x1, 3)).u16(e3::addrX(2, 0)).u16(e3::others(1)).u16(e3::continued12(2)).u16(e3::continued4(3));
        w3.save(out("fuzz_evt3", "seed_words.bin"));
        pw::Bytes f3;
        f3.text("% camera_integrator_name Prophesee\n% evt 3.0\n% format EVT3;height=720;width=1280\n"
                "% geometry 1280x720\n% end\n").text(w3.data);
        f3.save(out("fuzz_evt3", "seed_file.raw"));

        pw::Bytes d;
        for (std::uint32_t t : {0xFFFFFFF0u, 5u, 3u})
            pw::dat::event(d, t, t % 304, t % 240, t & 1);
        d.save(out("fuzz_dat", "seed_events.bin"));
        pw::Bytes fd;
        fd.text("% Data file containing CD events\n% Version 2\n% Width 304\n% Height 240\n")
            .u8(pw::dat::kEventCd).u8(8).text(d.data);
        fd.save(out("fuzz_dat", "seed_file.dat"));
        pw::Bytes ft;
        ft.text("% Version 2\n").u8(pw::dat::kExtTrigger).u8(8).text(d.data);
        ft.save(out("fuzz_dat", "seed_trigger.dat"));
    // AEDAT 4.0: uncompressed with frame and IMU streams, LZ4 with a file data table, Zstd.
    {
        namespace a4 = tp_test::aedat4;
        const std::vector<a4::StreamDecl> davis = {{0, "EVTS", 128, 128}, {1, "FRME", 128, 128}, {2, "IMUS"}};
        writeBytes(out("fuzz_aedat4", "seed_none.aedat4"),
                   a4::build({a4::None, davis,
                              {a4::events(0, someEvents(3, 128, 10)), a4::opaque(1, "FRME", 16, 5),
                               a4::opaque(2, "IMUS", 8, 7), a4::events(0, someEvents(2, 128, 20))}}));
        writeBytes(out("fuzz_aedat4", "seed_lz4_table.aedat4"),
                   a4::build({a4::Lz4, davis, {a4::events(0, someEvents(4, 128, 10)), a4::opaque(2, "IMUS", 8, 7)}, true}));
        writeBytes(out("fuzz_aedat4", "seed_zstd.aedat4"),
                   a4::build({a4::Zstd, {{0, "EVTS", 128, 128}, {1, "EVTS", 64, 64}},
                              {a4::events(1, someEvents(2, 64, 10)), a4::events(0, someEvents(5, 128, 30))}}));
    // x/y/t/p event arrays: .npy structured (tonic's dtype; big-endian, reordered, an extra field,
    // NPY 2.0), .npz (plain arrays stored; a structured array deflated beside another member, with
    // numpy's zip64 local headers and a zip64 end), HDF5 /events/{x,y,t,p}.
    {
        using tp_test::Field;
        const std::vector<tp_test::Rec> recs = {{1, 2, 3, 1}, {640, 480, 70000, 0}, {32767, 0, 5000000000, 1}};
        const std::vector<Field> tonic = {{"x", "<i2"}, {"y", "<i2"}, {"t", "<i8"}, {"p", "|b1"}};
        const std::vector<Field> big = {{"t", ">u4"}, {"p", "|i1"}, {"x", ">u2"}, {"extra", "<f8"}, {"y", ">u2"}};
        writeText(out("fuzz_npy_events", "seed_tonic.npy"), tp_test::structuredNpy(tonic, recs));
        writeText(out("fuzz_npy_events", "seed_big_v2.npy"), tp_test::structuredNpy(big, {{1, 2, 3, 1}, {5, 6, 7, 0}}, 2));
        writeText(out("fuzz_npz_events", "seed_arrays_stored.npz"),
                  tp_test::zipOf({{"x.npy", tp_test::plainNpy("<u2", {1, 640, 32767})},
                                  {"y.npy", tp_test::plainNpy("<i4", {2, 480, 0})},
                                  {"t.npy", tp_test::plainNpy("<i8", {3, 70000, 5000000000})},
                                  {"p.npy", tp_test::plainNpy("|b1", {1, 0, 1})}}));
        writeText(out("fuzz_npz_events", "seed_structured_deflated.npz"),
                  tp_test::zipOf({{"events.npy", tp_test::structuredNpy(tonic, recs), true},
                                  {"sensor_size.npy", tp_test::plainNpy("<i8", {640, 480, 2}), true}},
                                 true, true));
        tp::h5::writeAtomically(out("fuzz_h5_events", "seed_events.h5"), [&](tp::h5::File& f) {
            const std::vector<std::int32_t> x = {1, 640, 32767}, y = {2, 480, 0}, p = {1, 0, 1};
            const std::vector<std::int64_t> t = {3, 70000, 5000000000};
            f.write("events/x", {3}, x.data());
            f.write("events/y", {3}, y.data());
            f.write("events/t", {3}, t.data());
            f.write("events/p", {3}, p.data());
        });
    }

    // Golden replay: a 2-input, 2-hidden, 2-class, batch 2, 2-step file (expected values zero:
    // verifyGolden reports mismatches and returns).
    golden(out("fuzz_golden", "seed_tiny.h5"));

    // NIR: what export-nir writes for a small recurrent dense net and a small conv net.
    auto matrix = [](std::size_t rows, std::size_t cols) {
        tp::NetworkMatrix m{rows, cols, std::vector<double>(rows * cols)};
        for (std::size_t i = 0; i < m.values.size(); ++i)
            m.values[i] = 0.25 * double(int(i % 7) - 3);
        return m;
    };
    tp::TrainedNetwork dense;
    dense.experiment.network.layers = {{"lif", 3, true, "none"}};
    dense.weights = {{"W1", matrix(3, 2)}, {"R1", matrix(3, 3)}, {"W_out", matrix(2, 3)}};
    tp::nir::write(out("fuzz_nir", "seed_dense_rec.nir"), tp::toNir(dense, {1e-3, {2, 1, 1}}));
    tp::TrainedNetwork conv;
    conv.experiment.network.layers = {{"conv", 2, false, "max2"}};
    conv.experiment.network.readout_leak = 0.9;
    conv.weights = {{"W1", matrix(2, 9)}, {"W_out", matrix(2, 8)}};
    tp::nir::write(out("fuzz_nir", "seed_conv_max2.nir"), tp::toNir(conv, {1e-3, {1, 4, 4}}));
    return 0;
}
