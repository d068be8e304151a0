// The SVG writer (nn/io/svg.h): number formatting, escaping, the shapes' markup, the same bytes for the
// same inputs, chart axes at round numbers (linear and log), gaps for non-finite values, the heat map's
// cells and shades, atomic saving, and clear errors for bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "nn/io/svg.h"

using namespace gs::io;

namespace {

int count(const std::string& s, const std::string& what) {
    int n = 0;
    for (size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) n++;
    return n;
}

template <typename F> std::string error_of(F&& f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no exception)";
}

}  // namespace

TEST(Svg, FormatsNumbersShortAndFixed) {
    EXPECT_EQ(fmt(1.5), "1.5");
    EXPECT_EQ(fmt(2.0), "2");
    EXPECT_EQ(fmt(0.04), "0");       // one decimal by default
    EXPECT_EQ(fmt(-0.04), "0");      // never "-0"
    EXPECT_EQ(fmt(3.14159, 3), "3.142");
    EXPECT_EQ(fmt(-12.25, 2), "-12.25");
    EXPECT_EQ(fmt(100.0, 0), "100");
}

TEST(Svg, WritesShapesAndEscapesText) {
    Svg svg(200, 100);
    svg.rect(10, 20, 30.26, 40, "#abcdef", "#333", 2);
    svg.line(0, 0, 5, 5, "red", 1, "4 2");
    svg.circle(50, 50, 3, "blue");
    svg.text(5, 90, "a < b & \"c\"", 12, "middle");
    std::string s = svg.str();
    EXPECT_EQ(s.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"200\" height=\"100\"", 0), 0u) << s;
    EXPECT_NE(s.find("<rect x=\"0\" y=\"0\" width=\"200\" height=\"100\" fill=\"white\"/>"), std::string::npos) << s;
    EXPECT_NE(s.find("<rect x=\"10\" y=\"20\" width=\"30.3\" height=\"40\" fill=\"#abcdef\" stroke=\"#333\" "
                     "stroke-width=\"2\"/>"), std::string::npos) << s;
    EXPECT_NE(s.find("stroke-dasharray=\"4 2\""), std::string::npos);
    EXPECT_NE(s.find("<circle cx=\"50\" cy=\"50\" r=\"3\" fill=\"blue\"/>"), std::string::npos);
    EXPECT_NE(s.find(">a &lt; b &amp; &quot;c&quot;</text>"), std::string::npos) << s;
    EXPECT_NE(s.find("text-anchor=\"middle\""), std::string::npos);
    EXPECT_EQ(s.substr(s.size() - 7), "</svg>\n");
}

TEST(Svg, ArrowEndsInAHeadAtItsTip) {
    Svg svg(100, 100, "none");
    svg.arrow(10, 50, 90, 50, "#333", 1);
    std::string s = svg.str();
    EXPECT_EQ(count(s, "<rect"), 0);   // no background
    EXPECT_EQ(count(s, "<line"), 1);
    // the head's tip is the arrow's end; the shaft stops at its base (head length 7 + 2 * width = 9)
    EXPECT_NE(s.find("points=\"90,50 81,54.5 81,45.5\""), std::string::npos) << s;
    EXPECT_NE(s.find("x2=\"81\""), std::string::npos) << s;
}

TEST(Svg, BluesRunsFromWhiteToDarkBlue) {
    EXPECT_EQ(blues(0), "#ffffff");
    EXPECT_EQ(blues(1), "#08306b");
    EXPECT_EQ(blues(-3), "#ffffff");
    EXPECT_EQ(blues(7), "#08306b");
    EXPECT_EQ(blues(NAN), "#ffffff");
    EXPECT_STREQ(palette(0), "#0072B2");
    EXPECT_STREQ(palette(8), palette(0));
}

TEST(Svg, LineChartPutsTicksAtRoundNumbersAndIsDeterministic) {
    Series a{"train", {0, 50, 100}, {4.17, 2.5, 2.13}}, b{"val", {0, 50, 100}, {4.18, 2.6, 2.2}};
    ChartOptions opt;
    opt.title = "loss";
    opt.x_label = "step";
    opt.y_label = "cross-entropy";
    std::string s = line_chart({a, b}, opt).str();
    EXPECT_EQ(s, line_chart({a, b}, opt).str());   // the same inputs, the same bytes
    for (const char* tick : {">2</text>", ">2.5</text>", ">4.5</text>", ">0</text>", ">100</text>"})
        EXPECT_NE(s.find(tick), std::string::npos) << tick;
    EXPECT_EQ(count(s, "<polyline"), 2);
    EXPECT_NE(s.find(">train</text>"), std::string::npos);
    EXPECT_NE(s.find(">val</text>"), std::string::npos);
    EXPECT_NE(s.find("rotate(-90"), std::string::npos);   // the y label stands upright
}

TEST(Svg, LineChartLogAxisAndGaps) {
    Series s{"loss", {0, 1, 2, 3, 4}, {1.0, 0.1, NAN, 0.01, 0.001}};
    ChartOptions opt;
    opt.log_y = true;
    std::string out = line_chart({s}, opt).str();
    for (const char* tick : {">1</text>", ">0.1</text>", ">0.01</text>", ">0.001</text>"})
        EXPECT_NE(out.find(tick), std::string::npos) << tick;
    EXPECT_EQ(count(out, "<polyline"), 2);   // the NaN splits the curve in two
    // a value <= 0 cannot sit on a log axis: it is left out like a NaN
    Series z{"z", {0, 1, 2}, {1.0, 0.0, 0.5}};
    EXPECT_EQ(count(line_chart({z}, opt).str(), "<polyline"), 0);   // two lone points, no segment
}

TEST(Svg, LineChartRejectsBadInput) {
    ChartOptions opt;
    EXPECT_NE(error_of([&] { line_chart({}, opt); }).find("line_chart: no series"), std::string::npos);
    Series bad{"bad", {0, 1, 2}, {1, 2}};
    EXPECT_NE(error_of([&] { line_chart({bad}, opt); }).find("series \"bad\" has 3 x values but 2 y values"),
              std::string::npos);
    Series empty{"nan", {0, 1}, {NAN, INFINITY}};
    EXPECT_NE(error_of([&] { line_chart({empty}, opt); }).find("no finite point"), std::string::npos);
    opt.log_y = true;
    Series neg{"neg", {0, 1}, {-1, 0}};
    EXPECT_NE(error_of([&] { line_chart({neg}, opt); }).find("no finite point above 0"), std::string::npos);
}

TEST(Svg, HeatMapShadesCellsAndMarksNaN) {
    HeatMapOptions opt;
    opt.row_labels = {"a", "b"};
    opt.col_labels = {"x", "y"};
    opt.nan_text = "masked";
    std::string s = heat_map({1.0, NAN, 0.25, 0.0}, 2, 2, opt).str();
    EXPECT_NE(s.find("fill=\"#08306b\""), std::string::npos);   // the value 1 at the top of the scale
    EXPECT_NE(s.find(">masked</text>"), std::string::npos);
    EXPECT_NE(s.find(">0.25</text>"), std::string::npos);
    EXPECT_NE(s.find(">1.00</text>"), std::string::npos);   // cells keep their decimals, so columns line up
    EXPECT_EQ(s, heat_map({1.0, NAN, 0.25, 0.0}, 2, 2, opt).str());
}

TEST(Svg, HeatMapRejectsBadInput) {
    HeatMapOptions opt;
    EXPECT_NE(error_of([&] { heat_map({1, 2, 3}, 2, 2, opt); }).find("heat_map: 3 values for 2 x 2 cells"),
              std::string::npos);
    opt.row_labels = {"only one"};
    EXPECT_NE(error_of([&] { heat_map({1, 2, 3, 4}, 2, 2, opt); }).find("1 row labels"), std::string::npos);
    opt.row_labels.clear();
    opt.hi = 0;
    EXPECT_NE(error_of([&] { heat_map({1, 2, 3, 4}, 2, 2, opt); }).find("needs hi > lo"), std::string::npos);
    EXPECT_NE(error_of([] { Svg(0, 10); }).find("Svg: size must be positive"), std::string::npos);
}

TEST(Svg, SavesTheDocumentAndNamesAPathItCannotWrite) {
    Svg svg(10, 10);
    svg.text(1, 9, "hi");
    std::string path = ::testing::TempDir() + "gs_test_svg.svg";
    svg.save(path);
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    EXPECT_EQ(ss.str(), svg.str());
    std::remove(path.c_str());
    try {
        svg.save("/nonexistent-dir-for-gs-tests/x.svg");
        ADD_FAILURE() << "saved into a directory that does not exist";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/nonexistent-dir-for-gs-tests/x.svg"), std::string::npos) << e.what();
    }
}
