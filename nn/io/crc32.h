// CRC-32, the checksum of zip, PNG and Ethernet (IEEE 802.3, reflected polynomial 0xEDB88320). It
// catches every burst of up to 32 flipped bits and all but 1 in 2^32 other corruptions; it is no
// defence against someone who edits a file on purpose, who can recompute it.
//
//   uint32_t c = crc32(header.data(), header.size());
//   c = crc32(data.data(), data.size(), c);        // continue over the next bytes
//   crc32_hex(c);                                   // "cbf43926" for the bytes "123456789"
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace gs::io {

// The CRC-32 of n bytes, continuing from `crc` (the CRC of the bytes before them; 0 to start).
uint32_t crc32(const void* data, size_t n, uint32_t crc = 0);
inline uint32_t crc32(const std::string& bytes, uint32_t crc = 0) { return crc32(bytes.data(), bytes.size(), crc); }

// Eight lowercase hex digits, as checkpoints store it.
std::string crc32_hex(uint32_t crc);

}  // namespace gs::io
