// Writing HDF5 test fixtures with the C API (never through the engine's own writer), shared by
// the dataset and CLI suites.
#pragma once

#include <QtTest>

#include <cstddef>

#include <hdf5.h>

namespace tp_test {

/// A 1-D dataset of `n` elements at `name` (parent groups must exist), written from `data` in
/// `memType`; a failed create or write fails the calling test.
inline void writeH5Dataset(hid_t location, const char* name, hid_t fileType, hid_t memType, std::size_t n,
                           const void* data)
{
    const hsize_t dims = n;
    const hid_t space = H5Screate_simple(1, &dims, nullptr);
    const hid_t ds = H5Dcreate2(location, name, fileType, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    QVERIFY(ds >= 0);
    QVERIFY(H5Dwrite(ds, memType, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) >= 0);
    H5Dclose(ds);
    H5Sclose(space);
}

} // namespace tp_test
