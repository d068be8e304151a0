// The safetensors reader and writer. Reading goes header first: every entry is checked against the
// file's size before any tensor memory is allocated, so a hostile header cannot make us allocate
// more than the file holds. Writing builds the header, then streams the tensor bytes to a temp file
// that is renamed into place. POSIX file calls (open, fsync, rename) throughout, for errno and fsync.
#include "nn/io/safetensors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <set>
#include <stdexcept>

#include "nn/io/atomic_file.h"
#include "nn/io/json.h"
#include "nn/io/utf8.h"

namespace gs::io {

// The tensor bytes are copied straight between files and memory, so the host must store numbers the
// way the format does: little-endian IEEE-754.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors.cpp assumes a little-endian host");
static_assert(std::numeric_limits<float>::is_iec559 && std::numeric_limits<double>::is_iec559,
              "safetensors.cpp assumes IEEE-754 float and double");

namespace {

// The same cap as the reference implementation: a real header is kilobytes, so anything near this
// is a corrupt length field, and we must not allocate it.
constexpr uint64_t kMaxHeaderBytes = 100'000'000;

const char* real_dtype() { return sizeof(real) == 4 ? "F32" : "F64"; }

std::string errno_text() { return std::strerror(errno); }

// A name in quotes for an error message, escaped like JSON when it is valid UTF-8 (a name from a file
// always is; a caller's might not be).
std::string quoted(const std::string& s) { return is_valid_utf8(s) ? json_quote(s) : "\"" + s + "\""; }

// Why read_all() failed: a read error, or (errno 0) the file was shorter than its size said.
std::string read_error() {
    return errno ? "read failed: " + errno_text() : "file ended early (did it change while reading?)";
}

// Reads exactly n bytes. False on end of file (errno 0) or error (errno set).
bool read_all(int fd, void* buf, size_t n) {
    char* p = static_cast<char*>(buf);
    while (n > 0) {
        ssize_t got = ::read(fd, p, n);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            if (got == 0) errno = 0;
            return false;
        }
        p += got;
        n -= size_t(got);
    }
    return true;
}

// A file descriptor that closes itself.
struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// ---- reading the header ----

// "an array", "a string", ... for messages like `"shape" is a string, not an array`.
std::string kind(const Json& v) {
    std::string t = json_type_name(v.type);
    return (t[0] == 'a' || t[0] == 'i' || t[0] == 'o' ? "an " : "a ") + t;
}

// One tensor as the header describes it, checked against the data section's size.
struct Entry {
    std::string name;
    size_t dtype_bytes;   // 4 (F32) or 8 (F64)
    Shape shape;
    int64_t begin, end;   // byte range within the data section
};

// Throws "load_safetensors: <file>: <what>".
struct Reader {
    const std::string& path;
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("load_safetensors: " + path + ": " + what);
    }
    [[noreturn]] void fail(const std::string& name, const std::string& what) const {
        fail("tensor " + quoted(name) + ": " + what);
    }

    // A non-negative JSON integer, or throws naming `what` it was meant to be.
    int64_t count(const std::string& name, const Json& v, const char* what) const {
        if (v.type != Json::Type::Integer || v.integer < 0)
            fail(name, std::string(what) + " must be non-negative integers, got " +
                           (v.type == Json::Type::Integer ? std::to_string(v.integer) : kind(v)));
        return v.integer;
    }

    Entry entry(const std::string& name, const Json& v, int64_t data_bytes) const {
        if (v.type != Json::Type::Object) fail(name, "entry is " + kind(v) + ", not an object");
        for (const auto& m : v.object)
            if (m.first != "dtype" && m.first != "shape" && m.first != "data_offsets")
                fail(name, "unexpected field " + quoted(m.first));
        const Json* dtype = v.find("dtype");
        const Json* shape = v.find("shape");
        const Json* offsets = v.find("data_offsets");
        if (!dtype) fail(name, "missing \"dtype\"");
        if (!shape) fail(name, "missing \"shape\"");
        if (!offsets) fail(name, "missing \"data_offsets\"");
        if (dtype->type != Json::Type::String) fail(name, "\"dtype\" is " + kind(*dtype) + ", not a string");
        if (shape->type != Json::Type::Array) fail(name, "\"shape\" is " + kind(*shape) + ", not an array");
        if (offsets->type != Json::Type::Array || offsets->array.size() != 2)
            fail(name, "\"data_offsets\" must be an array of two integers [begin, end]");

        Entry e;
        e.name = name;
        if (dtype->string == "F32") e.dtype_bytes = 4;
        else if (dtype->string == "F64") e.dtype_bytes = 8;
        else fail(name, "dtype " + quoted(dtype->string) + " is not supported (gradschool reads F32 and F64)");
        int64_t numel = 1;
        for (const Json& d : shape->array) {
            e.shape.push_back(count(name, d, "shape dims"));
            // the product of the dims, refusing to overflow (a hostile shape like [2^40, 2^40])
            if (__builtin_mul_overflow(numel, e.shape.back(), &numel))
                fail(name, "shape has more elements than int64 can count");
        }
        e.begin = count(name, offsets->array[0], "data_offsets");
        e.end = count(name, offsets->array[1], "data_offsets");
        std::string range = "data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) + "]";
        if (e.begin > e.end) fail(name, range + " end before they begin");
        if (e.end > data_bytes)
            fail(name, range + " run past the end of the data section (" + std::to_string(data_bytes) + " bytes)");
        int64_t need;
        if (__builtin_mul_overflow(numel, int64_t(e.dtype_bytes), &need) || need != e.end - e.begin)
            fail(name, range + " hold " + std::to_string(e.end - e.begin) + " bytes, but shape " +
                           shape_str(e.shape) + " is " + std::to_string(numel) + " elements of " +
                           std::to_string(e.dtype_bytes) + " bytes");
        return e;
    }

    std::map<std::string, std::string> metadata(const Json& v) const {
        if (v.type != Json::Type::Object) fail("__metadata__ is " + kind(v) + ", not an object");
        std::map<std::string, std::string> out;
        for (const auto& m : v.object) {
            if (m.second.type != Json::Type::String)
                fail("__metadata__ value for " + quoted(m.first) + " is " + kind(m.second) + ", not a string");
            out[m.first] = m.second.string;
        }
        return out;
    }

    // The tensors, sorted by position, must tile [0, data_bytes) exactly: the reference implementation
    // is just as strict, and it means every byte of the file is accounted for.
    void check_tiling(std::vector<Entry>& es, int64_t data_bytes) const {
        // stable: entries at the same position stay in header order, so messages are deterministic
        std::stable_sort(es.begin(), es.end(), [](const Entry& a, const Entry& b) {
            return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
        });
        int64_t covered = 0;   // every byte before this belongs to a tensor already seen
        for (size_t i = 0; i < es.size(); i++) {
            const Entry& e = es[i];
            if (e.begin < covered)
                fail("tensors " + quoted(es[i - 1].name) + " and " + quoted(e.name) + " overlap (bytes " +
                     std::to_string(e.begin) + " to " + std::to_string(covered) + ")");
            if (e.begin > covered)
                fail("gap of " + std::to_string(e.begin - covered) + " unused bytes before tensor " +
                     quoted(e.name) + " (the tensors must cover the data section exactly)");
            covered = e.end;
        }
        if (covered != data_bytes)
            fail(std::to_string(data_bytes - covered) + " unused trailing bytes after the last tensor " +
                 "(data section is " + std::to_string(data_bytes) + " bytes, tensors cover " +
                 std::to_string(covered) + ")");
    }
};

// Reads one tensor's bytes (the next ones in the file) into a new tensor, converting F64 <-> F32 if
// the file's dtype is not real.
Tensor read_tensor(const Reader& r, int fd, const Entry& e) {
    Tensor t = Tensor::empty(e.shape);
    size_t n = size_t(t.numel());
    bool ok;
    if (e.dtype_bytes == sizeof(real)) {
        ok = read_all(fd, t.data(), n * sizeof(real));
    } else if (e.dtype_bytes == 8) {
        std::vector<double> buf(n);
        ok = read_all(fd, buf.data(), n * 8);
        for (size_t i = 0; i < n; i++) t.data()[i] = real(buf[i]);
    } else {
        std::vector<float> buf(n);
        ok = read_all(fd, buf.data(), n * 4);
        for (size_t i = 0; i < n; i++) t.data()[i] = real(buf[i]);
    }
    // the size was checked, so this means the file changed under us or the disk failed
    if (!ok) r.fail(e.name, read_error());
    return t;
}

// Reads the header length and the header text from a file opened at its start, leaving fd at the
// first data byte. Sets *data_bytes to the size of the data section.
std::string read_header(const Reader& r, int fd, int64_t* data_bytes) {
    struct stat st;
    if (::fstat(fd, &st) != 0) r.fail("cannot stat: " + errno_text());
    if (S_ISDIR(st.st_mode)) r.fail("is a directory, not a file");
    if (!S_ISREG(st.st_mode)) r.fail("is not a regular file");
    uint64_t file_bytes = uint64_t(st.st_size);
    if (file_bytes < 8)
        r.fail("file is " + std::to_string(file_bytes) + " bytes, too short for the 8-byte header length");

    unsigned char len[8];
    if (!read_all(fd, len, 8)) r.fail("cannot read the header length: " + read_error());
    uint64_t header_bytes = 0;
    for (int i = 7; i >= 0; i--) header_bytes = header_bytes << 8 | len[i];   // little-endian
    if (header_bytes > kMaxHeaderBytes)
        r.fail("header length " + std::to_string(header_bytes) + " is absurd (the limit is " +
               std::to_string(kMaxHeaderBytes) + " bytes)");
    if (header_bytes > file_bytes - 8)
        r.fail("header length " + std::to_string(header_bytes) + " runs past the end of the file (" +
               std::to_string(file_bytes) + " bytes)");
    std::string text(header_bytes, '\0');
    if (!read_all(fd, text.data(), text.size())) r.fail("cannot read the header: " + read_error());
    *data_bytes = int64_t(file_bytes - 8 - header_bytes);
    return text;
}

}  // namespace

SafetensorsFile load_safetensors(const std::string& path) {
    Reader r{path};
    Fd f;
    // O_NONBLOCK: open() of a FIFO would wait for a writer; read_header() then refuses anything but a
    // regular file, whose reads the flag does not change
    f.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (f.fd < 0) r.fail("cannot open: " + errno_text());
    int64_t data_bytes;
    std::string text = read_header(r, f.fd, &data_bytes);

    Json header;
    try {
        header = parse_json(text);
    } catch (const std::runtime_error& e) {
        r.fail(std::string("header is not valid JSON: ") + e.what());
    }
    if (header.type != Json::Type::Object) r.fail("header is " + kind(header) + ", not a JSON object");

    SafetensorsFile out;
    std::vector<Entry> entries;
    for (const auto& m : header.object) {
        if (m.first == "__metadata__") out.metadata = r.metadata(m.second);
        else entries.push_back(r.entry(m.first, m.second, data_bytes));
    }
    r.check_tiling(entries, data_bytes);

    // Everything is valid; the data section is the tensors back to back, now sorted by position.
    for (const Entry& e : entries) out.tensors.emplace_back(e.name, read_tensor(r, f.fd, e));
    return out;
}

namespace {

// "a, b, c and 997 more": the first few items of a list and the count of the rest.
struct NameList {
    static constexpr int64_t kShown = 3;
    std::string text;
    int64_t n = 0;
    void add(const std::string& item) {
        if (n++ < kShown) text += (text.empty() ? "" : ", ") + item;
    }
    std::string str() const { return n > kShown ? text + " and " + std::to_string(n - kShown) + " more" : text; }
};

}  // namespace

std::string layout_mismatch(const SafetensorsFile& file, const std::vector<std::pair<std::string, Shape>>& want) {
    std::map<std::string, const Shape*> wanted;
    for (const auto& [name, shape] : want) wanted.emplace(name, &shape);
    // a corrupt or foreign file can hold thousands of names: list a few of each kind and count the rest
    NameList missing, unexpected, mismatched;
    std::set<std::string> in_file;
    for (const auto& [name, t] : file.tensors) {
        in_file.insert(name);
        auto it = wanted.find(name);
        if (it == wanted.end()) unexpected.add(quoted(name));
        else if (*it->second != t.shape())
            mismatched.add(quoted(name) + " is " + shape_str(t.shape()) + " in the file but " +
                           shape_str(*it->second) + " in the model");
    }
    for (const auto& [name, shape] : want)
        if (!in_file.count(name)) missing.add(quoted(name));
    std::string msg;
    if (missing.n) msg += " missing from the file: " + missing.str() + ";";
    if (unexpected.n) msg += " not in the model: " + unexpected.str() + ";";
    if (mismatched.n) msg += " shape mismatch: " + mismatched.str() + ";";
    if (!msg.empty()) msg = msg.substr(1, msg.size() - 2);   // the leading space and the last ';'
    return msg;
}

void copy_into(const SafetensorsFile& file, const std::string& path,
               const std::vector<std::pair<std::string, Tensor>>& params) {
    std::map<std::string, const Tensor*> model;
    std::vector<std::pair<std::string, Shape>> want;
    for (const auto& p : params) {
        check(p.second.defined(), "load_into", "parameter ", quoted(p.first), " is an undefined tensor");
        check(model.emplace(p.first, &p.second).second, "load_into", "parameter name ", quoted(p.first),
              " appears twice");
        want.push_back({p.first, p.second.shape()});
    }
    std::string mismatch = layout_mismatch(file, want);
    if (!mismatch.empty()) throw std::runtime_error("load_into: " + path + " does not match the model: " + mismatch);
    // Only now, with every name and shape known to match, does any parameter change.
    for (const auto& [name, t] : file.tensors) std::copy(t.data(), t.data() + t.numel(), model[name]->data());
}

std::map<std::string, std::string> load_into(const std::string& path,
                                             const std::vector<std::pair<std::string, Tensor>>& params) {
    SafetensorsFile file = load_safetensors(path);
    copy_into(file, path, params);
    return file.metadata;
}

// ---- writing ----

std::string safetensors_header(const std::vector<std::pair<std::string, Tensor>>& tensors,
                               const std::map<std::string, std::string>& metadata) {
    std::string h = "{";
    if (!metadata.empty()) {
        h += "\"__metadata__\":{";
        for (const auto& [k, v] : metadata) h += json_quote(k) + ":" + json_quote(v) + ",";
        h.back() = '}';
        h += ",";
    }
    int64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        int64_t end = offset + t.numel() * int64_t(sizeof(real));
        std::string dims;
        for (int64_t d : t.shape()) dims += (dims.empty() ? "" : ",") + std::to_string(d);
        h += json_quote(name) + ":{\"dtype\":\"" + real_dtype() + "\",\"shape\":[" + dims +
             "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(end) + "]},";
        offset = end;
    }
    if (h.back() == ',') h.back() = '}';
    else h += "}";
    h.append((8 - h.size() % 8) % 8, ' ');
    return h;
}

namespace {

// Header length, header, then every tensor's bytes, through a temp file renamed into place.
void write_atomically(const std::string& path, const std::string& header,
                      const std::vector<std::pair<std::string, Tensor>>& tensors) {
    AtomicFile f(path, "save_safetensors");
    unsigned char len[8];
    for (int i = 0; i < 8; i++) len[i] = static_cast<unsigned char>(uint64_t(header.size()) >> (8 * i));
    f.write(len, 8);
    f.write(header.data(), header.size());
    for (const auto& p : tensors) f.write(p.second.data(), size_t(p.second.numel()) * sizeof(real));
    f.commit();
}

}  // namespace

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
    const char* op = "save_safetensors";
    std::set<std::string> names;
    for (const auto& [name, t] : tensors) {
        check(is_valid_utf8(name), op, "tensor name is not valid UTF-8");
        check(name != "__metadata__", op, "\"__metadata__\" is reserved and cannot name a tensor");
        check(names.insert(name).second, op, "duplicate tensor name ", quoted(name));
        check(t.defined(), op, "tensor ", quoted(name), " is undefined");
    }
    for (const auto& [k, v] : metadata)
        check(is_valid_utf8(k) && is_valid_utf8(v), op, "metadata key or value is not valid UTF-8");
    std::string header = safetensors_header(tensors, metadata);
    check(header.size() <= kMaxHeaderBytes, op, "header would be ", header.size(), " bytes, over the limit of ",
          kMaxHeaderBytes);
    write_atomically(path, header, tensors);
}

}  // namespace gs::io
