// Events as one .npy structured array with fields x, y, t, p (tonic's events: np.save of an
// array of dtype [('x', '<i2'), ('y', '<i2'), ('t', '<i8'), ('p', '?')]); any integer widths,
// either byte order, any field order, other fields ignored (event_arrays.h). NPY v1.0 / 2.0 / 3.0
// (npy.h); the data is read in blocks.
#include "event_arrays.h"

namespace tp {

namespace {

bool detectNpyEvents(const PathProbe& probe)
{
    // A plain array (descr a type string) is tonic's DVSGesture trial (formats/dvsgesture_format.cpp).
    return probe.startsWith(kNpyMagic) && npyHeadIsStructured(probe.head) == true;
}

RecordingHeader readNpyEvents(const std::string& file, const EventSink& sink)
{
    NpyFile in(file, "NPY events");
    const NpyHeader h = readNpyHeader(in);
    const EventColumns columns = structuredColumns(h, in);
    EventChunker out(sink);
    streamEventColumns(columns, h.elements, out);
    out.flush();
    RecordingHeader header;
    header.format = "NPY structured array (" + eventColumnTypes(columns) + ")";
    return header;
}

} // namespace

extern const RecordingFormat kNpyEventsRecording{
    .name = "npy-events",
    .display = "NPY events",
    .look_for = "a .npy structured array (\\x93NUMPY, descr a list of fields) with fields x, y, t, p",
    .detect = detectNpyEvents,
    .read = readNpyEvents,
};

} // namespace tp
