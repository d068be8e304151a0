// AtomicFile: temp file, fsync, rename, fsync the directory. See atomic_file.h.
#include "nn/io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gs::io {

namespace {

std::string directory_of(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// pid + counter: two threads or processes saving to the same path never share a temp file
std::string temp_name(const std::string& path) {
    static std::atomic<uint64_t> counter{0};
    return path + ".tmp." + std::to_string(::getpid()) + "." + std::to_string(counter++);
}

}  // namespace

AtomicFile::AtomicFile(const std::string& path, const std::string& who)
    : path_(path), tmp_(temp_name(path)), who_(who) {
    fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) fail("cannot create temporary file " + tmp_);
    created_ = true;
}

AtomicFile::~AtomicFile() {
    if (fd_ >= 0) ::close(fd_);
    if (created_ && !renamed_) ::unlink(tmp_.c_str());
}

void AtomicFile::fail(const std::string& what) const {
    throw std::runtime_error(who_ + ": " + path_ + ": " + what + ": " + std::strerror(errno));
}

void AtomicFile::write(const void* data, size_t n) {
    const char* p = static_cast<const char*>(data);
    while (n > 0) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) fail("write failed");
        p += w;
        n -= size_t(w);
    }
}

void AtomicFile::commit() {
    // the data must be on disk before the rename publishes it, or a crash could leave a
    // complete-looking file full of zeros
    if (::fsync(fd_) != 0) fail("fsync failed");
    int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) fail("close failed");
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) fail("cannot rename " + tmp_ + " over it");
    renamed_ = true;
    // the rename itself lives in the directory; sync it so the new name survives a crash
    // (EINVAL: this filesystem cannot sync directories, and there is nothing more to do)
    std::string dir = directory_of(path_);
    int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) fail("saved, but cannot open directory " + dir + " to sync it");
    int rc = ::fsync(dfd);
    int err = errno;
    ::close(dfd);
    errno = err;
    if (rc != 0 && errno != EINVAL) fail("saved, but syncing directory " + dir + " failed");
}

void write_file_atomic(const std::string& path, const std::string& bytes, const std::string& who) {
    AtomicFile f(path, who);
    f.write(bytes.data(), bytes.size());
    f.commit();
}

}  // namespace gs::io
