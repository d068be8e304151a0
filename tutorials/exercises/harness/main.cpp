// The workbook's runner. Each exercise's tests run in a child process of their own, so that a crash or an
// endless loop in one exercise is reported as that exercise failing and cannot take the others down.
//
//   exercises                   every exercise, quietly, then the progress table
//   exercises --only=04.3       one exercise with GoogleTest's full output, then its row of the table
//   --strict                    exit 1 unless every exercise that ran is done (without it: exit 0, since a
//                               workbook in progress is not an error)
//   --report=FILE               also write one line per exercise: id, status, first line of the message
//   --workbook=DIR              the directory the learner's files are in, for the table's title
//   --timeout=SECONDS           per exercise (default 60)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tutorials/exercises/harness/catalog.h"

using namespace gs::workbook;

namespace {

const char* const kNotDone = "is not done yet";

// Records what the table needs from one exercise's tests: how many ran, how many failed, the first failure.
class Recorder : public testing::EmptyTestEventListener {
public:
    int ran = 0, failed = 0;
    std::string first;
    void OnTestPartResult(const testing::TestPartResult& r) override {
        if (!r.failed() || !first.empty()) return;
        first = r.message();
        if (first.rfind("Failed\n", 0) == 0) first.erase(0, 7);   // ADD_FAILURE's own first line says nothing
    }
    void OnTestEnd(const testing::TestInfo& t) override {
        ran++;
        if (t.result()->Failed()) failed++;
    }
};

struct Outcome {
    std::string status;    // "done", "not done" or "failing"
    std::string message;   // the first failure's message, "" when done
};

// In the child: run one exercise's suite, write "status\nmessage" to fd.
[[noreturn]] void run_child(const Exercise& e, bool verbose, int fd) {
    GTEST_FLAG_SET(filter, suite_name(e.id) + ".*");
    testing::TestEventListeners& listeners = testing::UnitTest::GetInstance()->listeners();
    if (!verbose) delete listeners.Release(listeners.default_result_printer());
    auto* rec = new Recorder;   // owned by GoogleTest from here on
    listeners.Append(rec);
    const int rc = RUN_ALL_TESTS();   // non-zero also for a failure outside any test (the listener misses those)
    std::string status = rec->ran == 0                  ? "failing"
                         : rec->failed == 0 && rc == 0 ? "done"
                         : rec->first.find(kNotDone) != std::string::npos ? "not done"
                                                                          : "failing";
    std::string message = rec->ran == 0 ? "no tests found for this exercise"
                          : rec->first.empty() && rc != 0 ? "GoogleTest reported a failure outside the tests"
                                                          : rec->first;
    std::string out = status + "\n" + message;
    for (size_t done = 0; done < out.size();) {
        ssize_t w = write(fd, out.data() + done, out.size() - done);
        if (w <= 0) break;
        done += size_t(w);
    }
    std::fflush(nullptr);
    _exit(0);
}

Outcome run_exercise(const Exercise& e, bool verbose, unsigned timeout, const std::string& bin_dir,
                     const std::string& workbook) {
    // the build leaves <stem>.error beside this binary when the learner's file did not compile
    std::string stem = e.file.substr(0, e.file.rfind('.'));
    if (std::ifstream(bin_dir + "/" + stem + ".error"))
        return {"failing", "exercise " + e.id + " (" + e.title + "): your file " + workbook + "/" + e.file +
                               " does not compile; the compiler's messages are above (edit the file, or touch it, "
                               "to see them again)"};
    int fds[2];
    if (pipe(fds) != 0) return {"failing", std::string("could not create a pipe: ") + std::strerror(errno)};
    std::fflush(nullptr);
    pid_t pid = fork();
    if (pid < 0) return {"failing", std::string("could not fork: ") + std::strerror(errno)};
    if (pid == 0) {
        close(fds[0]);
        alarm(timeout);   // SIGALRM ends the child if the exercise never returns
        run_child(e, verbose, fds[1]);
    }
    close(fds[1]);
    std::string got;
    char buf[4096];
    for (ssize_t r; (r = read(fds[0], buf, sizeof buf)) > 0;) got.append(buf, size_t(r));
    close(fds[0]);
    int ws = 0;
    waitpid(pid, &ws, 0);
    if (WIFSIGNALED(ws)) {
        int sig = WTERMSIG(ws);
        if (sig == SIGALRM)
            return {"failing", "exercise " + e.id + " (" + e.title + ") did not finish within " + std::to_string(timeout) +
                                   " s: an endless loop?"};
        return {"failing", "exercise " + e.id + " (" + e.title + ") crashed with signal " + std::to_string(sig) + " (" +
                               strsignal(sig) + "): an index outside a buffer?"};
    }
    size_t nl = got.find('\n');
    if (nl == std::string::npos) return {"failing", "exercise " + e.id + ": its test process reported nothing"};
    return {got.substr(0, nl), got.substr(nl + 1)};
}

std::string pad(const std::string& s, size_t w) { return s.size() >= w ? s : s + std::string(w - s.size(), ' '); }

// The message's lines, indented, at most `max_lines` of them.
void print_message(const std::string& message, const std::string& id, int max_lines) {
    std::istringstream in(message);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        if (n++ == max_lines) {
            std::printf("        ... (make exercise EX=%s shows the rest)\n", id.c_str());
            break;
        }
        std::printf("        %s\n", line.c_str());
    }
}

// The progress table; returns how many exercises are done.
int print_table(const std::vector<Exercise>& todo, const std::vector<Outcome>& outcomes, const std::string& workbook,
                bool verbose) {
    if (verbose)
        std::printf("\nExercise %s in %s/\n\n", todo[0].id.c_str(), workbook.c_str());
    else
        std::printf("\nWorkbook %s/, %zu exercises (make exercise EX=04.3 runs one with its tests' full output)\n\n",
                    workbook.c_str(), todo.size());
    std::printf("  %s %s %s %s\n", pad("id", 5).c_str(), pad("chapter", 26).c_str(), pad("exercise", 44).c_str(),
                "status");
    int done = 0, not_done = 0, failing = 0;
    for (size_t i = 0; i < todo.size(); i++) {
        const Exercise& e = todo[i];
        const Outcome& o = outcomes[i];
        std::printf("  %s %s %s %s\n", pad(e.id, 5).c_str(), pad(e.chapter, 26).c_str(), pad(e.title, 44).c_str(),
                    o.status.c_str());
        if (o.status == "done") done++;
        else if (o.status == "not done") not_done++;
        else failing++;
        // a failure is shown; "not done" only when it names another exercise (one this one calls)
        bool other = o.status == "not done" && o.message.find("exercise " + e.id + " ") == std::string::npos;
        if (o.status == "failing" || other) print_message(o.message, e.id, verbose ? 40 : 6);
        if (verbose) std::printf("        your file: %s/%s\n", workbook.c_str(), e.file.c_str());
    }
    std::printf("\nexercises: %d done, %d failing, %d not done (of %zu)\n", done, failing, not_done, todo.size());
    return done;
}

// One line per exercise, "id<TAB>status<TAB>first line of the message", written to a temporary file and renamed.
bool write_report(const std::string& path, const std::vector<Exercise>& todo, const std::vector<Outcome>& outcomes) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp);
        for (size_t i = 0; i < todo.size(); i++)
            out << todo[i].id << '\t' << outcomes[i].status << '\t'
                << outcomes[i].message.substr(0, outcomes[i].message.find('\n')) << '\n';
        if (!out) return false;
    }
    return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char** argv) {
    testing::InitGoogleTest(&argc, argv);
    std::string only, report, workbook = "tutorials/exercises/work";
    bool strict = false;
    unsigned timeout = 60;
    std::vector<Exercise> todo;
    try {
        for (int i = 1; i < argc; i++) {
            std::string a = argv[i];
            if (a.rfind("--only=", 0) == 0) only = a.substr(7);
            else if (a.rfind("--report=", 0) == 0) report = a.substr(9);
            else if (a.rfind("--workbook=", 0) == 0) workbook = a.substr(11);
            else if (a.rfind("--timeout=", 0) == 0) {
                const std::string v = a.substr(10);
                if (v.empty() || v.size() > 6 || v.find_first_not_of("0123456789") != std::string::npos)
                    throw std::invalid_argument("exercises: --timeout needs a whole number of seconds, got '" + v + "'");
                timeout = unsigned(std::stoul(v));
            }
            else if (a == "--strict") strict = true;
            else throw std::invalid_argument("exercises: unknown option " + a + " (see tutorials/exercises/README.md)");
        }
        todo = only.empty() ? catalog() : std::vector<Exercise>{find_exercise(only)};
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 2;
    }

    const bool verbose = !only.empty();
    const std::string self = argv[0];
    const std::string bin_dir = self.find('/') == std::string::npos ? "." : self.substr(0, self.rfind('/'));
    std::vector<Outcome> outcomes;
    for (const Exercise& e : todo) outcomes.push_back(run_exercise(e, verbose, timeout, bin_dir, workbook));

    const int done = print_table(todo, outcomes, workbook, verbose);
    if (!report.empty() && !write_report(report, todo, outcomes)) {
        std::fprintf(stderr, "exercises: could not write %s\n", report.c_str());
        return 2;
    }
    return strict && done != int(todo.size()) ? 1 : 0;
}
