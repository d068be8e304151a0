// CRC-32 a byte at a time through a 256-entry table. See crc32.h.
#include "nn/io/crc32.h"

#include <cstdio>

namespace gs::io {

namespace {

// v[b]: the remainder of byte b shifted through the 8 steps of the polynomial division
struct Table {
    uint32_t v[256];
    Table() {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            v[i] = c;
        }
    }
};

}  // namespace

uint32_t crc32(const void* data, size_t n, uint32_t crc) {
    static const Table table;   // built on first use
    const uint32_t* t = table.v;
    const unsigned char* p = static_cast<const unsigned char*>(data);
    crc = ~crc;   // the register starts at all ones and the result is inverted, so continuing undoes that
    for (size_t i = 0; i < n; i++) crc = t[(crc ^ p[i]) & 0xFFu] ^ (crc >> 8);
    return ~crc;
}

std::string crc32_hex(uint32_t crc) {
    char hex[9];
    std::snprintf(hex, sizeof hex, "%08x", crc);
    return hex;
}

}  // namespace gs::io
