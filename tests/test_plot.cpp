// The run's log (gpt/plot.h): log.csv round-trips through write_run_log and read_run_log, a resume
// keeps the rows before its iteration, and a log that is missing, not a file, malformed or behind the
// state is refused naming the file and line (U9 and U10 of issue 11). Also loss.svg's basics.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "gpt/plot.h"

using namespace gs::gpt;

namespace {

const char* kHeader = "iter,loss,lr,grad_norm,eval_train_loss,eval_val_loss\n";

class RunLogFiles : public ::testing::Test {
protected:
    std::string dir;
    void SetUp() override {
        char tmpl[] = "/tmp/gs_plot_XXXXXX";
        dir = ::mkdtemp(tmpl);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::string write(const std::string& text) {
        std::ofstream(dir + "/log.csv") << text;
        return dir + "/log.csv";
    }
    std::string error_reading(const std::string& path, int64_t resume_iter) {
        try {
            read_run_log(path, resume_iter);
        } catch (const std::runtime_error& e) {
            return e.what();
        }
        return "(no exception)";
    }
};

}  // namespace

TEST_F(RunLogFiles, RoundTripKeepsTheRowsBeforeTheResume) {
    RunLog log;
    for (int64_t i = 0; i < 5; i++) log.steps.push_back({i, 2.0 - 0.1 * double(i), 1e-3, 0.5});
    log.evals = {{0, 2.5, 2.6}, {4, 1.5, 1.625}};
    write_run_log(dir, log);
    RunLog back = read_run_log(dir + "/log.csv", 5);
    ASSERT_EQ(back.steps.size(), 5u);
    EXPECT_EQ(back.steps[3].loss, log.steps[3].loss);   // %.17g round-trips exactly
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
    for (const char* row : {"0,0.5junk,1,1,,", "0, 0.5,1,1,,", "0,nan,1,1,,", "0x,0.5,1,1,,", "-1,0.5,1,1,,",
                            "0,0.5,1,,,", "0,,,,1,2x"}) {
        std::string msg = error_reading(write(std::string(kHeader) + row + "\n1,0.5,1,1,,\n"), 2);
        EXPECT_NE(msg.find(dir + "/log.csv: line 2 "), std::string::npos) << row << ": " << msg;
    }
    std::string msg = error_reading(write(std::string(kHeader) + "0,,,,2,3\n0,0.5,1,1,,\n"), 1);
    EXPECT_NE(msg.find("line 3 is not after iteration 0"), std::string::npos) << msg;
}

// U9 of issue 11: a missing log.csv on resume silently restarted the history. The trainer says more;
// the reader refuses a missing file, and a log that ends before the state's iteration.
TEST_F(RunLogFiles, MissingOrShortLogIsRefused) {
    EXPECT_EQ(error_reading(dir + "/log.csv", 10), dir + "/log.csv: No such file or directory");
    std::string path = write(std::string(kHeader) + "0,0.9,1,1,2,3\n1,0.8,1,1,,\n");
    EXPECT_EQ(error_reading(path, 10), path + " ends at iteration 1, before the state's iteration 10: rows are missing");
    EXPECT_EQ(read_run_log(path, 2).steps.size(), 2u);
    EXPECT_EQ(error_reading(write(kHeader), 0), path + " ends after its header, before the state's iteration 0: rows are missing");
}

// U10 of issue 11: a log.csv that is a directory said "line 1 is not the header".
TEST_F(RunLogFiles, DirectoryIsNamedAsSuch) {
    ASSERT_EQ(::mkdir((dir + "/sub.csv").c_str(), 0755), 0);
    EXPECT_EQ(error_reading(dir + "/sub.csv", 0), dir + "/sub.csv: is a directory, not a file");
}
