// AEDAT 4.0, the file format of iniVation's DV software (docs.inivation.com, "AEDAT 4.0"; the
// flatbuffer schemas IOHeader.fbs, events.fbs and FileDataTable.fbs of dv-processing):
//   "#!AER-DAT4.0\r\n"
//   the IOHeader, a size-prefixed flatbuffer (int32 little-endian size, then that many bytes;
//     identifier "IOHE"): compression (int32: NONE, LZ4, LZ4_HIGH, ZSTD, ZSTD_HIGH), dataTablePosition
//     (int64, -1 = no table) and infoNode, an XML description of the streams:
//     <dv><node name="outInfo"><node name="0"><attr key="typeIdentifier">EVTS</attr>
//         <node name="info"><attr key="sizeX">346</attr><attr key="sizeY">260</attr>...
//   packets up to the data table (or the end): int32 stream id, int32 size, then `size` bytes, one
//     LZ4 or Zstd frame when compressed, holding a size-prefixed flatbuffer of that stream's type;
//     an EventPacket ("EVTS") is a vector of 16-byte structs: int64 timestamp (us), int16 x, int16 y,
//     bool polarity, 3 bytes padding;
//   optionally the FileDataTable ("FTAB", compressed like the packets) from dataTablePosition to the
//     end: per packet its byte offset, header, element count and first / last time stamp.
// The first polarity-event stream is read packet by packet (memory: one packet); frames, IMU,
// triggers and any other stream are passed over unread and counted.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <memory>
#include <new>
#include <optional>

#include <flatbuffers/flatbuffers.h>
#include <lz4frame.h>
#include <zstd.h>

#include "core/errors.h"
#include "recording.h"

namespace tp {

namespace {

constexpr std::string_view kVersionLine = "#!AER-DAT4.0\r\n";
/// The IOHeader holds a few KiB of XML; anything near this is not one.
constexpr std::size_t kMaxHeaderBytes = std::size_t(16) << 20;
/// A packet (compressed or decompressed) and the file data table: DV writes event packets of at
/// most a few MiB, so this (8 Mi events) only refuses corrupt sizes and decompression bombs.
constexpr int kMaxPacketLog2 = 27;
constexpr std::size_t kMaxPacketBytes = std::size_t(1) << kMaxPacketLog2;

enum class Compression : std::int32_t { None, Lz4, Lz4High, Zstd, ZstdHigh };
constexpr const char* kCompressionNames[] = {"uncompressed", "LZ4", "LZ4, high", "Zstd", "Zstd, high"};

// The flatbuffer tables and structs of the schemas, written out as flatc would generate them
// (field ids 0, 1, 2... are vtable offsets 4, 6, 8...).
using flatbuffers::voffset_t;

struct IoHeaderTable : private flatbuffers::Table {
    enum : voffset_t { kCompression = 4, kDataTablePosition = 6, kInfoNode = 8 };
    std::int32_t compression() const { return GetField<std::int32_t>(kCompression, 0); }
    std::int64_t dataTablePosition() const { return GetField<std::int64_t>(kDataTablePosition, -1); }
    const flatbuffers::String* infoNode() const { return GetPointer<const flatbuffers::String*>(kInfoNode); }
    bool Verify(flatbuffers::Verifier& v) const
    {
        return VerifyTableStart(v) && VerifyField<std::int32_t>(v, kCompression, 4) &&
               VerifyField<std::int64_t>(v, kDataTablePosition, 8) && VerifyOffset(v, kInfoNode) &&
               v.VerifyString(infoNode()) && v.EndTable();
    }
};

FLATBUFFERS_MANUALLY_ALIGNED_STRUCT(8) EventStruct {
    std::int64_t timestamp;
    std::int16_t x, y;
    std::uint8_t polarity;
    std::uint8_t padding[3];
};
FLATBUFFERS_STRUCT_END(EventStruct, 16);

struct EventPacketTable : private flatbuffers::Table {
    enum : voffset_t { kElements = 4 };
    const flatbuffers::Vector<const EventStruct*>* elements() const
    {
        return GetPointer<const flatbuffers::Vector<const EventStruct*>*>(kElements);
    }
    bool Verify(flatbuffers::Verifier& v) const
    {
        return VerifyTableStart(v) && VerifyOffset(v, kElements) && v.VerifyVector(elements()) && v.EndTable();
    }
};

/// A packet's header in the file, and the PacketInfo of a FileDataDefinition.
FLATBUFFERS_MANUALLY_ALIGNED_STRUCT(4) PacketHeader {
    std::int32_t streamId;
    std::int32_t size;
};
FLATBUFFERS_STRUCT_END(PacketHeader, 8);

struct FileDataDefinitionTable : private flatbuffers::Table {
    enum : voffset_t { kByteOffset = 4, kPacketInfo = 6, kNumElements = 8, kTimestampStart = 10, kTimestampEnd = 12 };
    std::int64_t byteOffset() const { return GetField<std::int64_t>(kByteOffset, 0); }
    const PacketHeader* packetInfo() const { return GetStruct<const PacketHeader*>(kPacketInfo); }
    std::int64_t numElements() const { return GetField<std::int64_t>(kNumElements, 0); }
    std::int64_t timestampStart() const { return GetField<std::int64_t>(kTimestampStart, 0); }
    std::int64_t timestampEnd() const { return GetField<std::int64_t>(kTimestampEnd, 0); }
    bool Verify(flatbuffers::Verifier& v) const
    {
        return VerifyTableStart(v) && VerifyField<std::int64_t>(v, kByteOffset, 8) &&
               VerifyField<PacketHeader>(v, kPacketInfo, 4) && VerifyField<std::int64_t>(v, kNumElements, 8) &&
               VerifyField<std::int64_t>(v, kTimestampStart, 8) && VerifyField<std::int64_t>(v, kTimestampEnd, 8) &&
               v.EndTable();
    }
};

struct FileDataTable : private flatbuffers::Table {
    enum : voffset_t { kTable = 4 };
    const flatbuffers::Vector<flatbuffers::Offset<FileDataDefinitionTable>>* table() const
    {
        return GetPointer<const flatbuffers::Vector<flatbuffers::Offset<FileDataDefinitionTable>>*>(kTable);
    }
    bool Verify(flatbuffers::Verifier& v) const
    {
        return VerifyTableStart(v) && VerifyOffset(v, kTable) && v.VerifyVector(table()) &&
               v.VerifyVectorOfTables(table()) && v.EndTable();
    }
};

/// One stream the infoNode declares.
struct Stream {
    std::int32_t id = 0;
    std::string type;          ///< typeIdentifier: "EVTS", "FRME", "IMUS", "TRIG", ...
    int sizeX = 0, sizeY = 0;  ///< from its info node; 0 when not stated
};

/// The streams of an infoNode: each <node> directly inside <node name="outInfo"> is one (its name
/// the stream id), with <attr key="typeIdentifier"> and a child <node name="info"> holding
/// <attr key="sizeX"> / "sizeY". A scanner of the XML DV writes (elements, attributes, text,
/// comments, <?...?>), not a general XML parser; `bad` receives what is wrong.
template <typename Bad>
std::vector<Stream> parseStreams(std::string_view xml, Bad&& bad)
{
    struct Element {
        std::string tag, name;
    };
    std::vector<Element> open;
    std::vector<Stream> streams;
    const auto isNode = [&](std::size_t fromTop, std::string_view name) {
        if (open.size() <= fromTop)
            return false;
        const Element& e = open[open.size() - 1 - fromTop];
        return e.tag == "node" && (name.empty() || e.name == name);
    };
    const auto toInt = [&](std::string_view text, const std::string& what, int lo, int hi) {
        while (!text.empty() && std::strchr(" \t\r\n", text.front()))
            text.remove_prefix(1);
        while (!text.empty() && std::strchr(" \t\r\n", text.back()))
            text.remove_suffix(1);
        int v = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
        if (ec != std::errc() || end != text.data() + text.size() || v < lo || v > hi)
            bad(what + " is \"" + std::string(text.substr(0, 40)) + "\", not an integer in " + std::to_string(lo) +
                ".." + std::to_string(hi));
        return v;
    };
    std::size_t i = 0;
    while ((i = xml.find('<', i)) != std::string_view::npos) {
        const std::string_view rest = xml.substr(i);
        const std::string_view close = rest.starts_with("<!--") ? "-->" : rest.starts_with("<?") ? "?>" : ">";
        const std::size_t end = xml.find(close, i + 1);
        if (end == std::string_view::npos)
            bad("a tag at character " + std::to_string(i) + " is not closed");
        std::string_view tag = xml.substr(i + 1, end - i - 1);
        i = end + close.size();
        if (tag.starts_with('!') || tag.starts_with('?'))
            continue;  // comment, declaration, processing instruction
        if (tag.starts_with('/')) {
            const std::string_view name = tag.substr(1, tag.find_first_of(" \t\r\n") - 1);
            if (open.empty() || open.back().tag != name)
                bad("</" + std::string(name.substr(0, 40)) + "> at character " + std::to_string(end) +
                    " closes " + (open.empty() ? std::string("nothing") : "<" + open.back().tag + ">"));
            open.pop_back();
            continue;
        }
        const bool empty = tag.ends_with('/');
        if (empty)
            tag.remove_suffix(1);
        Element e{std::string(tag.substr(0, tag.find_first_of(" \t\r\n"))), {}};
        std::string key;
        // Attributes: name="value" or name='value'; only name (of a node) and key (of an attr) matter.
        for (std::size_t a = e.tag.size(); (a = tag.find('=', a)) != std::string_view::npos;) {
            std::size_t q = tag.find_first_not_of(" \t\r\n", a + 1);
            if (q == std::string_view::npos || (tag[q] != '"' && tag[q] != '\''))
                bad("<" + e.tag + "> has an attribute value without quotes");
            const std::size_t qEnd = tag.find(tag[q], q + 1);
            if (qEnd == std::string_view::npos)
                bad("<" + e.tag + "> has an unterminated attribute value");
            std::string_view attr = tag.substr(0, a);
            while (!attr.empty() && std::strchr(" \t\r\n", attr.back()))
                attr.remove_suffix(1);
            attr = attr.substr(attr.find_last_of(" \t\r\n") + 1);
            const std::string value(tag.substr(q + 1, qEnd - q - 1));
            if (attr == "name")
                e.name = value;
            else if (attr == "key")
                key = value;
            a = qEnd + 1;
        }
        if (e.tag == "attr" && !empty) {
            const std::size_t textEnd = xml.find("</attr>", i);
            if (textEnd == std::string_view::npos)
                bad("<attr key=\"" + key + "\"> is not closed");
            const std::string_view text = xml.substr(i, textEnd - i);
            i = textEnd + 7;
            if (isNode(0, "") && isNode(1, "outInfo") && key == "typeIdentifier") {
                streams.back().type = text;
            } else if (isNode(0, "info") && isNode(1, "") && isNode(2, "outInfo") && (key == "sizeX" || key == "sizeY")) {
                (key == "sizeX" ? streams.back().sizeX : streams.back().sizeY) =
                    toInt(text, "stream " + open[open.size() - 2].name + " " + key, 1, 32768);
            }
            continue;
        }
        if (e.tag == "node" && isNode(0, "outInfo")) {
            const std::int32_t id = toInt(e.name, "a stream id (<node name>)", 0, INT32_MAX);
            for (const Stream& s : streams)
                if (s.id == id)
                    bad("stream " + e.name + " is declared twice");
            streams.push_back({id, {}, 0, 0});
        }
        if (empty)
            continue;
        if (open.size() == 64)
            bad("elements nested deeper than 64");
        open.push_back(std::move(e));
    }
    if (!open.empty())
        bad("<" + open.back().tag + "> is not closed");
    return streams;
}

/// What a skipped packet of `s` is counted as in RecordingHeader::skipped.
std::string skippedName(const Stream& s)
{
    if (s.type == "FRME")
        return "frame packets";
    if (s.type == "IMUS")
        return "IMU packets";
    if (s.type == "TRIG")
        return "trigger packets";
    if (s.type == "EVTS")
        return "event packets of stream " + std::to_string(s.id) + " (a further event stream)";
    return (s.type.empty() ? std::string("untyped") : "\"" + s.type + "\"") + " packets of stream " + std::to_string(s.id);
}

class Aedat4Reader {
public:
    Aedat4Reader(const std::string& file, const EventSink& sink) : m_in(file, "AEDAT 4 file"), m_out(sink) {}

    RecordingHeader read()
    {
        readIoHeader();
        if (m_tablePosition >= 0)
            readDataTable();
        readPackets();
        m_out.flush();
        if (m_table && m_event)
            compareWithTable();
        return std::move(m_header);
    }

private:
    [[noreturn]] void fail(std::uint64_t offset, const std::string& what) const
    {
        throw FormatError(m_in.path(), std::int64_t(offset), what);
    }

    void readIoHeader()
    {
        char version[kVersionLine.size()];
        m_in.read(version, sizeof version, "the version line #!AER-DAT4.0");
        if (std::string_view(version, sizeof version) != kVersionLine)
            fail(0, "not an AEDAT 4.0 file (the first line is not #!AER-DAT4.0 followed by CR LF)");
        const std::uint64_t at = m_in.offset();
        std::uint32_t size = 0;
        m_in.read(&size, 4, "the IOHeader size");
        size = flatbuffers::EndianScalar(size);
        if (size > m_in.left() || size > kMaxHeaderBytes)
            fail(at, "the IOHeader claims " + std::to_string(size) + " bytes, " +
                         (size > m_in.left() ? "the file has " + std::to_string(m_in.left()) + " left (truncated)"
                                             : "more than an AEDAT 4 header can be"));
        m_plain.resize(4 + std::size_t(size));
        std::memcpy(m_plain.data(), &size, 4);
        m_in.read(m_plain.data() + 4, size, "the IOHeader");
        const IoHeaderTable* h = root<IoHeaderTable>({m_plain.data(), m_plain.size()}, "IOHE", at, "the IOHeader");
        m_packetsStart = m_in.offset();

        if (h->compression() < 0 || h->compression() > std::int32_t(Compression::ZstdHigh))
            fail(at, "the IOHeader's compression is " + std::to_string(h->compression()) +
                         ", not one of NONE, LZ4, LZ4_HIGH, ZSTD, ZSTD_HIGH (0..4)");
        m_compression = Compression(h->compression());
        m_header.format = std::string("AEDAT 4.0 (") + kCompressionNames[h->compression()] + ")";
        if (m_compression == Compression::Lz4 || m_compression == Compression::Lz4High) {
            LZ4F_dctx* ctx = nullptr;
            if (LZ4F_isError(LZ4F_createDecompressionContext(&ctx, LZ4F_VERSION)))
                throw std::bad_alloc();
            m_lz4.reset(ctx);
        } else if (m_compression != Compression::None) {
            m_zstd.reset(ZSTD_createDCtx());
            if (!m_zstd)
                throw std::bad_alloc();
            // Frames whose window (the decoder's memory) exceeds the largest packet are refused.
            ZSTD_DCtx_setParameter(m_zstd.get(), ZSTD_d_windowLogMax, kMaxPacketLog2);
        }

        m_tablePosition = h->dataTablePosition();
        if (m_tablePosition >= 0 && std::uint64_t(m_tablePosition) > m_in.size())
            fail(at, "the IOHeader puts the file data table at byte " + std::to_string(m_tablePosition) +
                         ", beyond the end of the file (" + std::to_string(m_in.size()) + " bytes): the file is truncated");
        if (m_tablePosition >= 0 && std::uint64_t(m_tablePosition) < m_packetsStart)
            fail(at, "the IOHeader puts the file data table at byte " + std::to_string(m_tablePosition) +
                         ", inside the header (the packets start at byte " + std::to_string(m_packetsStart) + ")");
        m_packetsEnd = m_tablePosition >= 0 ? std::uint64_t(m_tablePosition) : m_in.size();

        const std::string_view xml = h->infoNode() ? h->infoNode()->string_view() : std::string_view();
        m_streams = parseStreams(xml, [&](const std::string& what) {
            fail(at, "the IOHeader's stream description (infoNode XML): " + what);
        });
        if (m_streams.empty())
            fail(at, "the IOHeader's stream description declares no streams (no <node> inside <node name=\"outInfo\">)");
        chooseEventStream();
    }

    /// The first EVTS stream is read (its size is the sensor's); the others are noted.
    void chooseEventStream()
    {
        std::string others;
        for (const Stream& s : m_streams) {
            if (s.type != "EVTS")
                continue;
            if (!m_event)
                m_event = &s;
            else
                others += (others.empty() ? "" : ", ") + std::to_string(s.id);
        }
        if (!m_event) {
            std::string all;
            for (const Stream& s : m_streams)
                all += (all.empty() ? "" : ", ") + std::to_string(s.id) + " " + (s.type.empty() ? "(untyped)" : s.type);
            m_header.notes.push_back("no polarity-event stream (EVTS) in the file; its streams: " + all);
        } else {
            if (m_event->sizeX > 0 && m_event->sizeY > 0)
                m_header.sensor = {m_event->sizeX, m_event->sizeY, 2};
            if (!others.empty()) {
                const bool one = others.find(',') == std::string::npos;
                m_header.notes.push_back((one ? "stream " : "streams ") + others + (one ? " also holds" : " also hold") +
                                         " polarity events; only stream " + std::to_string(m_event->id) + " is read");
            }
        }
    }

    const Stream* streamOf(std::int32_t id) const
    {
        for (const Stream& s : m_streams)
            if (s.id == id)
                return &s;
        return nullptr;
    }

    std::string declaredIds() const
    {
        std::string ids;
        for (const Stream& s : m_streams)
            ids += (ids.empty() ? "" : ", ") + std::to_string(s.id);
        return ids;
    }

    /// The file data table: checked against the file, summarised in a note, kept for the event
    /// count comparison after the packets.
    void readDataTable()
    {
        const std::uint64_t at = std::uint64_t(m_tablePosition);
        const std::uint64_t size = m_in.size() - at;
        if (size > kMaxPacketBytes)
            fail(at, "the file data table spans " + std::to_string(size) + " bytes, more than " +
                         std::to_string(kMaxPacketBytes) + " (not a file data table)");
        m_in.seek(at, "the file data table");
        const FileDataTable* t = root<FileDataTable>(unpack(std::size_t(size), at, "the file data table"), "FTAB", at,
                                                     "the file data table");
        TableSummary s;
        if (const auto* entries = t->table()) {
            for (flatbuffers::uoffset_t i = 0; i < entries->size(); ++i) {
                const FileDataDefinitionTable* d = entries->Get(i);
                const PacketHeader* p = d->packetInfo();
                const std::int32_t id = p ? flatbuffers::EndianScalar(p->streamId) : -1;
                const std::int64_t bytes = p ? flatbuffers::EndianScalar(p->size) : -1;
                const std::int64_t offset = d->byteOffset();
                // The packet (its header or its payload, as writers differ) lies between the
                // header and the table.
                if (!p || !streamOf(id) || bytes < 0 || offset < std::int64_t(m_packetsStart) ||
                    offset > m_tablePosition - bytes)
                    fail(at, "file data table entry " + std::to_string(i) + " (stream " + std::to_string(id) + ", " +
                                 std::to_string(bytes) + " bytes at byte " + std::to_string(offset) +
                                 ") does not describe a packet of a declared stream between byte " +
                                 std::to_string(m_packetsStart) + " and the table");
                ++s.packets;
                if (m_event && id == m_event->id) {
                    ++s.eventPackets;
                    s.events += std::uint64_t(std::max<std::int64_t>(d->numElements(), 0));
                    if (d->numElements() > 0) {
                        s.tFirst = std::min(s.tFirst, d->timestampStart());
                        s.tLast = std::max(s.tLast, d->timestampEnd());
                    }
                }
            }
        }
        std::string note = "file data table at byte " + std::to_string(at) + ": " + std::to_string(s.packets) + " packets";
        if (m_event) {
            note += "; stream " + std::to_string(m_event->id) + " (events): " + std::to_string(s.eventPackets) +
                    " packets, " + std::to_string(s.events) + " events";
            if (s.events > 0)
                note += ", time stamps " + std::to_string(s.tFirst) + " .. " + std::to_string(s.tLast) + " us";
        }
        m_header.notes.push_back(note);
        m_table = s;
    }

    void compareWithTable()
    {
        if (m_table->events != m_out.pushed())
            m_header.notes.push_back("the file data table counts " + std::to_string(m_table->events) + " events of stream " +
                                     std::to_string(m_event->id) + ", its packets hold " + std::to_string(m_out.pushed()));
    }

    void readPackets()
    {
        m_in.seek(m_packetsStart, "the first packet");
        const char* const end = m_tablePosition >= 0 ? " before the file data table" : "";
        while (m_in.offset() < m_packetsEnd) {
            const std::uint64_t at = m_in.offset();
            const std::uint64_t left = m_packetsEnd - at;
            if (left < sizeof(PacketHeader))
                fail(at, "truncated: a packet header needs 8 bytes, " + std::to_string(left) + " are left" + end);
            PacketHeader ph{};
            m_in.read(&ph, sizeof ph, "a packet header");
            const std::int32_t id = flatbuffers::EndianScalar(ph.streamId);
            const std::int32_t size = flatbuffers::EndianScalar(ph.size);
            if (size < 0 || std::uint64_t(size) > left - sizeof ph)
                fail(at, "a packet of stream " + std::to_string(id) + " claims " + std::to_string(size) + " bytes, " +
                             std::to_string(left - sizeof ph) + " are left" + end);
            if (std::size_t(size) > kMaxPacketBytes)
                fail(at, "a packet of stream " + std::to_string(id) + " claims " + std::to_string(size) +
                             " bytes, more than the " + std::to_string(kMaxPacketBytes) + " a packet can be");
            const Stream* s = streamOf(id);
            if (!s)
                fail(at, "a packet of stream " + std::to_string(id) + ", which the header does not declare (it declares " +
                             declaredIds() + ")");
            if (s != m_event) {
                m_header.skip(skippedName(*s));
                m_in.seek(m_in.offset() + std::uint64_t(size), "the next packet");
                continue;
            }
            events(unpack(std::size_t(size), at, "the event packet"), at);
        }
    }

    void events(std::span<const std::uint8_t> bytes, std::uint64_t at)
    {
        const EventPacketTable* p = root<EventPacketTable>(bytes, "EVTS", at, "the event packet");
        const auto* elements = p->elements();
        if (!elements)
            return;
        // Structs are aligned to their largest field; the verifier checks only the length's alignment.
        if ((elements->Data() - bytes.data()) % alignof(EventStruct) != 0)
            fail(at, "the event packet's vector of events is misaligned (corrupt flatbuffer)");
        const int w = m_header.sensor.width, h = m_header.sensor.height;
        for (flatbuffers::uoffset_t i = 0; i < elements->size(); ++i) {
            const EventStruct* e = elements->Get(i);
            Event ev;
            ev.t_us = flatbuffers::EndianScalar(e->timestamp);
            ev.x = flatbuffers::EndianScalar(e->x);
            ev.y = flatbuffers::EndianScalar(e->y);
            ev.p = e->polarity != 0;
            if (ev.x < 0 || ev.y < 0 || (w > 0 && (ev.x >= w || ev.y >= h)))
                fail(at, "event " + std::to_string(i) + " of the packet lies at (" + std::to_string(ev.x) + ", " +
                             std::to_string(ev.y) + "), " +
                             (ev.x < 0 || ev.y < 0 ? std::string("a negative coordinate")
                                                   : "outside the " + std::to_string(w) + " x " + std::to_string(h) +
                                                         " sensor the header declares"));
            m_out.push(ev);
        }
    }

    /// The `size` bytes at the offset, decompressed when the file is compressed: one or more
    /// LZ4 / Zstd frames, into a buffer that grows with the output up to kMaxPacketBytes.
    std::span<const std::uint8_t> unpack(std::size_t size, std::uint64_t at, const std::string& what)
    {
        std::vector<std::uint8_t>& raw = m_compression == Compression::None ? m_plain : m_raw;
        raw.resize(size);
        m_in.read(raw.data(), size, what.c_str());
        if (m_compression == Compression::None)
            return {raw.data(), size};
        std::size_t in = 0, out = 0;
        for (;;) {
            if (out == m_plain.size()) {
                if (m_plain.size() >= kMaxPacketBytes)
                    fail(at, what + " decompresses to more than " + std::to_string(kMaxPacketBytes) + " bytes");
                m_plain.resize(std::min(kMaxPacketBytes, std::max<std::size_t>(2 * m_plain.size(), std::size_t(1) << 16)));
            }
            std::size_t consumed = size - in, produced = m_plain.size() - out, more = 0;
            if (m_lz4) {
                more = LZ4F_decompress(m_lz4.get(), m_plain.data() + out, &produced, raw.data() + in, &consumed, nullptr);
                if (LZ4F_isError(more))
                    fail(at, what + ": LZ4 decompression failed (" + LZ4F_getErrorName(more) + ")");
            } else {
                ZSTD_inBuffer src{raw.data(), size, in};
                ZSTD_outBuffer dst{m_plain.data(), m_plain.size(), out};
                more = ZSTD_decompressStream(m_zstd.get(), &dst, &src);
                if (ZSTD_isError(more))
                    fail(at, what + ": Zstd decompression failed (" + ZSTD_getErrorName(more) + ")");
                consumed = src.pos - in;
                produced = dst.pos - out;
            }
            in += consumed;
            out += produced;
            // Done when the input is used up and the decoder has nothing left to write (room
            // remains); a frame still open then is cut short.
            if (in == size && (more == 0 || out < m_plain.size())) {
                if (more != 0)
                    fail(at, what + ": the compressed frame ends early (truncated, or not " +
                                 kCompressionNames[int(m_compression)] + " data)");
                return {m_plain.data(), out};
            }
            if (consumed == 0 && produced == 0 && out < m_plain.size())
                fail(at, what + ": the decompressor makes no progress (corrupt data)");
        }
    }

    /// The root table of a size-prefixed flatbuffer with identifier `id`, verified.
    template <typename T>
    const T* root(std::span<const std::uint8_t> b, const char* id, std::uint64_t at, const std::string& what) const
    {
        if (b.size() < 12)
            fail(at, what + " holds " + std::to_string(b.size()) + " bytes, too few for a flatbuffer");
        const std::uint32_t prefix = flatbuffers::ReadScalar<std::uint32_t>(b.data());
        if (prefix != b.size() - 4)
            fail(at, what + ": the flatbuffer's size prefix says " + std::to_string(prefix) + " bytes, it holds " +
                         std::to_string(b.size() - 4));
        if (!flatbuffers::BufferHasIdentifier(b.data(), id, true))
            fail(at, what + " is not a \"" + id + "\" flatbuffer (its identifier is \"" +
                         std::string(flatbuffers::GetBufferIdentifier(b.data(), true), 4) + "\")");
        flatbuffers::Verifier v(b.data(), b.size());
        if (!v.VerifySizePrefixedBuffer<T>(id))
            fail(at, what + ": the \"" + id + "\" flatbuffer fails verification (corrupt)");
        return flatbuffers::GetSizePrefixedRoot<T>(b.data());
    }

    struct TableSummary {
        std::uint64_t packets = 0, eventPackets = 0, events = 0;
        std::int64_t tFirst = INT64_MAX, tLast = INT64_MIN;
    };

    StreamFile m_in;
    EventChunker m_out;
    RecordingHeader m_header;
    Compression m_compression = Compression::None;
    std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)> m_lz4{nullptr, LZ4F_freeDecompressionContext};
    std::unique_ptr<ZSTD_DCtx, decltype(&ZSTD_freeDCtx)> m_zstd{nullptr, ZSTD_freeDCtx};
    std::vector<std::uint8_t> m_raw, m_plain;  ///< one packet as stored and as decompressed
    std::vector<Stream> m_streams;
    const Stream* m_event = nullptr;           ///< the stream read: the first EVTS one
    std::int64_t m_tablePosition = -1;
    std::uint64_t m_packetsStart = 0, m_packetsEnd = 0;
    std::optional<TableSummary> m_table;
};

bool detectAedat4(const PathProbe& probe) { return probe.startsWith("#!AER-DAT4.0"); }

RecordingHeader readAedat4(const std::string& file, const EventSink& sink) { return Aedat4Reader(file, sink).read(); }

} // namespace

extern const RecordingFormat kAedat4Recording{
    .name = "aedat4",
    .display = "AEDAT 4.0",
    .look_for = "a file starting with #!AER-DAT4.0 (iniVation DV)",
    .detect = detectAedat4,
    .read = readAedat4,
};

} // namespace tp
