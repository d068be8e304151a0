// CRC-32 (nn/io/crc32.h): the standard check value, the empty input, and that a CRC continued over
// pieces equals the CRC of the whole.
#include <gtest/gtest.h>

#include "nn/io/crc32.h"

using namespace gs::io;

TEST(Crc32, CheckValueOf123456789) {
    // the check value every CRC-32 (IEEE) implementation publishes
    EXPECT_EQ(crc32(std::string("123456789")), 0xCBF43926u);
    EXPECT_EQ(crc32_hex(crc32(std::string("123456789"))), "cbf43926");
    EXPECT_EQ(crc32(std::string()), 0u);
    EXPECT_EQ(crc32_hex(0x1234u), "00001234");
}

TEST(Crc32, ContinuesAcrossPieces) {
    std::string text = "The quick brown fox jumps over the lazy dog";
    EXPECT_EQ(crc32(text), 0x414FA339u);   // the other widely published value
    for (size_t cut = 0; cut <= text.size(); cut += 7)
        EXPECT_EQ(crc32(text.substr(cut), crc32(text.substr(0, cut))), crc32(text)) << "cut at " << cut;
}
