// Tests for safetensors checkpoints (nn/io/safetensors.h): bit-exact round trips, the exact bytes we write
// (read back here by hand, not with our reader), a file assembled byte by byte in the test, load_into's
// all-or-nothing behaviour, one rejected file per kind of corruption with the reason in the message,
// every truncation and single-byte corruption of a valid file, atomic saves, and the seed corpus.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "nn/io/safetensors.h"

using namespace gs;
using namespace gs::io;
namespace fs = std::filesystem;

namespace {

::testing::AssertionResult has(const std::string& text, const std::string& part) {
    if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

std::string read_bytes(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

void write_bytes(const std::string& path, const std::string& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), std::streamsize(bytes.size()));
}

// n as 8 little-endian bytes, least significant first.
std::string le64(uint64_t n) {
    std::string out(8, '\0');
    for (int i = 0; i < 8; i++) out[size_t(i)] = char(n >> (8 * i));
    return out;
}

// The 8-byte length, the header, the data: a safetensors file built by hand.
std::string file_bytes(const std::string& header, const std::string& data) {
    return le64(header.size()) + header + data;
}

template <typename T>
std::string raw(const std::vector<T>& v) {
    return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

uint64_t header_length(const std::string& file) {
    uint64_t n = 0;
    for (int i = 7; i >= 0; i--) n = n << 8 | static_cast<unsigned char>(file[size_t(i)]);
    return n;
}

bool same_bits(const Tensor& a, const Tensor& b) {
    return a.shape() == b.shape() && std::memcmp(a.data(), b.data(), size_t(a.numel()) * sizeof(real)) == 0;
}

float from_bits(uint32_t bits) {
    float f;
    std::memcpy(&f, &bits, 4);
    return f;
}

}  // namespace

class Safetensors : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override {
        char tmpl[] = "/tmp/gs_safetensors_XXXXXX";
        ASSERT_NE(mkdtemp(tmpl), nullptr);
        dir = tmpl;
    }
    void TearDown() override { fs::remove_all(dir); }
    std::string path(const std::string& name) const { return dir + "/" + name; }

    std::vector<std::string> listing() const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }

    // Writes `bytes` to a file and loads it: "" if it loaded, else the message, which must name the file.
    // A fresh file each time: on some filesystems truncating and rewriting one costs milliseconds.
    std::string load_error(const std::string& bytes) {
        std::string p = path("case" + std::to_string(cases++) + ".safetensors");
        write_bytes(p, bytes);
        std::string msg;
        try {
            load_safetensors(p);
        } catch (const std::runtime_error& e) {
            EXPECT_TRUE(has(e.what(), "load_safetensors: " + p + ": "));
            msg = e.what();
        }
        fs::remove(p);
        return msg;
    }
    int cases = 0;

    // A valid file with one 2-element F32 tensor "w", the entry built from `fields`.
    std::string load_error_for_entry(const std::string& fields, const std::string& data = raw<float>({1, 2})) {
        return load_error(file_bytes("{\"w\":{" + fields + "}}", data));
    }
};

// ---- writing and reading back ----

TEST_F(Safetensors, RoundTripIsBitExact) {
    Tensor special = Tensor::from(
        {6}, {-0.0f, from_bits(1), std::numeric_limits<real>::infinity(), -std::numeric_limits<real>::infinity(),
              from_bits(0x7fc00001), std::numeric_limits<real>::max()});   // -0, denormal, inf, NaN payload
    Rng rng(7);
    std::vector<std::pair<std::string, Tensor>> ts = {
        {"transformer.wte.weight", Tensor::randn({5, 3}, rng)},
        {"scalar", Tensor::scalar(3.25f)},   // 0-d
        {"empty", Tensor::zeros({0, 4})},    // no bytes at all
        {"special", special},
        {"bias", Tensor::randn({3}, rng)},
    };
    std::map<std::string, std::string> meta = {
        {"step", "5000"},
        {"caf\xC3\xA9 \xF0\x9F\x98\x80", "quote\" backslash\\ newline\n tab\t ctrl\x01 del\x7f"},
        {"", ""},
    };
    save_safetensors(path("m.safetensors"), ts, meta);
    SafetensorsFile f = load_safetensors(path("m.safetensors"));
    ASSERT_EQ(f.tensors.size(), ts.size());
    for (size_t i = 0; i < ts.size(); i++) {
        EXPECT_EQ(f.tensors[i].first, ts[i].first);   // saved order is byte order is load order
        EXPECT_TRUE(same_bits(f.tensors[i].second, ts[i].second)) << ts[i].first;
        EXPECT_FALSE(f.tensors[i].second.shares_storage_with(ts[i].second));
    }
    EXPECT_EQ(f.metadata, meta);
}

TEST_F(Safetensors, WritesExactlyTheSpecifiedBytes) {
    // Read back without our reader: the 8 length bytes by hand, the header compared as text, the
    // data as raw little-endian floats.
    Tensor a = Tensor::from({2, 3}, {1, 2, 3, 4, 5, 6});
    save_safetensors(path("a.safetensors"), {{"a", a}, {"b", Tensor::scalar(7)}}, {{"k", "v"}});
    std::string file = read_bytes(path("a.safetensors"));
    std::string json = R"({"__metadata__":{"k":"v"},"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},)"
                       R"("b":{"dtype":"F32","shape":[],"data_offsets":[24,28]}})";
    std::string padded = json + std::string((8 - json.size() % 8) % 8, ' ');
    ASSERT_EQ(header_length(file), padded.size());
    EXPECT_EQ(file.substr(8, padded.size()), padded);
    ASSERT_EQ(file.size(), 8 + padded.size() + 28);   // 6 + 1 floats
    EXPECT_EQ(file.substr(8 + padded.size()), raw<float>({1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(Safetensors, HeaderIsPaddedToAMultipleOf8) {
    for (int len = 1; len <= 16; len++) {
        std::string name(size_t(len), 'x');
        save_safetensors(path("p.safetensors"), {{name, Tensor::ones({3})}});
        std::string file = read_bytes(path("p.safetensors"));
        uint64_t n = header_length(file);
        EXPECT_EQ(n % 8, 0u) << "name length " << len;
        std::string header = file.substr(8, n);
        size_t close = header.rfind('}');
        EXPECT_EQ(header.find_first_not_of(' ', close + 1), std::string::npos);   // only spaces after '}'
        EXPECT_LT(header.size() - close - 1, 8u);
        EXPECT_EQ(file.size(), 8 + n + 12);
        EXPECT_EQ(load_safetensors(path("p.safetensors")).tensors[0].first, name);
    }
}

TEST_F(Safetensors, LoadsAHandBuiltForeignFile) {
    // Written as another program might: keys in another order, whitespace, metadata between tensors,
    // entries not in byte order, an F64 tensor, and a header length that is not a multiple of 8.
    std::string header = R"({
        "b": {"shape": [3], "data_offsets": [16, 28], "dtype": "F32"},
        "__metadata__": {"format": "pt", "note": "caf\u00e9"},
        "a": {"data_offsets": [0, 16], "dtype": "F64", "shape": [2]},
        "z": {"dtype": "F32", "shape": [0], "data_offsets": [28, 28]}
    })";
    std::string data = raw<double>({0.5, 0.1}) + raw<float>({1, -2.25f, 3e-3f});
    write_bytes(path("f.safetensors"), file_bytes(header, data));
    SafetensorsFile f = load_safetensors(path("f.safetensors"));
    ASSERT_EQ(f.tensors.size(), 3u);
    EXPECT_EQ(f.tensors[0].first, "a");   // sorted by position in the data section
    EXPECT_EQ(f.tensors[1].first, "b");
    EXPECT_EQ(f.tensors[2].first, "z");
    EXPECT_EQ(f.tensors[0].second.shape(), (Shape{2}));
    EXPECT_EQ(f.tensors[0].second.to_vector(), (std::vector<real>{real(0.5), real(0.1)}));   // F64 rounded to real
    EXPECT_EQ(f.tensors[1].second.to_vector(), (std::vector<real>{1, -2.25f, 3e-3f}));
    EXPECT_EQ(f.tensors[2].second.shape(), (Shape{0}));
    EXPECT_EQ(f.metadata, (std::map<std::string, std::string>{{"format", "pt"}, {"note", "caf\xC3\xA9"}}));
}

TEST_F(Safetensors, LoadsFilesWithNoTensors) {
    EXPECT_EQ(load_error(file_bytes("{}", "")), "");
    EXPECT_EQ(load_error(file_bytes("{}      ", "")), "");
    save_safetensors(path("e.safetensors"), {});
    SafetensorsFile f = load_safetensors(path("e.safetensors"));
    EXPECT_TRUE(f.tensors.empty());
    EXPECT_TRUE(f.metadata.empty());
}

TEST_F(Safetensors, OverwritesAnExistingFileAndLeavesNoTempFiles) {
    save_safetensors(path("c.safetensors"), {{"w", Tensor::ones({4})}});
    save_safetensors(path("c.safetensors"), {{"w", Tensor::full({2}, 5)}});
    EXPECT_EQ(load_safetensors(path("c.safetensors")).tensors[0].second.to_vector(), (std::vector<real>{5, 5}));
    EXPECT_EQ(listing(), (std::vector<std::string>{"c.safetensors"}));
}

TEST_F(Safetensors, SaveRejectsBadArgumentsBeforeTouchingTheDisk) {
    std::string p = path("bad.safetensors");
    auto message = [&](const std::vector<std::pair<std::string, Tensor>>& ts,
                       const std::map<std::string, std::string>& meta = {}) -> std::string {
        try {
            save_safetensors(p, ts, meta);
        } catch (const std::invalid_argument& e) {
            return e.what();
        }
        return "";
    };
    Tensor t = Tensor::ones({2});
    EXPECT_TRUE(has(message({{"w", t}, {"b", t}, {"w", t}}), "save_safetensors: duplicate tensor name \"w\""));
    EXPECT_TRUE(has(message({{"__metadata__", t}}), "\"__metadata__\" is reserved"));
    EXPECT_TRUE(has(message({{"w", Tensor()}}), "tensor \"w\" is undefined"));
    EXPECT_TRUE(has(message({{"bad\xFF", t}}), "not valid UTF-8"));
    EXPECT_TRUE(has(message({{"w", t}}, {{"k", "\xC0\xAF"}}), "not valid UTF-8"));
    EXPECT_TRUE(listing().empty());
}

// ---- atomic writes ----

TEST_F(Safetensors, FailedSaveIntoMissingDirectoryLeavesNothing) {
    std::string p = path("no/such/dir/m.safetensors");
    try {
        save_safetensors(p, {{"w", Tensor::ones({2})}});
        FAIL() << "saving into a missing directory succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_TRUE(has(e.what(), "save_safetensors: " + p + ": cannot create temporary file"));
        EXPECT_TRUE(has(e.what(), std::strerror(ENOENT)));
    }
    EXPECT_TRUE(listing().empty());
}

TEST_F(Safetensors, FailedRenameRemovesTheTempFileAndKeepsWhatWasThere) {
    // The target is a non-empty directory: the temp file is written in full, then rename() fails.
    fs::create_directory(path("ckpt"));
    write_bytes(path("ckpt/keep"), "old");
    try {
        save_safetensors(path("ckpt"), {{"w", Tensor::ones({1000})}});
        FAIL() << "renaming over a directory succeeded";
    } catch (const std::runtime_error& e) {
        EXPECT_TRUE(has(e.what(), "save_safetensors: " + path("ckpt") + ": cannot rename"));
    }
    EXPECT_EQ(listing(), (std::vector<std::string>{"ckpt"}));   // no temp file left beside it
    EXPECT_EQ(read_bytes(path("ckpt/keep")), "old");
}

TEST_F(Safetensors, FailedSaveKeepsTheExistingCheckpoint) {
    save_safetensors(path("c.safetensors"), {{"w", Tensor::ones({3})}});
    std::string before = read_bytes(path("c.safetensors"));
    EXPECT_THROW(save_safetensors(path("c.safetensors"), {{"w", Tensor::ones({3})}, {"w", Tensor::ones({3})}}),
                 std::invalid_argument);
    EXPECT_EQ(read_bytes(path("c.safetensors")), before);
    EXPECT_EQ(listing(), (std::vector<std::string>{"c.safetensors"}));
}

// ---- load_into ----

TEST_F(Safetensors, LoadIntoCopiesEveryParameter) {
    Rng rng(1);
    Tensor w = Tensor::randn({3, 4}, rng), b = Tensor::randn({4}, rng);
    save_safetensors(path("m.safetensors"), {{"w", w}, {"b", b}}, {{"step", "12"}});
    Tensor w2 = Tensor::zeros({3, 4}).requires_grad_(), b2 = Tensor::zeros({4});
    auto meta = load_into(path("m.safetensors"), {{"b", b2}, {"w", w2}});   // any order
    EXPECT_TRUE(same_bits(w2, w));
    EXPECT_TRUE(same_bits(b2, b));
    EXPECT_TRUE(w2.requires_grad());
    EXPECT_EQ(meta, (std::map<std::string, std::string>{{"step", "12"}}));
}

TEST_F(Safetensors, LoadIntoRejectsMismatchesAndChangesNothing) {
    save_safetensors(path("m.safetensors"),
                     {{"a", Tensor::ones({2, 3})}, {"b", Tensor::ones({4})}, {"c", Tensor::ones({1})}});
    // the model: "a" has the wrong shape, "b" matches, "d" is not in the file, "c" is not in the model
    Tensor a = Tensor::full({3, 2}, -1), b = Tensor::full({4}, -1), d = Tensor::full({5}, -1);
    try {
        load_into(path("m.safetensors"), {{"a", a}, {"b", b}, {"d", d}});
        FAIL() << "a mismatched checkpoint loaded";
    } catch (const std::runtime_error& e) {
        EXPECT_TRUE(has(e.what(), "load_into: " + path("m.safetensors") + " does not match the model:"));
        EXPECT_TRUE(has(e.what(), "missing from the file: \"d\""));
        EXPECT_TRUE(has(e.what(), "not in the model: \"c\""));
        EXPECT_TRUE(has(e.what(), "\"a\" is [2, 3] in the file but [3, 2] in the model"));
    }
    // nothing half-loaded: even "b", which matched, still holds its old values
    for (const Tensor& t : {a, b, d})
        for (real v : t.to_vector()) EXPECT_EQ(v, -1);

    // each problem alone is enough
    EXPECT_THROW(load_into(path("m.safetensors"), {{"a", Tensor::zeros({2, 3})}, {"b", b}}), std::runtime_error);
    EXPECT_THROW(
        load_into(path("m.safetensors"), {{"a", Tensor::zeros({2, 3})}, {"b", b}, {"c", Tensor::zeros({1})}, {"d", d}}),
        std::runtime_error);
    EXPECT_THROW(load_into(path("m.safetensors"), {{"a", Tensor::zeros({6})}, {"b", b}, {"c", Tensor::zeros({1})}}),
                 std::runtime_error);
    EXPECT_EQ(b.to_vector(), (std::vector<real>{-1, -1, -1, -1}));
    // and a bad file leaves the parameters alone too
    write_bytes(path("bad.safetensors"), "garbage!");
    EXPECT_THROW(load_into(path("bad.safetensors"), {{"b", b}}), std::runtime_error);
    EXPECT_EQ(b.to_vector(), (std::vector<real>{-1, -1, -1, -1}));
}

// H3 of issue 11: a file with thousands of names, none the model's, made a message of megabytes.
// Each list names a few and counts the rest.
TEST_F(Safetensors, LoadIntoListsAFewNamesAndCountsTheRest) {
    std::vector<std::pair<std::string, Tensor>> in_file, model;
    for (int i = 0; i < 1000; i++) {
        in_file.push_back({"file." + std::to_string(i), Tensor::zeros({1})});
        model.push_back({"model." + std::to_string(i), Tensor::zeros({1})});
    }
    save_safetensors(path("many.safetensors"), in_file);
    try {
        load_into(path("many.safetensors"), model);
        FAIL();
    } catch (const std::runtime_error& e) {
        std::string msg = e.what();
        EXPECT_LT(msg.size(), 400u) << msg;
        EXPECT_TRUE(has(msg, "missing from the file: \"model.0\", \"model.1\", \"model.2\" and 997 more;"));
        EXPECT_TRUE(has(msg, "not in the model: \"file.0\", \"file.1\", \"file.2\" and 997 more"));
    }
}

TEST_F(Safetensors, LoadIntoRejectsDuplicateParameterNames) {
    save_safetensors(path("m.safetensors"), {{"w", Tensor::ones({2})}});
    Tensor w = Tensor::zeros({2});
    EXPECT_THROW(load_into(path("m.safetensors"), {{"w", w}, {"w", w}}), std::invalid_argument);
}

// ---- corrupt files: each rejected, saying why ----

TEST_F(Safetensors, RejectsMissingFilesAndDirectories) {
    try {
        load_safetensors(path("nope.safetensors"));
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_TRUE(has(e.what(), path("nope.safetensors") + ": cannot open: " + std::strerror(ENOENT)));
    }
    try {
        load_safetensors(dir);
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_TRUE(has(e.what(), dir + ": is a directory"));
    }
}

// H5 of issue 11: open() of a FIFO blocks until a writer comes; the reader opens without blocking and
// refuses anything that is not a regular file.
TEST_F(Safetensors, RefusesAFifoWithoutWaitingForAWriter) {
    ASSERT_EQ(::mkfifo(path("fifo.safetensors").c_str(), 0600), 0);
    try {
        load_safetensors(path("fifo.safetensors"));
        FAIL();
    } catch (const std::runtime_error& e) {
        EXPECT_TRUE(has(e.what(), path("fifo.safetensors") + ": is not a regular file"));
    }
}

TEST_F(Safetensors, RejectsFilesShorterThan8Bytes) {
    for (size_t n = 0; n < 8; n++)
        EXPECT_TRUE(has(load_error(std::string(n, '\0')), "file is " + std::to_string(n) + " bytes, too short"));
}

TEST_F(Safetensors, RejectsBadHeaderLengths) {
    EXPECT_TRUE(has(load_error(le64(UINT64_MAX) + "{}"), "header length 18446744073709551615 is absurd"));
    EXPECT_TRUE(
        has(load_error(le64(100000001) + "{}"), "header length 100000001 is absurd (the limit is 100000000 bytes)"));
    // 100 header bytes claimed in a 20-byte file
    EXPECT_TRUE(
        has(load_error(le64(100) + "{}          "), "header length 100 runs past the end of the file (20 bytes)"));
    EXPECT_TRUE(
        has(load_error(le64(13) + "{}          "), "header length 13 runs past the end of the file (20 bytes)"));
    EXPECT_TRUE(has(load_error(file_bytes("", "")), "header is not valid JSON: json: unexpected end of input"));
}

TEST_F(Safetensors, RejectsHeadersThatAreNotAJsonObject) {
    EXPECT_TRUE(has(load_error(file_bytes("{\"w\":", "")), "header is not valid JSON: json: unexpected end of input"));
    EXPECT_TRUE(has(load_error(file_bytes("{\"a\":1,}", "")), "expected a string key in object at byte 7"));
    EXPECT_TRUE(has(load_error(file_bytes("{} x", "")), "unexpected text after the JSON value at byte 3"));
    EXPECT_TRUE(has(load_error(file_bytes("\"\xFF\"", "")), "invalid UTF-8"));
    EXPECT_TRUE(has(load_error(file_bytes(std::string(100, '[') + std::string(100, ']'), "")), "nesting deeper"));
    EXPECT_TRUE(has(load_error(file_bytes("[]", "")), "header is an array, not a JSON object"));
    EXPECT_TRUE(has(load_error(file_bytes("\"w\"", "")), "header is a string, not a JSON object"));
    EXPECT_TRUE(has(load_error(file_bytes("{\"w\":\"F32\"}", "")), "tensor \"w\": entry is a string, not an object"));
}

TEST_F(Safetensors, RejectsEntriesWithMissingOrMistypedFields) {
    std::string dtype = "\"dtype\":\"F32\"", shape = "\"shape\":[2]", offsets = "\"data_offsets\":[0,8]";
    EXPECT_EQ(load_error_for_entry(dtype + "," + shape + "," + offsets), "");   // the valid baseline
    EXPECT_TRUE(has(load_error_for_entry(shape + "," + offsets), "tensor \"w\": missing \"dtype\""));
    EXPECT_TRUE(has(load_error_for_entry(dtype + "," + offsets), "tensor \"w\": missing \"shape\""));
    EXPECT_TRUE(has(load_error_for_entry(dtype + "," + shape), "tensor \"w\": missing \"data_offsets\""));
    EXPECT_TRUE(
        has(load_error_for_entry("\"dtype\":32," + shape + "," + offsets), "\"dtype\" is an integer, not a string"));
    EXPECT_TRUE(
        has(load_error_for_entry(dtype + ",\"shape\":\"2\"," + offsets), "\"shape\" is a string, not an array"));
    EXPECT_TRUE(
        has(load_error_for_entry(dtype + "," + shape + ",\"data_offsets\":[8]"), "must be an array of two integers"));
    EXPECT_TRUE(
        has(load_error_for_entry(dtype + "," + shape + ",\"data_offsets\":{}"), "must be an array of two integers"));
    EXPECT_TRUE(has(load_error_for_entry(dtype + "," + shape + ",\"data_offsets\":[0,\"8\"]"),
                    "data_offsets must be non-negative integers, got a string"));
    EXPECT_TRUE(has(load_error_for_entry(dtype + "," + shape + "," + offsets + ",\"extra\":1"),
                    "tensor \"w\": unexpected field \"extra\""));
}

TEST_F(Safetensors, RejectsUnsupportedDtypesByName) {
    for (std::string dt : {"F16", "BF16", "I64", "I32", "U8", "BOOL", "f32", ""})
        EXPECT_TRUE(has(load_error_for_entry("\"dtype\":\"" + dt + "\",\"shape\":[2],\"data_offsets\":[0,8]"),
                        "tensor \"w\": dtype \"" + dt + "\" is not supported (gradschool reads F32 and F64)"));
}

TEST_F(Safetensors, RejectsBadShapeDims) {
    auto entry = [](const std::string& shape) {
        return "\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,8]";
    };
    EXPECT_TRUE(has(load_error_for_entry(entry("[-2]")), "shape dims must be non-negative integers, got -2"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[2.0]")), "shape dims must be non-negative integers, got a number"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[1.5]")), "got a number"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[\"2\"]")), "got a string"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[null]")), "got a null"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[4294967296,4294967296,4]")), "more elements than int64 can count"));
    // a zero dim does not excuse an overflowing shape
    EXPECT_TRUE(has(load_error_for_entry(entry("[9223372036854775807,2,0]")), "more elements than int64"));
}

TEST_F(Safetensors, RejectsSizeAndOffsetMismatches) {
    auto entry = [](const std::string& shape, const std::string& offsets) {
        return "\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":" + offsets;
    };
    // [2, 2] of F32 is 16 bytes, but the offsets give 8
    EXPECT_TRUE(has(load_error_for_entry(entry("[2,2]", "[0,8]")),
                    "data_offsets [0, 8] hold 8 bytes, but shape [2, 2] is 4 elements of 4 bytes"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[]", "[0,8]")), "hold 8 bytes, but shape [] is 1 elements"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[4]", "[0,16]")),
                    "data_offsets [0, 16] run past the end of the data section (8 bytes)"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[2]", "[8,0]")), "data_offsets [8, 0] end before they begin"));
    EXPECT_TRUE(
        has(load_error_for_entry(entry("[2]", "[-8,0]")), "data_offsets must be non-negative integers, got -8"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[2]", "[0,8.0]")), "got a number"));
    EXPECT_TRUE(has(load_error_for_entry(entry("[2]", "[0,18446744073709551616]")), "got a number"));
    // F64 needs 8 bytes per element: 2 of them do not fit in 8 bytes
    EXPECT_TRUE(has(load_error_for_entry("\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[0,8]"),
                    "hold 8 bytes, but shape [2] is 2 elements of 8 bytes"));
}

TEST_F(Safetensors, RejectsOverlapsGapsAndSpareBytes) {
    auto two = [](const std::string& a_offsets, const std::string& b_offsets) {
        return "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + a_offsets +
               "},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":" + b_offsets + "}}";
    };
    std::string data8 = raw<float>({1, 2}), data12 = raw<float>({1, 2, 3});
    EXPECT_EQ(load_error(file_bytes(two("[0,4]", "[4,8]"), data8)), "");
    EXPECT_TRUE(has(load_error(file_bytes(two("[0,4]", "[0,4]"), data8)), "tensors \"a\" and \"b\" overlap"));
    EXPECT_TRUE(
        has(load_error(file_bytes(two("[2,6]", "[0,4]"), data8)), "tensors \"b\" and \"a\" overlap (bytes 2 to 4)"));
    EXPECT_TRUE(has(load_error(file_bytes(two("[0,4]", "[8,12]"), data12)),
                    "gap of 4 unused bytes before tensor \"b\" (the tensors must cover the data section exactly)"));
    EXPECT_TRUE(
        has(load_error(file_bytes(two("[4,8]", "[8,12]"), data12)), "gap of 4 unused bytes before tensor \"a\""));
    EXPECT_TRUE(has(load_error(file_bytes(two("[0,4]", "[4,8]"), data12)),
                    "4 unused trailing bytes after the last tensor (data section is 12 bytes, tensors cover 8)"));
    EXPECT_TRUE(has(load_error(file_bytes("{}", "abc")), "3 unused trailing bytes"));
    // an empty tensor may sit at either end of another, but not inside one
    auto with_empty = [](const std::string& z_offsets) {
        return "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
               "\"z\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":" +
               z_offsets + "}}";
    };
    EXPECT_EQ(load_error(file_bytes(with_empty("[0,0]"), data8)), "");
    EXPECT_EQ(load_error(file_bytes(with_empty("[8,8]"), data8)), "");
    EXPECT_TRUE(has(load_error(file_bytes(with_empty("[4,4]"), data8)), "tensors \"a\" and \"z\" overlap"));
}

TEST_F(Safetensors, RejectsBadMetadata) {
    EXPECT_TRUE(has(load_error(file_bytes("{\"__metadata__\":{\"k\":1}}", "")),
                    "__metadata__ value for \"k\" is an integer, not a string"));
    EXPECT_TRUE(
        has(load_error(file_bytes("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}", "")), "is an object, not a string"));
    EXPECT_TRUE(
        has(load_error(file_bytes("{\"__metadata__\":[\"k\"]}", "")), "__metadata__ is an array, not an object"));
    EXPECT_TRUE(has(load_error(file_bytes("{\"__metadata__\":null}", "")), "__metadata__ is a null, not an object"));
    EXPECT_EQ(load_error(file_bytes("{\"__metadata__\":{}}", "")), "");
}

TEST_F(Safetensors, RejectsDuplicateKeys) {
    std::string w = "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
    EXPECT_TRUE(has(load_error(file_bytes("{\"w\":" + w + ",\"w\":" + w + "}", raw<float>({1}))),
                    "header is not valid JSON: json: duplicate key \"w\""));
    EXPECT_TRUE(
        has(load_error(file_bytes("{\"__metadata__\":{},\"__metadata__\":{}}", "")), "duplicate key \"__metadata__\""));
    EXPECT_TRUE(has(load_error(file_bytes("{\"__metadata__\":{\"k\":\"a\",\"k\":\"b\"}}", "")), "duplicate key \"k\""));
    EXPECT_TRUE(
        has(load_error(file_bytes("{\"w\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", "")), "duplicate key \"dtype\""));
}

// ---- every truncation, every byte flip ----

TEST_F(Safetensors, RejectsEveryTruncation) {
    save_safetensors(path("v.safetensors"), {{"w", Tensor::arange(0, 6)}, {"s", Tensor::scalar(2)}}, {{"k", "v"}});
    std::string file = read_bytes(path("v.safetensors"));
    ASSERT_EQ(load_error(file), "");
    for (size_t n = 0; n < file.size(); n++) EXPECT_NE(load_error(file.substr(0, n)), "") << "truncated to " << n;
}

TEST_F(Safetensors, EverySingleByteCorruptionLoadsOrThrowsCleanly) {
    // A small fuzz: each byte XORed with a few masks must either load (a flip inside the data section
    // is just another float) or throw std::runtime_error; anything else fails the test.
    save_safetensors(path("v.safetensors"), {{"w", Tensor::arange(0, 3)}, {"e", Tensor::zeros({0})}}, {{"k", "v"}});
    std::string file = read_bytes(path("v.safetensors"));
    size_t rejected = 0, header_end = 8 + header_length(file);
    for (size_t i = 0; i < file.size(); i++)
        for (unsigned char mask : {0x01, 0x20, 0x80, 0xFF}) {
            std::string bad = file;
            bad[i] = char(static_cast<unsigned char>(bad[i]) ^ mask);
            std::string msg = load_error(bad);
            if (!msg.empty()) rejected++;
            if (i >= header_end) {
                EXPECT_EQ(msg, "") << "a flipped data byte at " << i << " was rejected";
            }
        }
    EXPECT_GT(rejected, header_end);   // most header flips break something
}

// ---- the seed corpus for the fuzzer (tests/data/safetensors, made by make_seeds.py) ----

TEST_F(Safetensors, SeedCorpusLoadsOrFailsAsNamed) {
    std::string file = __FILE__;
    fs::path seeds = fs::path(file).parent_path() / "data" / "safetensors";
    if (!fs::is_directory(seeds))
        GTEST_SKIP() << "seed corpus not found at " << seeds << " (run from the repository root)";
    // why each invalid seed must be rejected
    std::map<std::string, std::string> why = {
        {"invalid_truncated.safetensors", "run past the end of the data section"},
        {"invalid_header_length.safetensors", "is absurd"},
        {"invalid_trailing_comma.safetensors", "expected a string key in object"},
        {"invalid_dtype_bf16.safetensors", "dtype \"BF16\" is not supported"},
        {"invalid_overlap.safetensors", "overlap"},
        {"invalid_trailing_bytes.safetensors", "unused trailing bytes"},
        {"invalid_duplicate_key.safetensors", "duplicate key"},
    };
    int valid = 0, invalid = 0;
    for (const auto& entry : fs::directory_iterator(seeds)) {
        std::string name = entry.path().filename().string();
        if (entry.path().extension() != ".safetensors") continue;
        std::string msg = load_error(read_bytes(entry.path().string()));
        if (name.rfind("valid_", 0) == 0) {
            EXPECT_EQ(msg, "") << name;
            valid++;
        } else {
            EXPECT_NE(msg, "") << name << " loaded";
            if (why.count(name)) {
                EXPECT_TRUE(has(msg, why[name])) << name;
            }
            invalid++;
        }
    }
    EXPECT_GE(valid, 3);
    EXPECT_GE(invalid, int(why.size()));
}
