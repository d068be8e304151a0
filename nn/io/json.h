// A small, strict JSON reader and a string quoter: just enough for safetensors headers.
//
//   Json v = parse_json(R"({"shape": [2, 3], "dtype": "F32"})");
//   v.find("shape")->array[1].integer      // 3
//   json_quote("tab\there")                // "\"tab\\there\""
//
// Strict: the RFC 8259 grammar exactly (no comments, trailing commas, NaN or leading zeros), valid
// UTF-8 only, no lone surrogates, no duplicate keys in an object, nesting at most `max_depth` deep,
// numbers within a double's range (1e400 and even 1e-400 are rejected; safetensors needs neither).
// Left out: a JSON writer for whole values, and streaming (headers are small and read in one piece).
#pragma once
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gs::io {

struct Json {
    enum class Type { Null, Bool, Integer, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    int64_t integer = 0;   // Integer: a literal with no fraction or exponent that fits in int64, kept exact
    double number = 0;     // Number: every other numeric literal (and Integer's value, as a double)
    std::string string;                                  // UTF-8
    std::vector<Json> array;
    std::vector<std::pair<std::string, Json>> object;    // members in file order, keys unique

    // The member named `key` of an object, or nullptr (also for non-objects).
    const Json* find(const std::string& key) const;
};

// "null", "bool", "integer", "number", "string", "array", "object"
const char* json_type_name(Json::Type t);

// Parses a whole JSON text (surrounding whitespace allowed). Throws std::runtime_error saying what is
// wrong and where: `json: expected ':' after object key at byte 17`.
Json parse_json(const std::string& text, int max_depth = 64);

// `s` as a JSON string literal with quotes. Escapes '"', '\\' and control characters; other UTF-8
// passes through unchanged. Throws std::invalid_argument if `s` is not valid UTF-8.
std::string json_quote(const std::string& s);

}  // namespace gs::io
