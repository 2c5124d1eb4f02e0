#include "minnow/io/output_paths.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unistd.h>

#include "minnow/core/error.hpp"

namespace minnow::io {

namespace fs = std::filesystem;

void prepare_output_folder(const std::string& dir) {
    MINNOW_CHECK(!dir.empty(), IoError, "output folder: the name is empty");
    std::error_code ec;
    fs::create_directories(dir, ec);
    MINNOW_CHECK(!ec, IoError, "{}: cannot create the output folder: {}", dir, ec.message());
    MINNOW_CHECK(fs::is_directory(dir), IoError, "{}: is not a folder, so outputs cannot go there", dir);
    const fs::path probe = fs::path(dir) / (".minnow-write-test-" + std::to_string(::getpid()));
    {
        std::ofstream f(probe);
        const bool ok = f.good() && (f << "ok").good();
        f.close();
        if (!ok) {
            const std::string why = std::strerror(errno);
            fs::remove(probe, ec);
            throw IoError(fmt::format("{}: the output folder is not writable: {}", dir, why));
        }
    }
    fs::remove(probe, ec);
}

void prepare_output_file(const std::string& path) {
    MINNOW_CHECK(!path.empty(), IoError, "output file: the name is empty");
    MINNOW_CHECK(!fs::is_directory(path), IoError, "{}: is a folder; give a file name to write", path);
    const fs::path parent = fs::path(path).parent_path();
    prepare_output_folder(parent.empty() ? "." : parent.string());
}

}  // namespace minnow::io
