// Tests for the strict JSON reader and json_quote (nn/io/json.h): values, exact integers, escapes and
// surrogate pairs, every kind of malformed input with the byte offset it is reported at, UTF-8
// checking, duplicate keys and the nesting limit.
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nn/io/json.h"
#include "nn/io/utf8.h"

using namespace gs::io;

namespace {

// The message parse_json throws for `text`, or "" if it parsed.
std::string parse_error(const std::string& text, int max_depth = 64) {
    try {
        parse_json(text, max_depth);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Json, ParsesScalars) {
    EXPECT_EQ(parse_json("null").type, Json::Type::Null);
    Json t = parse_json("true"), f = parse_json("false");
    EXPECT_EQ(t.type, Json::Type::Bool);
    EXPECT_TRUE(t.boolean);
    EXPECT_EQ(f.type, Json::Type::Bool);
    EXPECT_FALSE(f.boolean);
    Json s = parse_json("\"hi\"");
    EXPECT_EQ(s.type, Json::Type::String);
    EXPECT_EQ(s.string, "hi");
    Json n = parse_json("-2.5e3");   // -2.5 * 1000
    EXPECT_EQ(n.type, Json::Type::Number);
    EXPECT_EQ(n.number, -2500.0);
    EXPECT_EQ(parse_json("0.125").number, 0.125);
    EXPECT_EQ(parse_json("1E-2").number, 0.01);
}

TEST(Json, IntegersStayExact) {
    // 2^53 + 1 is the first integer a double cannot hold, so only an int64 path keeps it
    Json big = parse_json("9007199254740993");
    EXPECT_EQ(big.type, Json::Type::Integer);
    EXPECT_EQ(big.integer, int64_t(9007199254740993LL));
    EXPECT_EQ(parse_json("9223372036854775807").integer, INT64_MAX);
    EXPECT_EQ(parse_json("-9223372036854775808").integer, INT64_MIN);
    EXPECT_EQ(parse_json("-0").integer, 0);
    EXPECT_EQ(parse_json("42").number, 42.0);   // an integer also carries its double value
    // one past int64, a fraction or an exponent: a double, never a silently wrapped integer
    Json past = parse_json("9223372036854775808");
    EXPECT_EQ(past.type, Json::Type::Number);
    EXPECT_EQ(past.number, 9223372036854775808.0);
    EXPECT_EQ(parse_json("1.0").type, Json::Type::Number);
    EXPECT_EQ(parse_json("1e2").type, Json::Type::Number);
    EXPECT_EQ(parse_json("1e2").number, 100.0);
}

TEST(Json, ParsesNestedValuesInOrder) {
    Json v = parse_json(" \t\r\n{ \"b\" : [ 1 , { \"c\" : null } , [ ] ] , \"a\" : { } }\n ");
    ASSERT_EQ(v.type, Json::Type::Object);
    ASSERT_EQ(v.object.size(), 2u);
    EXPECT_EQ(v.object[0].first, "b");   // file order, not sorted
    EXPECT_EQ(v.object[1].first, "a");
    const Json* b = v.find("b");
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(b->array.size(), 3u);
    EXPECT_EQ(b->array[0].integer, 1);
    EXPECT_EQ(b->array[1].find("c")->type, Json::Type::Null);
    EXPECT_EQ(b->array[2].type, Json::Type::Array);
    EXPECT_TRUE(b->array[2].array.empty());
    EXPECT_EQ(v.find("a")->type, Json::Type::Object);
    EXPECT_EQ(v.find("zzz"), nullptr);
    EXPECT_EQ(b->find("c"), nullptr);   // find on a non-object finds nothing
}

TEST(Json, DecodesEscapes) {
    EXPECT_EQ(parse_json(R"("\"\\\/\b\f\n\r\t")").string, "\"\\/\b\f\n\r\t");
    EXPECT_EQ(parse_json(R"("\u0041\u00e9")").string, "A\xC3\xA9");   // A, e-acute: U+00E9 = C3 A9
    EXPECT_EQ(parse_json(R"("\u20AC")").string, "\xE2\x82\xAC");      // euro sign U+20AC
    // U+1F600 = D83D DE00 in UTF-16; in UTF-8: F0 9F 98 80
    EXPECT_EQ(parse_json(R"("\ud83d\ude00")").string, "\xF0\x9F\x98\x80");
    EXPECT_EQ(parse_json(R"("\uD800\uDC00")").string, "\xF0\x90\x80\x80");   // U+10000, the first pair
    EXPECT_EQ(parse_json(R"("\uDBFF\uDFFF")").string, "\xF4\x8F\xBF\xBF");   // U+10FFFF, the last
    Json nul = parse_json(R"("a\u0000b")");
    EXPECT_EQ(nul.string, std::string("a\0b", 3));
    EXPECT_EQ(parse_json("\"caf\xC3\xA9 \xF0\x9F\x98\x80\"").string, "caf\xC3\xA9 \xF0\x9F\x98\x80");   // raw UTF-8
}

TEST(Json, RejectsBadSurrogates) {
    EXPECT_NE(parse_error(R"("\ud83d")").find("high surrogate not followed by a low surrogate at byte 1"),
              std::string::npos);
    EXPECT_NE(parse_error(R"("\ud83d\u0041")").find("high surrogate"), std::string::npos);
    EXPECT_NE(parse_error(R"("\ud83dx")").find("high surrogate"), std::string::npos);
    EXPECT_NE(parse_error(R"("\ude00")").find("lone low surrogate in \\u escape at byte 1"), std::string::npos);
    EXPECT_NE(parse_error(R"("\u12G4")").find("expected 4 hex digits"), std::string::npos);
    EXPECT_NE(parse_error(R"("\u12")").find("expected 4 hex digits"), std::string::npos);
}

TEST(Json, RejectsMalformedTextAtTheRightByte) {
    // (text, expected message); the byte offsets are counted by hand from the start of the text
    std::vector<std::pair<std::string, std::string>> cases = {
        {"", "unexpected end of input, expected a value at byte 0"},
        {"   ", "unexpected end of input, expected a value at byte 3"},
        {"{", "expected a string key in object at byte 1"},
        {"[1,]", "unexpected ']', expected a value at byte 3"},
        {"{\"a\":1,}", "expected a string key in object at byte 7"},
        {"{\"a\" 1}", "expected ':' after object key at byte 5"},
        {"{1:2}", "expected a string key in object at byte 1"},
        {"[1 2]", "expected ',' or ']' in array at byte 3"},
        {"{\"a\":1 \"b\":2}", "expected ',' or '}' in object at byte 7"},
        {"01", "leading zero in number at byte 1"},
        {"1.", "expected a digit at byte 2"},
        {"1e", "expected a digit at byte 2"},
        {"1e+", "expected a digit at byte 3"},
        {"-", "expected a digit at byte 1"},
        {".5", "unexpected '.', expected a value at byte 0"},
        {"+1", "unexpected '+', expected a value at byte 0"},
        {"tru", "unexpected 't', expected a value at byte 0"},
        {"NaN", "unexpected 'N', expected a value at byte 0"},
        {"'a'", "unexpected ''', expected a value at byte 0"},
        {"// c\n1", "unexpected '/', expected a value at byte 0"},
        {"{}x", "unexpected text after the JSON value at byte 2"},
        {"1 2", "unexpected text after the JSON value at byte 2"},
        {"\"abc", "unterminated string at byte 4"},
        {"\"a\\", "unterminated string at byte 3"},
        {"\"a\nb\"", "unescaped control character in string at byte 2"},
        {"\"\\x\"", "invalid escape: backslash then 'x' at byte 2"},
        {std::string("\x01", 1), "unexpected byte 0x01, expected a value at byte 0"},
        {"1e400", "number out of the range of a double at byte 0"},
        {"[-1e400]", "number out of the range of a double at byte 1"},
    };
    for (const auto& [text, want] : cases) {
        std::string got = parse_error(text);
        EXPECT_NE(got.find(want), std::string::npos) << "input: " << text << "\n got: " << got;
        EXPECT_EQ(got.rfind("json: ", 0), 0u) << got;
    }
}

TEST(Json, RejectsInvalidUtf8) {
    std::vector<std::string> bad = {
        "\xFF",               // never valid
        "\x80",               // a continuation byte with no lead
        "\xC0\xAF",           // overlong '/'
        "\xE0\x80\xAF",       // overlong, three bytes
        "\xED\xA0\x80",       // U+D800, a surrogate written as UTF-8
        "\xE2\x82",           // cut short
        "\xF4\x90\x80\x80",   // U+110000, past the last code point
    };
    for (const std::string& b : bad) {
        EXPECT_FALSE(is_valid_utf8(b));
        EXPECT_NE(parse_error("\"a" + b + "\"").find("invalid UTF-8 in string at byte 2"), std::string::npos);
        EXPECT_THROW(json_quote(b), std::invalid_argument);
    }
    EXPECT_TRUE(is_valid_utf8("plain, caf\xC3\xA9, \xE2\x82\xAC, \xF0\x9F\x98\x80, \xF4\x8F\xBF\xBF"));
    EXPECT_TRUE(is_valid_utf8(""));
}

TEST(Json, LargeObjectKeepsFileOrderAndFindsALateDuplicate) {
    // the size of GPT-2's encoder.json: 50,257 keys
    std::string text = "{";
    for (int i = 0; i < 50257; i++) text += (i ? ", \"k" : "\"k") + std::to_string(i) + "\": " + std::to_string(i);
    Json v = parse_json(text + "}");
    ASSERT_EQ(v.object.size(), 50257u);
    for (size_t i = 0; i < v.object.size(); i += 997) {
        EXPECT_EQ(v.object[i].first, "k" + std::to_string(i));
        EXPECT_EQ(v.object[i].second.integer, int64_t(i));
    }
    const std::string late = text + ", \"k123\": 0}";   // the duplicate is the last key
    EXPECT_NE(parse_error(late).find("duplicate key \"k123\" at byte " + std::to_string(text.size() + 2)),
              std::string::npos)
        << parse_error(late);
}

TEST(Json, RejectsDuplicateKeys) {
    // {"a":1,"a":2}: the second "a" starts at byte 7
    EXPECT_NE(parse_error(R"({"a":1,"a":2})").find("duplicate key \"a\" at byte 7"), std::string::npos);
    EXPECT_NE(parse_error(R"({"x":{"b":1,"b":2}})").find("duplicate key \"b\""), std::string::npos);
    // keys that only look equal after decoding are still the same key: "\u0061" is "a"
    EXPECT_NE(parse_error(R"({"a":1,"\u0061":2})").find("duplicate key \"a\""), std::string::npos);
    // the same key in two different objects is fine
    EXPECT_EQ(parse_error(R"([{"a":1},{"a":2}])"), "");
}

TEST(Json, LimitsNestingDepth) {
    std::string ok = std::string(64, '[') + std::string(64, ']');
    EXPECT_EQ(parse_error(ok), "");
    std::string deep = std::string(65, '[') + std::string(65, ']');
    EXPECT_NE(parse_error(deep).find("nesting deeper than 64 levels at byte 64"), std::string::npos);
    // far past the limit: rejected at the limit, long before the stack could run out
    EXPECT_NE(parse_error(std::string(1000000, '[')).find("nesting deeper than 64"), std::string::npos);
    EXPECT_NE(parse_error(std::string(100000, '{')).find("expected a string key"), std::string::npos);
    EXPECT_NE(parse_error(std::string(100000, '[') + "{\"a\":").find("nesting deeper"), std::string::npos);
    EXPECT_EQ(parse_error("[[1]]", 2), "");
    EXPECT_NE(parse_error("[[[1]]]", 2).find("nesting deeper than 2 levels at byte 2"), std::string::npos);
    EXPECT_NE(parse_error(R"({"a":{"b":{}}})", 2).find("nesting deeper than 2 levels"), std::string::npos);
}

TEST(Json, QuoteEscapesAndRoundTrips) {
    EXPECT_EQ(json_quote(""), "\"\"");
    EXPECT_EQ(json_quote("a\"b\\c/d"), R"("a\"b\\c/d")");
    EXPECT_EQ(json_quote("\b\f\n\r\t"), R"("\b\f\n\r\t")");
    EXPECT_EQ(json_quote(std::string("\0\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
    EXPECT_EQ(json_quote("caf\xC3\xA9 \xF0\x9F\x98\x80"), "\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");   // UTF-8 kept as is
    // every ASCII byte and some multi-byte characters survive quote -> parse unchanged
    std::string all;
    for (int c = 0; c < 128; c++) all += char(c);
    all += "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
    EXPECT_EQ(parse_json(json_quote(all)).string, all);
}

TEST(Json, TypeNames) {
    EXPECT_STREQ(json_type_name(Json::Type::Null), "null");
    EXPECT_STREQ(json_type_name(Json::Type::Integer), "integer");
    EXPECT_STREQ(json_type_name(Json::Type::Object), "object");
    EXPECT_STREQ(json_type_name(parse_json("[]").type), "array");
    EXPECT_STREQ(json_type_name(parse_json("1.5").type), "number");
}
