// The run's log (gpt/plot.h): log.csv round-trips through write_run_log and read_run_log, a resume
// keeps the rows before its iteration, and a log that is missing, not a file, malformed or behind the
// state is refused naming the file and line (U9 and U10 of issue 11). A log from before the
// update_ratio column is still read and is written back in the current layout. Also loss.svg's basics.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "gpt/plot.h"
#include "tests/helpers.h"

using namespace gs::gpt;
using namespace gs::test;

namespace {

const char* kHeader = "iter,loss,lr,grad_norm,update_ratio,eval_train_loss,eval_val_loss\n";
const char* kOldHeader = "iter,loss,lr,grad_norm,eval_train_loss,eval_val_loss\n";   // before update_ratio

class RunLogFiles : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override { dir = temp_dir(); }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string write(const std::string& text) {
        std::ofstream(dir + "/log.csv") << text;
        return dir + "/log.csv";
    }
    std::string error_reading(const std::string& path, int64_t resume_iter) {
        return error_of<std::runtime_error>([&] { read_run_log(path, resume_iter); });
    }
};

}  // namespace

TEST_F(RunLogFiles, RoundTripKeepsTheRowsBeforeTheResume) {
    RunLog log;
    for (int64_t i = 0; i < 5; i++) log.steps.push_back({i, 2.0 - 0.1 * double(i), 1e-3, 0.5, 1e-3 * double(i + 1)});
    log.evals = {{0, 2.5, 2.6}, {4, 1.5, 1.625}};
    write_run_log(dir, log);
    RunLog back = read_run_log(dir + "/log.csv", 5);
    ASSERT_EQ(back.steps.size(), 5u);
    EXPECT_EQ(back.steps[3].loss, log.steps[3].loss);   // %.17g round-trips exactly
    EXPECT_EQ(back.steps[3].grad_norm, 0.5);
    EXPECT_EQ(back.steps[3].update_ratio, log.steps[3].update_ratio);
    ASSERT_EQ(back.evals.size(), 2u);
    EXPECT_EQ(back.evals[1].val, 1.625);
    RunLog part = read_run_log(dir + "/log.csv", 4);   // resuming at 4: steps 0..3, evals 0 and 4
    EXPECT_EQ(part.steps.size(), 4u);
    EXPECT_EQ(part.evals.size(), 2u);
    std::string svg = loss_svg(log);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_NE(svg.find("<polyline"), std::string::npos);
}

// U9 of issue 11: "0.5junk" was read as 0.5 by stod and rewritten.
TEST_F(RunLogFiles, CellsAreNumbersWhole) {
    for (const char* row : {"0,0.5junk,1,1,0.1,,", "0, 0.5,1,1,0.1,,", "0,nan,1,1,0.1,,", "0x,0.5,1,1,0.1,,",
                            "-1,0.5,1,1,0.1,,", "0,0.5,1,,0.1,,", "0,,,,,1,2x", "0,0.5,1,1,inf,,", "0,0.5,1,1,1e-3x,,",
                            "0,,,,0.1,1,2", "0,0.5,1,1,,", "0,0.5,1,1,0.1,,,"}) {
        std::string msg = error_reading(write(std::string(kHeader) + row + "\n1,0.5,1,1,0.1,,\n"), 2);
        EXPECT_NE(msg.find(dir + "/log.csv: line 2 "), std::string::npos) << row << ": " << msg;
    }
    std::string msg = error_reading(write(std::string(kHeader) + "0,,,,,2,3\n0,0.5,1,1,0.1,,\n"), 1);
    EXPECT_NE(msg.find("line 3 is not after iteration 0"), std::string::npos) << msg;
}

// U9 of issue 11: a missing log.csv on resume silently restarted the history. The trainer says more;
// the reader refuses a missing file, and a log that ends before the state's iteration.
TEST_F(RunLogFiles, MissingOrShortLogIsRefused) {
    EXPECT_EQ(error_reading(dir + "/log.csv", 10), dir + "/log.csv: No such file or directory");
    std::string path = write(std::string(kHeader) + "0,0.9,1,1,0.1,2,3\n1,0.8,1,1,0.1,,\n");
    EXPECT_EQ(error_reading(path, 10), path + " ends at iteration 1, before the state's iteration 10: rows are missing");
    EXPECT_EQ(read_run_log(path, 2).steps.size(), 2u);
    EXPECT_EQ(error_reading(write(kHeader), 0), path + " ends after its header, before the state's iteration 0: rows are missing");
}

// A run started before log.csv had update_ratio resumes: its rows are read with the ratio unknown (NaN),
// and written back under the current header with those cells empty, which the reader accepts again.
TEST_F(RunLogFiles, ALogFromBeforeUpdateRatioIsReadAndRewritten) {
    std::string path = write(std::string(kOldHeader) + "0,0.9,1e-3,0.7,2,3\n1,0.8,2e-3,0.6,,\n");
    RunLog log = read_run_log(path, 2);
    ASSERT_EQ(log.steps.size(), 2u);
    EXPECT_EQ(log.steps[1].grad_norm, 0.6);
    EXPECT_TRUE(std::isnan(log.steps[1].update_ratio));
    ASSERT_EQ(log.evals.size(), 1u);
    EXPECT_EQ(log.evals[0].val, 3);
    log.steps.push_back({2, 0.7, 3e-3, 0.5, 0.25});   // a step after the resume
    write_run_log(dir, log);
    std::ifstream in(path);
    std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(all, std::string(kHeader) + "0,0.90000000000000002,0.001,0.69999999999999996,,2,3\n"
                                          "1,0.80000000000000004,0.002,0.59999999999999998,,,\n"
                                          "2,0.69999999999999996,0.0030000000000000001,0.5,0.25,,\n");
    RunLog again = read_run_log(path, 3);
    ASSERT_EQ(again.steps.size(), 3u);
    EXPECT_TRUE(std::isnan(again.steps[0].update_ratio));
    EXPECT_EQ(again.steps[2].update_ratio, 0.25);
    // the old layout's rows under the new header, or the reverse, are refused by their field count
    EXPECT_NE(error_reading(write(std::string(kHeader) + "0,0.9,1,1,2,3\n"), 0).find("line 2 has 6 fields, expected 7"),
              std::string::npos);
    EXPECT_NE(error_reading(write(std::string(kOldHeader) + "0,0.9,1,1,0.1,2,3\n"), 0).find("line 2 has 7 fields, expected 6"),
              std::string::npos);
}

// U10 of issue 11: a log.csv that is a directory said "line 1 is not the header".
TEST_F(RunLogFiles, DirectoryIsNamedAsSuch) {
    ASSERT_EQ(::mkdir((dir + "/sub.csv").c_str(), 0755), 0);
    EXPECT_EQ(error_reading(dir + "/sub.csv", 0), dir + "/sub.csv: is a directory, not a file");
}
