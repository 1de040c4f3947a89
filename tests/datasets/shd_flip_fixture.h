// A small, byte-for-byte reproducible SHD file written with the HDF5 C API (no object times,
// so the same bytes on every run): the good file that the corruption regression tests flip
// single bytes of. Shared by tests/datasets/test_hdf5_isolation.cpp and tests/cli.
#pragma once

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <hdf5.h>

namespace tp_test {

/// Writes the SHD layout (vlen float16 /spikes/times, vlen uint16 /spikes/units, uint16 /labels,
/// int32 /extra/speaker) of 6 samples to `path`; returns false when HDF5 fails.
inline bool writeFlipBaseShd(const std::string& path)
{
    const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18);
    const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
    H5Pclose(fapl);
    if (file < 0)
        return false;
    bool ok = true;
    const hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    H5Pset_obj_track_times(gcpl, false);
    const hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(dcpl, false);
    for (const char* g : {"/spikes", "/extra"}) {
        const hid_t id = H5Gcreate2(file, g, H5P_DEFAULT, gcpl, H5P_DEFAULT);
        ok = ok && id >= 0;
        H5Gclose(id);
    }
    constexpr std::size_t n = 6;
    std::vector<std::vector<double>> times(n);
    std::vector<std::vector<std::uint16_t>> units(n);
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t k = 0; k < 3 + 2 * i; ++k) {
            times[i].push_back(0.01 * double(k + i));
            units[i].push_back(std::uint16_t((37 * k + 11 * i) % 700));
        }
    std::vector<hvl_t> t(n), u(n);
    for (std::size_t i = 0; i < n; ++i) {
        t[i] = hvl_t{times[i].size(), times[i].data()};
        u[i] = hvl_t{units[i].size(), units[i].data()};
    }
    const hsize_t dims = n;
    const hid_t space = H5Screate_simple(1, &dims, nullptr);
    const hid_t half = H5Tcopy(H5T_IEEE_F32LE);  // h5py float16
    H5Tset_fields(half, 15, 10, 5, 0, 10);
    H5Tset_size(half, 2);
    H5Tset_ebias(half, 15);
    auto write = [&](const char* name, hid_t fileType, hid_t memType, const void* data) {
        const hid_t ds = H5Dcreate2(file, name, fileType, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        ok = ok && ds >= 0 && H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0;
        H5Dclose(ds);
    };
    const hid_t timesFile = H5Tvlen_create(half), timesMem = H5Tvlen_create(H5T_NATIVE_DOUBLE);
    const hid_t unitsFile = H5Tvlen_create(H5T_STD_U16LE), unitsMem = H5Tvlen_create(H5T_NATIVE_UINT16);
    write("/spikes/times", timesFile, timesMem, t.data());
    write("/spikes/units", unitsFile, unitsMem, u.data());
    const std::uint16_t labels[n] = {0, 1, 2, 3, 4, 5};
    const std::int32_t speakers[n] = {7, 7, 8, 8, 9, 9};
    write("/labels", H5T_STD_U16LE, H5T_NATIVE_UINT16, labels);
    write("/extra/speaker", H5T_STD_I32LE, H5T_NATIVE_INT32, speakers);
    for (hid_t id : {timesFile, timesMem, unitsFile, unitsMem, half})
        H5Tclose(id);
    H5Sclose(space);
    H5Pclose(gcpl);
    H5Pclose(dcpl);
    ok = H5Fclose(file) >= 0 && ok;
    return ok;
}

/// The bytes of `path` (empty when unreadable).
inline std::vector<unsigned char> fileBytes(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Writes `bytes` with bytes[offset] replaced by `value` to `path`.
inline bool writeFlipped(const std::string& path, std::vector<unsigned char> bytes, std::size_t offset,
                         unsigned char value)
{
    if (offset >= bytes.size())
        return false;
    bytes[offset] = value;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    return bool(out);
}

} // namespace tp_test
