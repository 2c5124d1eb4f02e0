#include "minnow/io/safetensors.hpp"

#include <bit>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <signal.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"

namespace minnow::io {

static_assert(std::endian::native == std::endian::little, "safetensors data is little-endian; so is this code");

namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;  // the reference implementation's limit

[[noreturn]] void fail(const std::string& path, const std::string& problem) {
    throw IoError(fmt::format("{}: {}", path, problem));
}

// Temporaries are named PATH.tmp-PID. A save killed before its rename leaves one behind; the
// next save or load of PATH removes those whose process is gone.
constexpr const char* kTempInfix = ".tmp-";

}  // namespace

void remove_stale_temporaries(const std::string& path) {
    namespace fs = std::filesystem;
    const fs::path target(path);
    const fs::path dir = target.parent_path().empty() ? fs::path(".") : target.parent_path();
    const std::string prefix = target.filename().string() + kTempInfix;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(prefix, 0) != 0) continue;
        const std::string pid_text = name.substr(prefix.size());
        if (pid_text.empty() || pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
        if (pid_text.size() > 9) continue;  // no pid has ten digits; and pid_t must hold it
        const long pid = std::stol(pid_text);
        // kill(pid, 0) tells whether the process still exists without signalling it.
        if (pid > 0 && pid != ::getpid() && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH)
            fs::remove(entry.path(), ec);
    }
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
    remove_stale_temporaries(path);
    const std::string tmp = fmt::format("{}{}{}", path, kTempInfix, ::getpid());
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr) fail(path, fmt::format("cannot create temporary file {}: {}", tmp, std::strerror(errno)));
    const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size() && std::fflush(f) == 0 &&
                    ::fsync(::fileno(f)) == 0;
    const int saved_errno = errno;
    const bool closed = std::fclose(f) == 0;
    if (!ok || !closed) {
        std::remove(tmp.c_str());
        fail(path, fmt::format("writing failed: {}", std::strerror(ok ? errno : saved_errno)));
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int rename_errno = errno;
        std::remove(tmp.c_str());
        fail(path, fmt::format("cannot replace the file: {}", std::strerror(rename_errno)));
    }
}

void write_safetensors(const std::string& path, const std::vector<std::pair<std::string, const Tensor*>>& tensors,
                       const std::map<std::string, std::string>& metadata) {
    nlohmann::ordered_json header;
    if (!metadata.empty()) header["__metadata__"] = metadata;
    uint64_t offset = 0;
    for (const auto& [name, t] : tensors) {
        MINNOW_CHECK(!header.contains(name), ValueError, "save: two tensors are named '{}'", name);
        const uint64_t bytes = static_cast<uint64_t>(t->numel()) * sizeof(float);
        header[name] = {{"dtype", "F32"}, {"shape", t->shape().dims()}, {"data_offsets", {offset, offset + bytes}}};
        offset += bytes;
    }
    std::string json = header.dump();
    json.append((8 - json.size() % 8) % 8, ' ');  // the data then starts 8-byte aligned
    std::string out(8, '\0');
    const uint64_t header_len = json.size();
    std::memcpy(out.data(), &header_len, 8);
    out += json;
    out.reserve(out.size() + offset);
    for (const auto& [name, t] : tensors)
        out.append(reinterpret_cast<const char*>(t->data()), static_cast<size_t>(t->numel()) * sizeof(float));
    write_file_atomic(path, out);
}

SafetensorsContent read_safetensors(const std::string& path) {
    if (std::filesystem::is_directory(path)) fail(path, "is a folder, not a model or weights file");
    remove_stale_temporaries(path);
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) fail(path, fmt::format("cannot open: {}", std::strerror(errno)));
    const auto file_size = static_cast<uint64_t>(in.tellg());
    in.seekg(0);
    if (file_size < 8) fail(path, fmt::format("too short to be a safetensors file ({} bytes)", file_size));
    uint64_t header_len = 0;
    in.read(reinterpret_cast<char*>(&header_len), 8);
    if (header_len > kMaxHeaderBytes)
        fail(path, fmt::format("header length {} exceeds the {} byte limit", header_len, kMaxHeaderBytes));
    if (header_len > file_size - 8)
        fail(path, fmt::format("header length {} is beyond the end of the file ({} bytes): truncated?", header_len,
                               file_size));
    std::string json_text(static_cast<size_t>(header_len), '\0');
    in.read(json_text.data(), static_cast<std::streamsize>(header_len));
    nlohmann::json header;
    try {
        header = nlohmann::json::parse(json_text);
    } catch (const nlohmann::json::exception& e) {
        fail(path, fmt::format("the header is not valid JSON: {}", e.what()));
    }
    if (!header.is_object()) fail(path, "the header is not a JSON object");

    const uint64_t data_size = file_size - 8 - header_len;
    SafetensorsContent content;
    struct Entry {
        std::string name;
        Shape shape;
        uint64_t begin, end;
    };
    std::vector<Entry> entries;
    uint64_t data_end = 0;
    for (const auto& [name, info] : header.items()) {
        if (name == "__metadata__") {
            if (!info.is_object()) fail(path, "__metadata__ is not an object");
            for (const auto& [key, value] : info.items()) {
                if (!value.is_string()) fail(path, fmt::format("metadata '{}' is not a string", key));
                content.metadata[key] = value.get<std::string>();
            }
            continue;
        }
        if (!info.is_object() || !info.contains("dtype") || !info.contains("shape") || !info.contains("data_offsets"))
            fail(path, fmt::format("tensor '{}' lacks dtype, shape or data_offsets", name));
        if (info["dtype"] != "F32")
            fail(path, fmt::format("tensor '{}' has dtype {}; minnow reads F32 only", name, info["dtype"].dump()));
        std::vector<int64_t> dims;
        for (const auto& d : info["shape"]) {
            if (!d.is_number_unsigned()) fail(path, fmt::format("tensor '{}' has an invalid shape {}", name, info["shape"].dump()));
            dims.push_back(d.get<int64_t>());
        }
        const auto& offsets = info["data_offsets"];
        if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
            !offsets[1].is_number_unsigned())
            fail(path, fmt::format("tensor '{}' has invalid data_offsets {}", name, offsets.dump()));
        const auto begin = offsets[0].get<uint64_t>(), end = offsets[1].get<uint64_t>();
        Shape shape(std::move(dims));
        int64_t numel = 0;
        try {
            numel = shape.numel();
        } catch (const ShapeError&) {
            fail(path, fmt::format("tensor '{}' has a shape {} with more elements than an int64 counts", name, shape));
        }
        if (uint64_t(numel) > std::numeric_limits<uint64_t>::max() / sizeof(float))
            fail(path, fmt::format("tensor '{}' of shape {} needs more bytes than a size counts", name, shape));
        if (begin > end || end > data_size)
            fail(path, fmt::format("tensor '{}' spans bytes [{}, {}) but the data section has {} bytes: truncated?",
                                   name, begin, end, data_size));
        if (end - begin != static_cast<uint64_t>(numel) * sizeof(float))
            fail(path, fmt::format("tensor '{}' of shape {} needs {} bytes, its range holds {}", name, shape,
                                   uint64_t(numel) * 4, end - begin));
        data_end = std::max(data_end, end);
        entries.push_back({name, std::move(shape), begin, end});
    }
    if (data_end != data_size)
        fail(path, fmt::format("the data section has {} bytes but the header accounts for {}", data_size, data_end));

    std::string data(static_cast<size_t>(data_size), '\0');
    in.read(data.data(), static_cast<std::streamsize>(data_size));
    if (!in) fail(path, "could not read the data section");
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
    for (Entry& e : entries) {
        Tensor t(e.shape);
        std::memcpy(t.data(), data.data() + e.begin, static_cast<size_t>(e.end - e.begin));
        content.tensors.emplace_back(e.name, std::move(t));
    }
    return content;
}

}  // namespace minnow::io
