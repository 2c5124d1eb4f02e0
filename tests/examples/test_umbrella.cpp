// <minnow/minnow.hpp> alone declares the whole public API: it includes every public header, and a
// file that includes only it can load IDX data and run the experiments.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "minnow/minnow.hpp"

namespace fs = std::filesystem;

namespace {

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// The minnow headers `text` includes.
std::set<std::string> includes_of(const std::string& text) {
    std::set<std::string> found;
    const std::regex include_line(R"re(#include "(minnow/[^"]+)")re");
    for (auto it = std::sregex_iterator(text.begin(), text.end(), include_line); it != std::sregex_iterator(); ++it)
        found.insert((*it)[1]);
    return found;
}

}  // namespace

TEST_CASE("umbrella header: includes every public header, directly or through one it includes", "[examples]") {
    const fs::path include_dir = fs::path(MINNOW_TEST_FIXTURES) / ".." / ".." / "include";
    const std::string umbrella = read(include_dir / "minnow" / "minnow.hpp");
    REQUIRE_FALSE(umbrella.empty());
    std::set<std::string> reached = includes_of(umbrella);
    std::vector<std::string> todo(reached.begin(), reached.end());
    while (!todo.empty()) {
        const std::string header = todo.back();
        todo.pop_back();
        for (const std::string& next : includes_of(read(include_dir / header)))
            if (reached.insert(next).second) todo.push_back(next);
    }
    for (const auto& entry : fs::recursive_directory_iterator(include_dir / "minnow")) {
        if (entry.path().extension() != ".hpp" || entry.path().filename() == "minnow.hpp") continue;
        const std::string header = fs::relative(entry.path(), include_dir).generic_string();
        INFO(header);
        CHECK(reached.count(header) == 1);
    }
    CHECK(reached.count("minnow/version.hpp") == 1);  // generated at configure time
}

TEST_CASE("umbrella header: the IDX loader and the experiments are declared", "[examples]") {
    // Naming them is the test: this file includes nothing else of minnow's.
    [[maybe_unused]] auto reader = &minnow::data::read_idx;
    [[maybe_unused]] auto folder = &minnow::data::load_image_folder;
    CHECK(minnow::experiments::claim_names().size() >= 10);  // the lab's claims
    CHECK(std::string(MINNOW_VERSION_STRING).size() >= 5);
}
