// Prophesee recordings written word by word from Metavision's format docs ("EVT 2.0 Format",
// "EVT 3.0 Format", "DAT File Format"): the fixtures of tests/datasets/test_prophesee.cpp and
// the seeds of tests/fuzz (make_seeds.cpp). Only what the docs state; no decoder here.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace tp_test::prophesee {

/// A file's bytes: header text, then little-endian words.
struct Bytes {
    std::string data;
    Bytes& text(const std::string& s)
    {
        data += s;
        return *this;
    }
    Bytes& u8(unsigned v)
    {
        data += char(v & 0xFF);
        return *this;
    }
    Bytes& u16(std::uint16_t v) { return u8(v).u8(v >> 8); }
    Bytes& u32(std::uint32_t v) { return u16(std::uint16_t(v)).u16(std::uint16_t(v >> 16)); }
    void save(const std::string& path) const { std::ofstream(path, std::ios::binary) << data; }
};

/// EVT 2.0: 32-bit words, type in bits 31..28.
namespace evt2 {
/// CD_OFF (p 0, type 0x0) / CD_ON (p 1, type 0x1): time bits 5..0 in 27..22, x in 21..11, y in 10..0.
inline std::uint32_t cd(unsigned p, unsigned tLow6, unsigned x, unsigned y)
{
    return std::uint32_t(p ? 0x1 : 0x0) << 28 | (tLow6 & 0x3F) << 22 | (x & 0x7FF) << 11 | (y & 0x7FF);
}
/// EVT_TIME_HIGH (0x8): time bits 33..6 in 27..0.
inline std::uint32_t timeHigh(std::uint32_t high28) { return 0x8u << 28 | (high28 & 0x0FFFFFFF); }
/// EXT_TRIGGER (0xA): time bits 5..0 in 27..22, channel id in 12..8, value in bit 0.
inline std::uint32_t trigger(unsigned value, unsigned id, unsigned tLow6)
{
    return 0xAu << 28 | (tLow6 & 0x3F) << 22 | (id & 0x1F) << 8 | (value & 1);
}
inline std::uint32_t others() { return 0xEu << 28; }
inline std::uint32_t continued(std::uint32_t payload) { return 0xFu << 28 | (payload & 0x0FFFFFFF); }
} // namespace evt2

/// EVT 3.0: 16-bit words, type in bits 15..12.
namespace evt3 {
inline std::uint16_t word(unsigned type, unsigned payload) { return std::uint16_t(type << 12 | (payload & 0xFFF)); }
inline std::uint16_t addrY(unsigned y) { return word(0x0, y & 0x7FF); }                         // EVT_ADDR_Y
inline std::uint16_t addrX(unsigned x, unsigned p) { return word(0x2, (p & 1) << 11 | (x & 0x7FF)); }  // EVT_ADDR_X
inline std::uint16_t baseX(unsigned x, unsigned p) { return word(0x3, (p & 1) << 11 | (x & 0x7FF)); }  // VECT_BASE_X
inline std::uint16_t vect12(unsigned valid) { return word(0x4, valid & 0xFFF); }                // VECT_12
inline std::uint16_t vect8(unsigned valid) { return word(0x5, valid & 0xFF); }                  // VECT_8
inline std::uint16_t timeLow(unsigned t) { return word(0x6, t); }                               // EVT_TIME_LOW: bits 11..0
inline std::uint16_t continued4(unsigned v) { return word(0x7, v & 0xF); }                      // CONTINUED_4
inline std::uint16_t timeHigh(unsigned t) { return word(0x8, t); }                              // EVT_TIME_HIGH: bits 23..12
inline std::uint16_t trigger(unsigned value, unsigned id) { return word(0xA, (id & 0xF) << 8 | (value & 1)); }  // EXT_TRIGGER
inline std::uint16_t others(unsigned v) { return word(0xE, v); }                                // OTHERS
inline std::uint16_t continued12(unsigned v) { return word(0xF, v); }                           // CONTINUED_12
} // namespace evt3

/// DAT: after the '%' header, event type and size bytes, then 8-byte events: uint32 time stamp,
/// uint32 with x in bits 13..0, y in 27..14, polarity in 31..28.
namespace dat {
constexpr unsigned kEvent2d = 0x00, kEventCd = 0x0C, kExtTrigger = 0x0E;
inline Bytes& event(Bytes& b, std::uint32_t t, unsigned x, unsigned y, unsigned p)
{
    return b.u32(t).u32((p & 0xF) << 28 | (y & 0x3FFF) << 14 | (x & 0x3FFF));
}
} // namespace dat

} // namespace tp_test::prophesee
