#pragma once
// A fresh, empty folder under the system's temporary directory for one test.

#include <filesystem>
#include <string>

namespace minnow::test {

inline std::filesystem::path temp_dir(const std::string& name) {
    auto dir = std::filesystem::temp_directory_path() / ("minnow_test_" + name);
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    return dir;
}

}  // namespace minnow::test
