// The strict JSON reader behind safetensors headers: a recursive-descent parser that tracks its byte
// offset for error messages, plus string quoting. See json.h for what "strict" means.
#include "nn/io/json.h"

#include <charconv>
#include <functional>
#include <stdexcept>
#include <unordered_set>

#include "nn/io/utf8.h"

namespace gs::io {

const Json* Json::find(const std::string& key) const {
    for (const auto& member : object)
        if (member.first == key) return &member.second;
    return nullptr;
}

const char* json_type_name(Json::Type t) {
    switch (t) {
        case Json::Type::Null: return "null";
        case Json::Type::Bool: return "bool";
        case Json::Type::Integer: return "integer";
        case Json::Type::Number: return "number";
        case Json::Type::String: return "string";
        case Json::Type::Array: return "array";
        case Json::Type::Object: return "object";
    }
    return "?";
}

namespace {

// "'x'" for a printable character, "byte 0x01" otherwise, so error messages stay readable.
std::string char_name(char ch) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7F) return std::string("'") + ch + "'";
    const char* hex = "0123456789abcdef";
    return std::string("byte 0x") + hex[c >> 4] + hex[c & 15];
}

class Parser {
public:
    Parser(const std::string& text, int max_depth) : s_(text), max_depth_(max_depth) {}

    Json document() {
        skip_ws();
        Json v = value(0);
        skip_ws();
        if (pos_ != s_.size()) fail("unexpected text after the JSON value");
        return v;
    }

private:
    const std::string& s_;
    size_t pos_ = 0;
    int max_depth_;

    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("json: " + what + " at byte " + std::to_string(pos_));
    }
    bool at_end() const { return pos_ >= s_.size(); }
    char peek() const { return at_end() ? '\0' : s_[pos_]; }
    void skip_ws() {
        while (!at_end() && (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) pos_++;
    }
    // peek() gives '\0' at the end, which never equals the character we want
    void expect(char c, const char* what) {
        if (peek() != c) fail(std::string("expected ") + what);
        pos_++;
    }

    Json value(int depth) {
        if (at_end()) fail("unexpected end of input, expected a value");
        char c = s_[pos_];
        if (c == '{' || c == '[') {
            // recursion depth is bounded here, so a hostile "[[[[..." cannot overflow the stack
            if (depth + 1 > max_depth_) fail("nesting deeper than " + std::to_string(max_depth_) + " levels");
            return c == '{' ? object(depth + 1) : array(depth + 1);
        }
        Json v;
        if (c == '"') {
            v.type = Json::Type::String;
            v.string = string();
        } else if (c == '-' || (c >= '0' && c <= '9')) {
            v = number();
        } else if (literal("true")) {
            v.type = Json::Type::Bool;
            v.boolean = true;
        } else if (literal("false")) {
            v.type = Json::Type::Bool;
        } else if (!literal("null")) {
            fail("unexpected " + char_name(c) + ", expected a value");
        }
        return v;
    }

    bool literal(const char* word) {
        size_t n = std::char_traits<char>::length(word);
        if (s_.compare(pos_, n, word) != 0) return false;
        pos_ += n;
        return true;
    }

    Json object(int depth) {
        Json v;
        v.type = Json::Type::Object;
        // The keys seen so far, held as indices into v.object (which stay valid as it grows) and hashed
        // by the key they name: no key is copied, and a file with 50,000 keys (GPT-2's encoder.json)
        // is neither quadratic nor slowed by string comparisons down a tree.
        auto key_hash = [&v](size_t i) { return std::hash<std::string>()(v.object[i].first); };
        auto key_equal = [&v](size_t i, size_t j) { return v.object[i].first == v.object[j].first; };
        std::unordered_set<size_t, decltype(key_hash), decltype(key_equal)> keys(16, key_hash, key_equal);
        pos_++;   // '{'
        skip_ws();
        if (peek() == '}') {
            pos_++;
            return v;
        }
        while (true) {
            skip_ws();
            if (peek() != '"') fail("expected a string key in object");
            size_t key_pos = pos_;
            v.object.emplace_back(string(), Json());
            if (!keys.insert(v.object.size() - 1).second) {
                pos_ = key_pos;
                fail("duplicate key " + json_quote(v.object.back().first));
            }
            skip_ws();
            expect(':', "':' after object key");
            skip_ws();
            v.object.back().second = value(depth);
            skip_ws();
            if (peek() == ',') {
                pos_++;
                continue;
            }
            expect('}', "',' or '}' in object");
            return v;
        }
    }

    Json array(int depth) {
        Json v;
        v.type = Json::Type::Array;
        pos_++;   // '['
        skip_ws();
        if (peek() == ']') {
            pos_++;
            return v;
        }
        while (true) {
            skip_ws();
            v.array.push_back(value(depth));
            skip_ws();
            if (peek() == ',') {
                pos_++;
                continue;
            }
            expect(']', "',' or ']' in array");
            return v;
        }
    }

    // -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    Json number() {
        size_t start = pos_;
        auto digits = [&] {
            size_t from = pos_;
            while (!at_end() && s_[pos_] >= '0' && s_[pos_] <= '9') pos_++;
            if (pos_ == from) fail("expected a digit");
        };
        if (peek() == '-') pos_++;
        if (peek() == '0') {
            pos_++;
            if (peek() >= '0' && peek() <= '9') fail("leading zero in number");
        } else {
            digits();
        }
        bool integral = true;
        if (peek() == '.') {
            pos_++;
            digits();
            integral = false;
        }
        if (peek() == 'e' || peek() == 'E') {
            pos_++;
            if (peek() == '+' || peek() == '-') pos_++;
            digits();
            integral = false;
        }
        Json v;
        const char* first = s_.data() + start;
        const char* last = s_.data() + pos_;
        if (integral) {
            auto r = std::from_chars(first, last, v.integer);
            if (r.ec == std::errc()) {
                v.type = Json::Type::Integer;
                v.number = double(v.integer);
                return v;
            }   // past int64: fall through and keep it as a double
        }
        auto r = std::from_chars(first, last, v.number);   // locale-independent, unlike strtod
        if (r.ec != std::errc()) {
            pos_ = start;
            fail("number out of the range of a double");   // 1e400, and also underflows like 1e-400
        }
        v.type = Json::Type::Number;
        return v;
    }

    uint32_t hex4() {
        uint32_t cp = 0;
        for (int i = 0; i < 4; i++, pos_++) {
            char c = peek();
            int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
            if (d < 0) fail("expected 4 hex digits after \\u");
            cp = cp * 16 + uint32_t(d);
        }
        return cp;
    }

    // A \uXXXX escape, pos_ on the 'u'. Characters past U+FFFF come as a UTF-16 surrogate pair.
    uint32_t unicode_escape() {
        size_t start = pos_ - 1;
        pos_++;
        uint32_t cp = hex4();
        if (cp >= 0xDC00 && cp <= 0xDFFF) {
            pos_ = start;
            fail("lone low surrogate in \\u escape");
        }
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.compare(pos_, 2, "\\u") != 0) {
                pos_ = start;
                fail("high surrogate not followed by a low surrogate");
            }
            pos_ += 2;
            uint32_t lo = hex4();
            if (lo < 0xDC00 || lo > 0xDFFF) {
                pos_ = start;
                fail("high surrogate not followed by a low surrogate");
            }
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        return cp;
    }

    std::string string() {
        std::string out;
        pos_++;   // opening quote
        while (true) {
            if (at_end()) fail("unterminated string");
            unsigned char c = static_cast<unsigned char>(s_[pos_]);
            if (c == '"') {
                pos_++;
                return out;
            }
            if (c < 0x20) fail("unescaped control character in string");
            if (c >= 0x80) {
                uint32_t cp;
                const char* why;
                size_t bad;
                size_t n = utf8_next(reinterpret_cast<const unsigned char*>(s_.data()) + pos_, s_.size() - pos_, &cp,
                                     &why, &bad);
                if (n == 0) fail("invalid UTF-8 in string");
                out.append(s_, pos_, n);
                pos_ += n;
                continue;
            }
            if (c != '\\') {
                out += char(c);
                pos_++;
                continue;
            }
            pos_++;
            char e = peek();
            if (at_end()) fail("unterminated string");
            switch (e) {
                case '"': out += '"'; break;
                case '\\': out += '\\'; break;
                case '/': out += '/'; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': append_utf8(out, unicode_escape()); continue;   // hex4 moved past the digits
                default: fail("invalid escape: backslash then " + char_name(e));
            }
            pos_++;
        }
    }
};

}  // namespace

Json parse_json(const std::string& text, int max_depth) { return Parser(text, max_depth).document(); }

std::string json_quote(const std::string& s) {
    if (!is_valid_utf8(s)) throw std::invalid_argument("json_quote: string is not valid UTF-8");
    static const char* hex = "0123456789abcdef";
    std::string out = "\"";
    for (char ch : s) {
        unsigned char c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20) {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 15];
                } else {
                    out += ch;
                }
        }
    }
    return out + "\"";
}

}  // namespace gs::io
