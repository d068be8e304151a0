// The output directory of a training run (--out): created if missing, locked for the run's lifetime,
// checked for an earlier run and for write access before anything is written, and swept of the temp
// files that killed runs leave behind.
//
//   make_dirs(out);
//   RunLock lock(out);                  // throws, naming the holder's pid, if another run has it
//   if (!run_files(out).empty()) ...    // an earlier run is here: --resume or --overwrite
//   check_writable(out);
//   remove_stale_temp_files(out);
#pragma once
#include <string>
#include <vector>

namespace gs::gpt {

// mkdir -p: the directory and any missing parents. Throws std::runtime_error naming the path.
void make_dirs(const std::string& path);

// An exclusive flock() on <dir>/lock, held from construction to destruction. The kernel releases it
// when the process ends however it ends, so a killed run leaves no stale lock. The file holds the
// holder's pid, for the message a second run gets: std::runtime_error "gpt train: <dir> is in use by
// another run (pid 1234) ...". The file itself stays (removing it would let two runs lock two files).
class RunLock {
public:
    explicit RunLock(const std::string& dir);
    ~RunLock();
    RunLock(const RunLock&) = delete;
    RunLock& operator=(const RunLock&) = delete;

private:
    int fd_ = -1;
};

// The files of a run present in dir, among model.safetensors, state.safetensors and log.csv.
std::vector<std::string> run_files(const std::string& dir);

// Throws std::runtime_error unless a file can be created in dir (tries one, then removes it): a
// read-only directory is reported at start, not at the first checkpoint.
void check_writable(const std::string& dir);

// Removes "<file>.tmp.<pid>.<n>", the temp files of atomic writes (nn/io/atomic_file.h) that a killed
// run left, for our four files only, and only when process <pid> is gone: a live process's are left.
void remove_stale_temp_files(const std::string& dir);

}  // namespace gs::gpt
