#pragma once
/// RAII for HDF5 C API handles, and HDF5's automatic error-stack printing switched off, for the
/// .cpp files that use the HDF5 C API directly (engine/io, datasets/shd). Not for public headers.
#include <hdf5.h>

namespace tp::h5 {

struct ErrorStackSilencer {
    ErrorStackSilencer() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }
};
inline const ErrorStackSilencer kSilenceErrorStack;

/// Closes an HDF5 handle of any kind on scope exit.
struct Handle {
    hid_t id;
    explicit Handle(hid_t h) : id(h) {}
    ~Handle()
    {
        if (id >= 0)
            H5Idec_ref(id);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    operator hid_t() const { return id; }
};

/// The size in bytes of the file `object` belongs to (0 when HDF5 cannot tell).
inline hsize_t fileSizeOf(hid_t object)
{
    hsize_t size = 0;
    if (Handle file(H5Iget_file_id(object)); file >= 0)
        H5Fget_filesize(file, &size);
    return size;
}

} // namespace tp::h5
