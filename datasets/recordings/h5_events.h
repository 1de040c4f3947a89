#pragma once
/// Events as HDF5 datasets /events/x, /events/y, /events/t, /events/p (the layout of DSEC and
/// TUM-VIE, both read so by tonic): 1-D, equally long, of any integer type (p may also be h5py's
/// bool, an enum of int8); t in microseconds. Checks as event_arrays.h (x, y in 0..32767, t >= 0,
/// p > 0 ON). A file is read piece by piece through the isolated reader (io/h5_isolated.h), one
/// helper run per kH5EventsPerCall events (a hyperslab of each dataset), so memory does not
/// grow with its length; a dataset compressed by a filter this HDF5 lacks (DSEC's Blosc) is named
/// in the error with its filter.
#include <cstdint>

namespace tp::h5 {
struct IsolatedReader;  // io/h5_isolated.h
}

namespace tp {

/// Events read per run of the isolated helper.
inline constexpr std::uint64_t kH5EventsPerCall = std::uint64_t(1) << 20;

/// The helper's reader (app/h5read/main.cpp): argument "START COUNT"; answers the datasets'
/// length, the count read, the four type names and x, y, t (int64) and p > 0 (uint8) of the
/// events START .. START + COUNT - 1.
extern const h5::IsolatedReader kH5EventsReader;

} // namespace tp
