// AEDAT 4.0 files written from the spec (docs.inivation.com "AEDAT 4.0"; the IOHeader, events
// and FileDataTable flatbuffer schemas of dv-processing), for tests/datasets/test_aedat4.cpp and
// the fuzz seeds (tests/fuzz/make_seeds.cpp): flatbuffers built with flatbuffers::FlatBufferBuilder,
// packets compressed as LZ4 frames or Zstd frames, the infoNode XML in the layout DV writes.
#pragma once

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include <flatbuffers/flatbuffers.h>
#include <lz4frame.h>
#include <zstd.h>

#include "events.h"

namespace tp_test::aedat4 {

using Bytes = std::vector<std::uint8_t>;

/// IOHeader.compression.
enum Compression : std::int32_t { None = 0, Lz4 = 1, Lz4High = 2, Zstd = 3, ZstdHigh = 4 };

inline const std::string kVersionLine = "#!AER-DAT4.0\r\n";

/// One stream of the infoNode: id, typeIdentifier and (0: not stated) the source's sizeX / sizeY.
struct StreamDecl {
    int id = 0;
    std::string type;
    int sizeX = 0, sizeY = 0;
};

/// The infoNode XML as DV writes it: <dv><node name="outInfo"> with one node per stream.
inline std::string infoNode(const std::vector<StreamDecl>& streams)
{
    std::string x = "<dv version=\"2.0\">\n    <node name=\"outInfo\" path=\"/mainloop/Recorder/outInfo/\">\n";
    for (const StreamDecl& s : streams) {
        const std::string path = "/mainloop/Recorder/outInfo/" + std::to_string(s.id) + "/";
        x += "        <node name=\"" + std::to_string(s.id) + "\" path=\"" + path + "\">\n"
             "            <attr key=\"originalModuleName\" type=\"string\">capture</attr>\n"
             "            <attr key=\"typeDescription\" type=\"string\">&lt;described&gt;</attr>\n"
             "            <attr key=\"typeIdentifier\" type=\"string\">" + s.type + "</attr>\n"
             "            <node name=\"info\" path=\"" + path + "info/\">\n";
        if (s.sizeX > 0)
            x += "                <attr key=\"sizeX\" type=\"int\">" + std::to_string(s.sizeX) + "</attr>\n"
                 "                <attr key=\"sizeY\" type=\"int\">" + std::to_string(s.sizeY) + "</attr>\n";
        x += "                <attr key=\"source\" type=\"string\">DAVIS346_00000002</attr>\n"
             "            </node>\n"
             "        </node>\n";
    }
    return x + "    </node>\n</dv>\n";
}

inline Bytes finished(flatbuffers::FlatBufferBuilder& b, flatbuffers::uoffset_t root, const char* identifier)
{
    b.FinishSizePrefixed(flatbuffers::Offset<void>(root), identifier);
    return Bytes(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

/// The IOHeader, size prefix included (it is the file's int32 size and the flatbuffer after it).
/// dataTablePosition -1 (the default) leaves the field out, as flatbuffers writers do.
inline Bytes ioHeader(std::int32_t compression, std::int64_t dataTablePosition, const std::string& info)
{
    flatbuffers::FlatBufferBuilder b;
    const auto text = b.CreateString(info);
    const auto start = b.StartTable();
    b.AddElement<std::int32_t>(4, compression, 0);
    b.AddElement<std::int64_t>(6, dataTablePosition, -1);
    b.AddOffset(8, text);
    return finished(b, b.EndTable(start), "IOHE");
}

/// events.fbs: struct Event { timestamp: int64; x: int16; y: int16; polarity: bool; } (16 bytes).
FLATBUFFERS_MANUALLY_ALIGNED_STRUCT(8) EventStruct {
    std::int64_t timestamp;
    std::int16_t x, y;
    std::uint8_t polarity;
    std::uint8_t padding[3];
};
FLATBUFFERS_STRUCT_END(EventStruct, 16);

/// PacketHeader { StreamID: int32; Size: int32; } (the file's packet header, and FileDataTable's PacketInfo).
FLATBUFFERS_MANUALLY_ALIGNED_STRUCT(4) PacketHeaderStruct {
    std::int32_t streamId, size;
};
FLATBUFFERS_STRUCT_END(PacketHeaderStruct, 8);

/// A packet before compression, with what the file data table says of it.
struct Packet {
    int stream = 0;
    Bytes flatbuffer;
    std::int64_t elements = 0, tStart = 0, tEnd = 0;
    bool stored = false;  ///< true: `flatbuffer` is written as it is, whatever the file's compression
};

/// An EventPacket ("EVTS": table { elements: [Event]; }) of `stream`.
inline Packet events(int stream, const tp::Events& ev)
{
    std::vector<EventStruct> s;
    for (const tp::Event& e : ev)
        s.push_back({e.t_us, e.x, e.y, e.p, {0, 0, 0}});
    flatbuffers::FlatBufferBuilder b;
    const auto vec = b.CreateVectorOfStructs(s.data(), s.size());
    const auto start = b.StartTable();
    b.AddOffset(4, vec);
    return {stream, finished(b, b.EndTable(start), "EVTS"), std::int64_t(ev.size()),
            ev.empty() ? 0 : ev.front().t_us, ev.empty() ? 0 : ev.back().t_us};
}

/// A packet of another type ("FRME", "IMUS", "TRIG"): a table with one byte vector of `bytes`
/// bytes. The reader under test never opens these, it passes over them by their header.
inline Packet opaque(int stream, const char* identifier, std::size_t bytes, std::int64_t t)
{
    flatbuffers::FlatBufferBuilder b;
    const Bytes payload(bytes, 0x5a);
    const auto vec = b.CreateVector(payload);
    const auto start = b.StartTable();
    b.AddOffset(4, vec);
    return {stream, finished(b, b.EndTable(start), identifier), 1, t, t};
}

inline Bytes compress(const Bytes& in, std::int32_t compression)
{
    Bytes out;
    if (compression == Lz4 || compression == Lz4High) {
        LZ4F_preferences_t prefs{};
        prefs.compressionLevel = compression == Lz4High ? 9 : 0;
        out.resize(LZ4F_compressFrameBound(in.size(), &prefs));
        out.resize(LZ4F_compressFrame(out.data(), out.size(), in.data(), in.size(), &prefs));
    } else if (compression == Zstd || compression == ZstdHigh) {
        out.resize(ZSTD_compressBound(in.size()));
        out.resize(ZSTD_compress(out.data(), out.size(), in.data(), in.size(), compression == ZstdHigh ? 19 : 3));
    } else {
        out = in;
    }
    return out;
}

inline void appendLE32(Bytes& out, std::int32_t v)
{
    for (int i = 0; i < 4; ++i)
        out.push_back(std::uint8_t(std::uint32_t(v) >> (8 * i)));
}

/// FileDataTable.fbs: one FileDataDefinition per packet.
struct TableEntry {
    std::int64_t byteOffset = 0;  ///< of the packet's payload (after its 8-byte header)
    std::int32_t stream = 0, size = 0;
    std::int64_t elements = 0, tStart = 0, tEnd = 0;
};

inline Bytes fileDataTable(const std::vector<TableEntry>& entries)
{
    struct Definition;
    flatbuffers::FlatBufferBuilder b;
    std::vector<flatbuffers::Offset<Definition>> defs;
    for (const TableEntry& e : entries) {
        const PacketHeaderStruct info{e.stream, e.size};
        const auto start = b.StartTable();
        b.AddElement<std::int64_t>(4, e.byteOffset, 0);
        b.AddStruct(6, &info);
        b.AddElement<std::int64_t>(8, e.elements, 0);
        b.AddElement<std::int64_t>(10, e.tStart, 0);
        b.AddElement<std::int64_t>(12, e.tEnd, 0);
        defs.push_back(flatbuffers::Offset<Definition>(b.EndTable(start)));
    }
    const auto vec = b.CreateVector(defs);
    const auto start = b.StartTable();
    b.AddOffset(4, vec);
    return finished(b, b.EndTable(start), "FTAB");
}

/// What a file holds.
struct FileSpec {
    std::int32_t compression = None;
    std::vector<StreamDecl> streams;
    std::vector<Packet> packets;
    bool dataTable = false;
    /// Edits the file data table's entries before they are written (tests of a corrupt table).
    std::function<void(std::vector<TableEntry>&)> editTable = nullptr;
};

/// Where the parts of a built file start.
struct Layout {
    std::size_t packetsStart = 0;
    std::vector<std::size_t> packetOffsets;  ///< of each packet's 8-byte header
    std::size_t tablePosition = 0;           ///< the file's end without a table
};

/// The file's bytes: version line, IOHeader, packets, then the file data table if asked for.
inline Bytes build(const FileSpec& f, Layout* layout = nullptr)
{
    const std::string info = infoNode(f.streams);
    std::int64_t tablePosition = f.dataTable ? 0 : -1;  // any value but -1 has the same size
    for (int pass = 0; pass < 2; ++pass) {
        Bytes out(kVersionLine.begin(), kVersionLine.end());
        const Bytes header = ioHeader(f.compression, tablePosition, info);
        out.insert(out.end(), header.begin(), header.end());
        Layout l;
        l.packetsStart = out.size();
        std::vector<TableEntry> entries;
        for (const Packet& p : f.packets) {
            const Bytes payload = p.stored ? p.flatbuffer : compress(p.flatbuffer, f.compression);
            l.packetOffsets.push_back(out.size());
            appendLE32(out, p.stream);
            appendLE32(out, std::int32_t(payload.size()));
            entries.push_back({std::int64_t(out.size()), p.stream, std::int32_t(payload.size()), p.elements, p.tStart, p.tEnd});
            out.insert(out.end(), payload.begin(), payload.end());
        }
        l.tablePosition = out.size();
        if (!f.dataTable) {
            if (layout)
                *layout = l;
            return out;
        }
        if (pass == 1) {
            if (f.editTable)
                f.editTable(entries);
            const Bytes table = compress(fileDataTable(entries), f.compression);
            out.insert(out.end(), table.begin(), table.end());
            if (layout)
                *layout = l;
            return out;
        }
        tablePosition = std::int64_t(l.tablePosition);
    }
    return {};
}

} // namespace tp_test::aedat4
