// Reading the corpus, the train/val split and batching. See data.h.
#include "gpt/data.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "autograd/check.h"
#include "nn/io/utf8.h"

namespace gs::gpt {

namespace {

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
    if (S_ISSOCK(mode)) return "a socket";
    return "a special file";
}

}  // namespace

std::string read_text_file(const std::string& path) {
    if (path.empty()) throw std::runtime_error("the text file's name is empty");
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer, forever if none comes.
    // It changes nothing for a regular file, the only kind read below.
    int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        throw std::runtime_error(path + ": " + (errno == ENOENT ? std::string("no such file")
                                                                : "cannot open: " + std::string(std::strerror(errno))));
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    struct stat st;
    if (::fstat(fd, &st) != 0) throw std::runtime_error(path + ": cannot stat: " + std::strerror(errno));
    // a device such as /dev/zero or /dev/urandom never ends, so only regular files are read
    if (!S_ISREG(st.st_mode))
        throw std::runtime_error(path + ": is " + file_kind(st.st_mode) + ", not a text file");
    if (st.st_size > kMaxTextBytes)
        throw std::runtime_error(path + ": is " + std::to_string(st.st_size) + " bytes, over the limit of " +
                                 std::to_string(kMaxTextBytes >> 20) + " MiB");

    // read to the end, but never past the limit, even if the file grows while we read
    std::string bytes;
    char buf[1 << 16];
    for (;;) {
        ssize_t got = ::read(fd, buf, sizeof buf);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw std::runtime_error(path + ": read error: " + std::strerror(errno));
        if (got == 0) break;
        bytes.append(buf, size_t(got));
        if (int64_t(bytes.size()) > kMaxTextBytes)
            throw std::runtime_error(path + ": grew past the limit of " + std::to_string(kMaxTextBytes >> 20) +
                                     " MiB while being read");
    }
    if (bytes.empty()) throw std::runtime_error(path + ": file is empty");

    // a bad file is a runtime_error, so rethrow the decoder's message (it already names the path)
    try {
        io::decode_utf8(bytes, path);
    } catch (const std::invalid_argument& e) {
        throw std::runtime_error(e.what());
    }
    return bytes;
}

const char* split_name(Split s) { return s == Split::train ? "train" : "val"; }

Dataset::Dataset(const std::vector<int32_t>& tokens) {
    check(!tokens.empty(), "Dataset", "there are no tokens to split");
    const size_t n_train = tokens.size() * 9 / 10;   // integer arithmetic, so no float rounding surprises
    train.assign(tokens.begin(), tokens.begin() + std::ptrdiff_t(n_train));
    val.assign(tokens.begin() + std::ptrdiff_t(n_train), tokens.end());
}

Dataset::Dataset(const std::string& text, const CharTokenizer& tok, const std::string& what)
    : Dataset(tok.encode(text, what)) {}

namespace {

// Row `row` of x and y from the T+1 tokens at data[start..start+T].
void fill_row(Batch& b, int64_t row, const int32_t* data, size_t start, int T) {
    const int32_t* window = data + start;                  // (T+1,)
    std::copy(window, window + T, b.x.data() + row * T);
    std::copy(window + 1, window + T + 1, b.y.data() + row * T);
}

}  // namespace

Batch Dataset::get_batch(Split s, int B, int T, Rng& rng) const {
    check(B >= 1 && T >= 1, "get_batch", "B and T must be at least 1, got B = ", B, ", T = ", T);
    const std::vector<int32_t>& data = tokens(s);
    const size_t n = data.size();
    check(n >= size_t(T) + 1, "get_batch", "the ", split_name(s), " split has ", n,
          " tokens, fewer than the T+1 = ", int64_t(T) + 1, " that one window needs");
    check(n - size_t(T) <= UINT32_MAX, "get_batch", "the ", split_name(s), " split has ", n,
          " tokens, more than Rng::below can index");

    Batch b{Indices::zeros({B, T}), Indices::zeros({B, T})};
    for (int row = 0; row < B; row++) {
        // n - T possible starts, 0 .. n-T-1, so the last window ends exactly at the split's last token
        const size_t start = rng.below(uint32_t(n - size_t(T)));
        fill_row(b, row, data.data(), start, T);
    }
    return b;
}

std::vector<Batch> Dataset::eval_batches(Split s, int B, int T, int n, uint64_t seed) const {
    check(n >= 0, "eval_batches", "the number of batches must be >= 0, got ", n);
    Rng rng(seed);
    std::vector<Batch> batches;
    for (int i = 0; i < n; i++) batches.push_back(get_batch(s, B, T, rng));
    return batches;
}

std::vector<Batch> sequential_windows(const std::vector<int32_t>& tokens, int T, int B) {
    check(B >= 1 && T >= 1, "sequential_windows", "B and T must be at least 1, got B = ", B, ", T = ", T);
    const size_t n = tokens.size();
    check(n >= size_t(T) + 1, "sequential_windows", "there are ", n, " tokens, fewer than the T+1 = ",
          int64_t(T) + 1, " that one window needs");
    const int64_t W = int64_t((n - 1) / size_t(T));   // whole windows; the tail of (n-1) % T targets is dropped
    std::vector<Batch> batches;
    for (int64_t w0 = 0; w0 < W; w0 += B) {
        const int64_t rows = std::min<int64_t>(B, W - w0);
        Batch b{Indices::zeros({rows, T}), Indices::zeros({rows, T})};
        for (int64_t r = 0; r < rows; r++) fill_row(b, r, tokens.data(), size_t(w0 + r) * size_t(T), T);
        batches.push_back(std::move(b));
    }
    return batches;
}

}  // namespace gs::gpt
