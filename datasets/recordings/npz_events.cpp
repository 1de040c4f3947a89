// Events in an .npz (a zip of .npy files, one per array: np.savez stores them, np.savez_compressed
// deflates them): four plain arrays named x, y, t, p of equal length (np.savez(f, x=..., y=...,
// t=..., p=...)), or else the one structured array among the members with fields x, y, t, p (other
// members ignored). Types and checks as the .npy format (event_arrays.h); the members are read in
// blocks side by side (zip_reader.h).
#include <memory>

#include "event_arrays.h"
#include "zip_reader.h"

namespace tp {

namespace {

bool detectNpzEvents(const PathProbe& probe)
{
    return probe.startsWith("PK\x03\x04") && nameEndsWith(probe.name, ".npz");
}

/// The members' names for a message, the first few.
std::string memberList(const ZipDirectory& dir)
{
    std::string s;
    for (std::size_t i = 0; i < dir.members.size() && i < 10; ++i)
        s += (i ? ", " : "") + dir.members[i].name;
    return dir.members.empty() ? "none" : dir.members.size() > 10 ? s + ", ..." : s;
}

RecordingHeader readNpzEvents(const std::string& file, const EventSink& sink)
{
    const ZipDirectory dir = readZipDirectory(file);
    const auto member = [&](const std::string& name) -> const ZipMember* {
        for (const ZipMember& m : dir.members)
            if (m.name == name)
                return &m;
        return nullptr;
    };
    std::array<std::unique_ptr<ZipMemberInput>, 4> inputs;
    EventColumns columns;
    std::uint64_t count = 0;
    RecordingHeader header;
    if (member("x.npy") && member("y.npy") && member("t.npy") && member("p.npy")) {
        for (int c = 0; c < 4; ++c) {
            inputs[std::size_t(c)] = std::make_unique<ZipMemberInput>(
                file, *member(std::string(kEventColumnNames[std::size_t(c)]) + ".npy"), dir.start);
            NpyInput& in = *inputs[std::size_t(c)];
            const NpyHeader h = readNpyHeader(in);
            columns[std::size_t(c)] = plainColumn(h, in, c);
            if (c > 0 && h.elements != count)
                throw in.place().error(h.header_start, std::string("array ") + kEventColumnNames[std::size_t(c)] + " has " +
                                                           std::to_string(h.elements) + " elements, x has " + std::to_string(count) +
                                                           ": x, y, t, p must be equally long");
            count = h.elements;
        }
        header.format = "NPZ arrays (" + eventColumnTypes(columns) + ")";
    } else {
        // The structured arrays among the members that have fields x, y, t, p: exactly one.
        std::vector<const ZipMember*> found;
        for (const ZipMember& m : dir.members) {
            if (!m.name.ends_with(".npy"))
                continue;
            ZipMemberInput in(file, m, dir.start);
            const NpyHeader h = readNpyHeader(in);
            if (h.field("x") && h.field("y") && h.field("t") && h.field("p"))
                found.push_back(&m);
        }
        if (found.size() != 1) {
            std::string names;
            for (const ZipMember* m : found)
                names += (names.empty() ? "" : ", ") + m->name;
            throw FormatError(file, std::int64_t(dir.start),
                              found.empty() ? "no arrays named x, y, t, p and no structured array with fields x, y, t, p "
                                              "among its members (" + memberList(dir) + ")"
                                            : "several structured arrays with fields x, y, t, p (" + names +
                                                  "): one recording per file");
        }
        inputs[0] = std::make_unique<ZipMemberInput>(file, *found[0], dir.start);
        const NpyHeader h = readNpyHeader(*inputs[0]);
        columns = structuredColumns(h, *inputs[0]);
        count = h.elements;
        header.format = "NPZ structured array " + found[0]->name + " (" + eventColumnTypes(columns) + ")";
    }
    EventChunker out(sink);
    streamEventColumns(columns, count, out);
    out.flush();
    return header;
}

} // namespace

extern const RecordingFormat kNpzEventsRecording{
    .name = "npz-events",
    .display = "NPZ events",
    .look_for = "a .npz (zip, PK\\3\\4) holding arrays x, y, t, p or one structured array with those fields",
    .detect = detectNpzEvents,
    .read = readNpzEvents,
};

} // namespace tp
