// Writing a file so that it is never seen half written: the bytes go to a temporary file in the same
// directory, which is flushed to disk (fsync) and then renamed over the target. rename() replaces a
// name in one step, so after a crash at any moment the target holds either its old content or the new.
//
//   AtomicFile f("out/model.safetensors", "save_safetensors");
//   f.write(header.data(), header.size());
//   f.commit();          // without a commit (an exception on the way) the temp file is removed
#pragma once
#include <cstddef>
#include <string>

namespace gs::io {

class AtomicFile {
public:
    // `who` starts every error message: "<who>: <path>: <what went wrong>: <system reason>"
    AtomicFile(const std::string& path, const std::string& who);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(const void* data, size_t n);   // throws std::runtime_error
    void commit();                            // fsync, close, rename over the target, fsync the directory

private:
    [[noreturn]] void fail(const std::string& what) const;
    std::string path_, tmp_, who_;
    int fd_ = -1;
    bool created_ = false;   // if open() failed the temp name may belong to someone else: leave it alone
    bool renamed_ = false;
};

// The whole file in one call.
void write_file_atomic(const std::string& path, const std::string& bytes, const std::string& who = "write");

}  // namespace gs::io
