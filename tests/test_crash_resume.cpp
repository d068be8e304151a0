// `gpt train` killed for real: a SIGKILL at any moment (at start-up, mid-step, in the middle of writing a
// checkpoint) leaves model.safetensors and state.safetensors whole and loadable, and --resume then finishes
// the run with exactly the log.csv of a run never stopped. SIGINT stops cleanly with status 130 after saving
// state; a diverging run stops naming the iteration and leaves the last good checkpoint alone.
// Like test_gpt_cli.cpp, it runs the program at $GRADSCHOOL_GPT (default build/gpt) and skips without it.
// A few seconds: most of a run's time is the fsyncs of its checkpoint writes, which is what gets killed.
#include <gtest/gtest.h>

#include <cctype>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include "nn/io/safetensors.h"
#include "tests/gpt_cli.h"
#include "tests/helpers.h"

using namespace gs::test;

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Every run here is this one: a 1-layer model, one thread (so every number is reproducible across
// processes), dropout on (so its random stream must resume too), an eval and checkpoint every 10 steps.
constexpr int kIters = 200, kEvalEvery = 10;
constexpr double kTimeout = 120;   // seconds; generous, for the sanitizer builds

bool exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// 0 if there is no such file.
ino_t inode(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 ? st.st_ino : 0;
}

// Names in `dir` left by an unfinished atomic write ("state.safetensors.tmp.<pid>.<n>").
std::set<std::string> temp_files(const std::string& dir) {
    std::set<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d))
            if (std::string(e->d_name).find(".tmp.") != std::string::npos) out.insert(e->d_name);
        ::closedir(d);
    }
    return out;
}

// A few thousand characters of word salad from a fixed-seed LCG: the same corpus in every run.
std::string corpus_file(const std::string& dir) {
    const char* words[] = {"the ", "king ", "and ", "queen ", "of ", "hearts ", "said ", "to ", "a ", "fool\n"};
    std::string text;
    uint32_t x = 12345;
    for (int i = 0; i < 2000; i++) {
        x = x * 1664525u + 1013904223u;
        text += words[(x >> 16) % 10];
    }
    std::string path = dir + "/corpus.txt";
    std::ofstream(path) << text;
    return path;
}

// Without `resume`, `overwrite` adds --overwrite: a run killed in its first save can leave a model and a
// log but no state, which a fresh start must be told to replace.
std::vector<std::string> train_args(const std::string& data, const std::string& out, bool resume, bool overwrite = false) {
    std::vector<std::string> a = {"train", "--data", data, "--out", out, "--n-layer", "1", "--n-embd", "16",
                                  "--n-head", "2", "--block-size", "16", "--batch-size", "4", "--dropout", "0.1",
                                  "--max-iters", std::to_string(kIters), "--lr-decay-iters", std::to_string(kIters),
                                  "--warmup-iters", "2", "--eval-interval", std::to_string(kEvalEvery),
                                  "--eval-iters", "2", "--threads", "1"};
    if (resume) a.push_back("--resume");
    else if (overwrite) a.push_back("--overwrite");
    return a;
}

// The gpt program as a child process, stdout and stderr going to files.
class Child {
public:
    Child(const std::vector<std::string>& args, const std::string& out_file, const std::string& err_file) {
        // everything the child touches is prepared here: after fork() it may only call async-signal-safe
        // functions, since this test binary has other threads (OpenMP's, from earlier tests)
        std::string path = gpt_path();
        std::vector<std::string> all = {path};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (std::string& s : all) argv.push_back(s.data());
        argv.push_back(nullptr);
        pid_ = ::fork();
        if (pid_ == 0) {
            int in = ::open("/dev/null", O_RDONLY);
            int out = ::open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            if (in < 0 || out < 0 || err < 0 || ::dup2(in, 0) < 0 || ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0)
                ::_exit(126);
            ::execv(path.c_str(), argv.data());
            ::_exit(127);
        }
    }
    ~Child() {
        if (pid_ > 0 && status_ < 0) {   // a failed assertion left it running
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    void signal(int sig) const { ::kill(pid_, sig); }
    pid_t pid() const { return pid_; }

    // True once it has exited (its status is then known).
    bool exited() {
        int st;
        if (status_ < 0 && ::waitpid(pid_, &st, WNOHANG) == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        return status_ >= 0;
    }

    // Polls until `ready` holds (true) or the child exits or time runs out (false).
    bool wait_until(const std::function<bool()>& ready) {
        for (Clock::time_point t0 = Clock::now(); std::chrono::duration<double>(Clock::now() - t0).count() < kTimeout;) {
            if (ready()) return true;
            if (exited()) return false;
            std::this_thread::sleep_for(200us);
        }
        return false;
    }

    // The exit status (128 + N if killed by signal N), or -1 if it did not end in time (then killed).
    int wait() {
        wait_until([] { return false; });
        if (!exited()) {
            signal(SIGKILL);
            ::waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        return status_;
    }

private:
    pid_t pid_ = -1;
    int status_ = -1;
};

class CrashResume : public GptProgram {
protected:
    void SetUp() override {
        GptProgram::SetUp();
        if (IsSkipped()) return;
        data = corpus_file(dir);
        out = dir + "/run";
    }
    void TearDown() override {
        if (!dir.empty() && !HasFailure()) std::filesystem::remove_all(dir);   // kept to look at if it failed
    }

    // Runs gpt with stdout and stderr in dir/stdout, dir/stderr (removed first, so that polling them never
    // sees an earlier run's output before the child has truncated them).
    Child start(const std::vector<std::string>& args) {
        ::unlink((dir + "/stdout").c_str());
        ::unlink((dir + "/stderr").c_str());
        return Child(args, dir + "/stdout", dir + "/stderr");
    }
    int run(const std::vector<std::string>& args) { return start(args).wait(); }

    bool printed(const std::string& part) { return read_file(dir + "/stdout").find(part) != std::string::npos; }

    // log.csv of the same run never interrupted; computed once, in its own directory.
    std::string reference_log() {
        static std::string log = [this] {
            std::string ref = temp_dir();
            int status = run(train_args(data, ref + "/run", false));
            EXPECT_EQ(status, 0) << read_file(dir + "/stderr");
            std::string csv = read_file(ref + "/run/log.csv");
            std::filesystem::remove_all(ref);
            return csv;
        }();
        return log;
    }

    // The run's files that exist now, to tell later whether a file went missing.
    std::set<std::string> saved_files() {
        std::set<std::string> s;
        for (const char* f : {"model.safetensors", "state.safetensors", "log.csv", "loss.svg"})
            if (exists(out + "/" + f)) s.insert(f);
        return s;
    }

    // Everything a killed run leaves must be usable: state.safetensors loads and is a training state saved
    // at an eval, model.safetensors loads in `gpt sample`, and no file that was complete before the run is
    // now only a temp file (a temp file with no complete copy is fine only if there never was one: a kill
    // during a run's first save). Returns the state's iteration, or -1 if there is no state yet.
    int64_t check_checkpoints(const std::string& when, const std::set<std::string>& saved_before = {}) {
        SCOPED_TRACE(when);
        for (const std::string& f : saved_before) EXPECT_TRUE(exists(out + "/" + f)) << f << " went missing";
        for (const std::string& t : temp_files(out)) {
            std::string f = t.substr(0, t.find(".tmp."));
            EXPECT_TRUE(exists(out + "/" + f) || !saved_before.count(f)) << t << " is the only copy";
        }
        if (exists(out + "/model.safetensors")) {
            Child s({"sample", "--ckpt", out, "--tokens", "5", "--threads", "1"}, dir + "/sample.out", dir + "/sample.err");
            EXPECT_EQ(s.wait(), 0) << read_file(dir + "/sample.err");
        }
        if (!exists(out + "/state.safetensors")) return -1;
        int64_t iter = -1;
        try {
            gs::io::SafetensorsFile f = gs::io::load_safetensors(out + "/state.safetensors");
            EXPECT_EQ(f.metadata["format"], "gpt-train-state");
            iter = std::stoll(f.metadata.at("iter"));
        } catch (const std::exception& e) {
            ADD_FAILURE() << "state.safetensors does not load: " << e.what();
        }
        return iter;
    }

    std::string data, out;
};

}  // namespace

TEST_F(CrashResume, KilledMidRunResumesToTheSameLog) {
    std::string want = reference_log();
    ASSERT_NE(want, "");
    Child c = start(train_args(data, out, false));
    ASSERT_TRUE(c.wait_until([&] { return printed("step 50:"); })) << read_file(dir + "/stderr");
    std::this_thread::sleep_for(2ms);   // somewhere in the steps after that eval
    std::set<std::string> saved = saved_files();
    EXPECT_EQ(saved.size(), 4u);
    c.signal(SIGKILL);
    ASSERT_EQ(c.wait(), 128 + SIGKILL) << "the run ended before the kill";
    int64_t iter = check_checkpoints("after SIGKILL", saved);
    EXPECT_GE(iter, 50);
    EXPECT_LT(iter, kIters);
    EXPECT_EQ(iter % kEvalEvery, 0);

    ASSERT_EQ(run(train_args(data, out, true)), 0) << read_file(dir + "/stderr");
    EXPECT_EQ(read_file(out + "/log.csv"), want);
}

// Kill, check, resume, kill again, each time at a different kind of moment; then finish the run.
TEST_F(CrashResume, KillLoopAlwaysLeavesALoadableCheckpoint) {
    std::string want = reference_log();
    ASSERT_NE(want, "");
    struct Moment {
        const char* what;
        std::function<bool(Child&, const std::set<std::string>&)> reached;
    };
    auto after = [](std::chrono::microseconds d) {
        return [d](Child& c, const std::set<std::string>&) {
            return c.wait_until([t = Clock::now() + d] { return Clock::now() >= t; });
        };
    };
    // while a temp file this run created exists, i.e. between open() of a checkpoint and its rename()
    auto mid_write = [this](Child& c, const std::set<std::string>& before) {
        return c.wait_until([&] {
            for (const std::string& t : temp_files(out))
                if (!before.count(t)) return true;
            return false;
        });
    };
    // right after a new state.safetensors is in place (its inode changes with every rename over it): the
    // files that follow it (log.csv) are then still the previous eval's
    auto after_state_save = [this](Child& c, const std::set<std::string>&) {
        ino_t before = inode(out + "/state.safetensors");
        return c.wait_until([&] {
            ino_t now = inode(out + "/state.safetensors");
            return now != 0 && now != before;
        });
    };
    std::vector<Moment> moments = {
        {"at once (before exec or in start-up)", after(0us)},
        {"in start-up or the first eval", after(3ms)},
        {"during the first checkpoint write", mid_write},
        {"mid-run", after(150ms)},
        {"during a checkpoint write", mid_write},
        {"just after an eval line", [this](Child& c, const std::set<std::string>&) {
             return c.wait_until([&] { return printed(" val loss "); });
         }},
        {"during another checkpoint write", mid_write},
        {"right after a state save", after_state_save},
        {"right after another state save", after_state_save},
    };
    int64_t last = -1;   // the iteration of the newest state.safetensors
    for (const Moment& m : moments) {
        SCOPED_TRACE(m.what);
        std::string state_before = read_file(out + "/state.safetensors");
        std::set<std::string> temps_before = temp_files(out);
        Child c = start(train_args(data, out, last >= 0, /*overwrite=*/true));
        m.reached(c, temps_before);
        std::set<std::string> saved_before = saved_files();   // complete when the kill came
        c.signal(SIGKILL);
        int status = c.wait();
        EXPECT_TRUE(status == 128 + SIGKILL || status == 0)
            << "status " << status << ": " << read_file(dir + "/stderr");
        int64_t iter = check_checkpoints(m.what, saved_before);
        EXPECT_GE(iter, last) << "the state went back in time";
        if (iter == last && last >= 0) {
            EXPECT_EQ(read_file(out + "/state.safetensors"), state_before) << "same iteration, different bytes";
        }
        if (iter >= 0) {
            EXPECT_EQ(iter % kEvalEvery, 0);
        }
        last = iter;
    }
    ASSERT_EQ(run(train_args(data, out, last >= 0, /*overwrite=*/true)), 0) << read_file(dir + "/stderr");
    EXPECT_EQ(read_file(out + "/log.csv"), want);
}

TEST_F(CrashResume, SigintSavesStateExitsWith130AndResumes) {
    std::string want = reference_log();
    ASSERT_NE(want, "");
    Child c = start(train_args(data, out, false));
    ASSERT_TRUE(c.wait_until([&] { return printed("step 50:"); })) << read_file(dir + "/stderr");
    std::this_thread::sleep_for(2ms);
    std::set<std::string> saved = saved_files();
    c.signal(SIGINT);
    ASSERT_EQ(c.wait(), 130) << read_file(dir + "/stderr");
    std::string said = read_file(dir + "/stdout");
    const std::string marker = "interrupted: state saved at iteration ";
    size_t at = said.find(marker);
    ASSERT_NE(at, std::string::npos) << said;
    int64_t iter = std::stoll(said.substr(at + marker.size()));
    EXPECT_GE(iter, 50);
    EXPECT_EQ(check_checkpoints("after SIGINT", saved), iter);   // saved where it stopped, not at the last eval
    EXPECT_TRUE(temp_files(out).empty()) << "a clean stop leaves no temp files";

    ASSERT_EQ(run(train_args(data, out, true)), 0) << read_file(dir + "/stderr");
    EXPECT_TRUE(printed("resuming " + out + "/state.safetensors at iteration " + std::to_string(iter)));
    EXPECT_EQ(read_file(out + "/log.csv"), want);
}

TEST_F(CrashResume, AbsurdLearningRateStopsNamingTheIteration) {
    // the weights a run saves at its first eval, before any step: a run of zero iterations writes them too
    std::string init = dir + "/init";
    std::vector<std::string> args = train_args(data, init, false);
    args.insert(args.end(), {"--max-iters", "0", "--lr-decay-iters", "0", "--warmup-iters", "0"});
    ASSERT_EQ(run(args), 0) << read_file(dir + "/stderr");

    args = train_args(data, out, false);
    args.insert(args.end(), {"--lr", "1e30", "--warmup-iters", "0", "--grad-clip", "0"});
    EXPECT_EQ(run(args), 1);
    std::string err = read_file(dir + "/stderr");
    EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
    size_t at = err.find("not finite at iteration ");
    ASSERT_NE(at, std::string::npos) << err;
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(err[at + std::string("not finite at iteration ").size()]))) << err;
    EXPECT_EQ(read_file(out + "/model.safetensors"), read_file(init + "/model.safetensors"));
    EXPECT_EQ(check_checkpoints("after the blow-up"), 0);
}

// D4 of issue 11: two runs into one folder both ran, leaving one's model with the other's state and log.
// The second now fails at once naming the first's pid, and its start-up sweep of stale temp files leaves
// the live run's alone.
TEST_F(CrashResume, SecondRunIntoALockedFolderFailsAtOnce) {
    std::vector<std::string> args = train_args(data, out, false);
    args.insert(args.end(), {"--max-iters", "1000000", "--lr-decay-iters", "1000000"});
    Child first = start(args);
    ASSERT_TRUE(first.wait_until([&] { return printed("step 0:"); })) << read_file(dir + "/stderr");
    const std::string live_temp = out + "/state.safetensors.tmp." + std::to_string(first.pid()) + ".999";
    std::ofstream(live_temp) << "a save in progress";
    for (bool resume : {true, false}) {
        std::vector<std::string> second = train_args(data, out, resume);
        second.insert(second.end(), {"--n-embd", "8"});   // another config
        Child c(second, dir + "/second.out", dir + "/second.err");
        EXPECT_EQ(c.wait(), 1) << "resume " << resume;
        EXPECT_EQ(read_file(dir + "/second.err"), "gpt train: " + out + " is in use by another run (pid " +
                                                    std::to_string(first.pid()) + "); wait for it to end, or choose another --out\n");
    }
    EXPECT_TRUE(exists(live_temp)) << "the sweep removed a live run's temp file";
    first.signal(SIGINT);
    EXPECT_EQ(first.wait(), 130) << read_file(dir + "/stderr");
    ::unlink(live_temp.c_str());
    EXPECT_GE(check_checkpoints("after the first run stopped"), 0);
}

// U7 of issue 11: SIGTERM (kill, timeout) and SIGHUP (a closed terminal) killed the run without saving.
// They now stop it as Ctrl-C does: state saved where it stopped, exit status 128 + the signal.
TEST_F(CrashResume, SigtermAndSighupSaveTheStateLikeSigint) {
    for (int sig : {SIGTERM, SIGHUP}) {
        SCOPED_TRACE(sig == SIGTERM ? "SIGTERM" : "SIGHUP");
        std::filesystem::remove_all(out);
        Child c = start(train_args(data, out, false));
        ASSERT_TRUE(c.wait_until([&] { return printed("step 20:"); })) << read_file(dir + "/stderr");
        c.signal(sig);
        ASSERT_EQ(c.wait(), 128 + sig) << read_file(dir + "/stderr");
        std::string said = read_file(dir + "/stdout");
        const std::string marker = "interrupted: state saved at iteration ";
        size_t at = said.find(marker);
        ASSERT_NE(at, std::string::npos) << said;
        EXPECT_EQ(check_checkpoints("after the signal"), std::stoll(said.substr(at + marker.size())));
    }
}
