// The run directory: mkdir -p, the lock, the checks, the sweep. See run_dir.h.
#include "gpt/run_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gs::gpt {

namespace {

std::string errno_text() { return std::strerror(errno); }

}  // namespace

void make_dirs(const std::string& path) {
    if (path.empty()) throw std::runtime_error("gpt train: the output directory's name is empty");
    for (size_t i = 1; i <= path.size(); i++) {
        if (i < path.size() && path[i] != '/') continue;
        std::string prefix = path.substr(0, i);
        if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST)
            throw std::runtime_error("gpt train: cannot create output directory " + prefix + ": " + errno_text());
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw std::runtime_error("gpt train: cannot use output directory " + path + ": " + errno_text());
    if (!S_ISDIR(st.st_mode)) throw std::runtime_error("gpt train: --out " + path + " exists and is not a directory");
}

RunLock::RunLock(const std::string& dir) {
    const std::string path = dir + "/lock";
    fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    // an existing lock file we may not write (a read-only --out) still locks: flock needs no write access,
    // and check_writable() then says what is wrong
    if (fd_ < 0 && (errno == EACCES || errno == EROFS)) fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("gpt train: cannot open the lock file " + path + ": " + errno_text());
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
        int err = errno;
        char buf[32] = {0};
        ssize_t n = ::pread(fd_, buf, sizeof buf - 1, 0);
        std::string pid = n > 0 ? std::string(buf, size_t(n)) : "";
        while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
        ::close(fd_);
        if (err != EWOULDBLOCK)
            throw std::runtime_error("gpt train: cannot lock " + path + ": " + std::strerror(err));
        throw std::runtime_error("gpt train: " + dir + " is in use by another run (pid " +
                                 (pid.empty() ? "unknown" : pid) + "); wait for it to end, or choose another --out");
    }
    // ours now: record the pid for the message above (a failure here only makes that message vaguer)
    std::string pid = std::to_string(::getpid()) + "\n";
    bool recorded = ::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) == ssize_t(pid.size());
    (void)recorded;
}

RunLock::~RunLock() {
    if (fd_ >= 0) ::close(fd_);   // closing the last descriptor releases the lock
}

std::vector<std::string> run_files(const std::string& dir) {
    std::vector<std::string> found;
    for (const char* f : {"model.safetensors", "state.safetensors", "log.csv"})
        if (::access((dir + "/" + f).c_str(), F_OK) == 0) found.push_back(f);
    return found;
}

void check_writable(const std::string& dir) {
    const std::string probe = dir + "/.write_test." + std::to_string(::getpid());
    int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        throw std::runtime_error("gpt train: --out " + dir + " is not writable (" + errno_text() +
                                 "): checkpoints could not be saved");
    ::close(fd);
    ::unlink(probe.c_str());
}

void remove_stale_temp_files(const std::string& dir) {
    DIR* d = ::opendir(dir.c_str());
    if (!d) return;
    for (struct dirent* e; (e = ::readdir(d)) != nullptr;) {
        std::string name = e->d_name;
        for (const char* ours : {"model.safetensors.tmp.", "state.safetensors.tmp.", "log.csv.tmp.", "loss.svg.tmp."}) {
            size_t n = std::strlen(ours);
            if (name.compare(0, n, ours) != 0) continue;
            // "<pid>.<counter>": leave it if the pid is unreadable, ours, or a live process's
            char* end = nullptr;
            long pid = std::strtol(name.c_str() + n, &end, 10);
            if (end == name.c_str() + n || *end != '.' || pid <= 0 || pid == long(::getpid())) continue;
            if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH) continue;
            ::unlink((dir + "/" + name).c_str());
        }
    }
    ::closedir(d);
}

}  // namespace gs::gpt
