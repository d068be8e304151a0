// The UTF-8 codec. See utf8.h.
#include "nn/io/utf8.h"

#include <cstdio>
#include <stdexcept>

namespace gs::io {

namespace {
// The one reason that means "well-formed so far, but more bytes are needed": compared by address.
const char kTruncated[] = "truncated sequence at end of input";
}  // namespace

// The lead byte fixes the length; narrowing the second byte's range is all it takes to refuse
// overlong forms (E0, F0), surrogates (ED) and code points past U+10FFFF (F4). Every later byte only
// has to be a continuation byte 10xxxxxx.
size_t utf8_next(const unsigned char* p, size_t left, uint32_t* cp, const char** why, size_t* bad) {
    const unsigned char b0 = p[0];
    *bad = 0;
    if (b0 < 0x80) { *cp = b0; return 1; }
    size_t len = 0;
    uint32_t c = 0;
    unsigned char lo = 0x80, hi = 0xBF;   // allowed range of the second byte
    const char* out_of_range = "";        // why a second byte outside [lo, hi] is refused
    if (b0 < 0xC0) { *why = "unexpected continuation byte"; return 0; }
    if (b0 < 0xC2) { *why = "overlong encoding"; return 0; }   // C0, C1 only encode ASCII
    if (b0 < 0xE0) { len = 2; c = b0 & 0x1F; }
    else if (b0 < 0xF0) {
        len = 3; c = b0 & 0x0F;
        if (b0 == 0xE0) { lo = 0xA0; out_of_range = "overlong encoding"; }
        if (b0 == 0xED) { hi = 0x9F; out_of_range = "surrogate (U+D800..U+DFFF)"; }
    } else if (b0 < 0xF5) {
        len = 4; c = b0 & 0x07;
        if (b0 == 0xF0) { lo = 0x90; out_of_range = "overlong encoding"; }
        if (b0 == 0xF4) { hi = 0x8F; out_of_range = "code point above U+10FFFF"; }
    } else {
        *why = b0 < 0xF8 ? "code point above U+10FFFF" : "invalid lead byte";
        return 0;
    }
    for (size_t k = 1; k < len; k++) {
        if (k >= left) { *bad = k - 1; *why = kTruncated; return 0; }
        const unsigned char b = p[k];
        *bad = k;
        if (b < 0x80 || b > 0xBF) { *why = "expected a continuation byte"; return 0; }
        if (k == 1 && (b < lo || b > hi)) { *why = out_of_range; return 0; }
        c = (c << 6) | (b & 0x3F);
    }
    *cp = c;
    return len;
}

uint32_t next_code_point(const std::string& s, size_t& pos, const std::string& what) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data()) + pos;
    uint32_t cp = 0;
    const char* why = "";
    size_t bad = 0;
    size_t n = utf8_next(p, s.size() - pos, &cp, &why, &bad);
    if (n == 0) {
        std::string shown;
        for (size_t i = 0; i <= bad; i++) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "%s0x%02X", i > 0 ? " " : "", unsigned(p[i]));
            shown += hex;
        }
        throw std::invalid_argument(what + ": invalid UTF-8 at byte offset " + std::to_string(pos) + " (" + shown +
                                    "): " + why);
    }
    pos += n;
    return cp;
}

std::vector<uint32_t> decode_utf8(const std::string& bytes, const std::string& what) {
    std::vector<uint32_t> cps;
    cps.reserve(bytes.size());
    size_t pos = 0;
    while (pos < bytes.size()) cps.push_back(next_code_point(bytes, pos, what));
    return cps;
}

bool is_valid_utf8(const std::string& s) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(s.data());
    uint32_t cp;
    const char* why;
    size_t bad;
    for (size_t i = 0; i < s.size();) {
        size_t n = utf8_next(p + i, s.size() - i, &cp, &why, &bad);
        if (n == 0) return false;
        i += n;
    }
    return true;
}

std::string replace_invalid_utf8(const std::string& bytes) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size();
    std::string out;
    out.reserve(n);
    uint32_t cp;
    const char* why;
    size_t bad;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_next(p + i, n - i, &cp, &why, &bad);
        if (len > 0) {
            out.append(bytes, i, len);
            i += len;
            continue;
        }
        out += "\xEF\xBF\xBD";   // U+FFFD for the maximal subpart: the bytes before the one that broke it,
        // which is all that is left if the input ended too early; at least the lead byte
        i += why == kTruncated ? n - i : (bad > 0 ? bad : 1);
    }
    return out;
}

size_t incomplete_utf8_tail(const std::string& bytes) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(bytes.data());
    const size_t n = bytes.size();
    // walk back over up to 3 continuation bytes to the lead byte, then ask the decoder about the rest
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        const unsigned char b = p[n - k];
        if (b < 0x80) return 0;                // ASCII ends every sequence before it
        if (b < 0xC0) continue;                // a continuation byte: the lead is further back
        uint32_t cp;
        const char* why = "";
        size_t bad;
        return utf8_next(p + n - k, k, &cp, &why, &bad) == 0 && why == kTruncated ? k : 0;
    }
    return 0;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out += char(cp);
    } else if (cp < 0x800) {
        out += char(0xC0 | (cp >> 6));
        out += char(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += char(0xE0 | (cp >> 12));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    } else {
        out += char(0xF0 | (cp >> 18));
        out += char(0x80 | ((cp >> 12) & 0x3F));
        out += char(0x80 | ((cp >> 6) & 0x3F));
        out += char(0x80 | (cp & 0x3F));
    }
}

std::string encode_utf8(uint32_t cp) {
    char u[16];
    std::snprintf(u, sizeof u, "U+%04X", unsigned(cp));
    if (!is_scalar_value(cp))
        throw std::invalid_argument(std::string("encode_utf8: ") + u +
                                    " is not a Unicode scalar value (a surrogate or above U+10FFFF)");
    std::string out;
    append_utf8(out, cp);
    return out;
}

std::string describe_char(uint32_t cp) {
    char u[16];
    std::snprintf(u, sizeof u, "U+%04X", unsigned(cp));
    if (cp == '\n') return std::string("'\\n' (") + u + ")";
    if (cp == '\t') return std::string("'\\t' (") + u + ")";
    if (cp == '\r') return std::string("'\\r' (") + u + ")";
    bool control = cp < 0x20 || (cp >= 0x7F && cp < 0xA0);
    if (control || !is_scalar_value(cp)) return u;
    return "'" + encode_utf8(cp) + "' (" + u + ")";
}

}  // namespace gs::io
