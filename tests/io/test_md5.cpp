#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "minnow/core/error.hpp"
#include "minnow/io/md5.hpp"

using namespace minnow;

TEST_CASE("md5: RFC 1321's test suite", "[io]") {
    CHECK(io::md5_hex("") == "d41d8cd98f00b204e9800998ecf8427e");
    CHECK(io::md5_hex("a") == "0cc175b9c0f1b6a831c399e269772661");
    CHECK(io::md5_hex("abc") == "900150983cd24fb0d6963f7d28e17f72");
    CHECK(io::md5_hex("message digest") == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK(io::md5_hex("abcdefghijklmnopqrstuvwxyz") == "c3fcd3d76192e4007dfb496cca67e13b");
    CHECK(io::md5_hex("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789") ==
          "d174ab98d277d9f5a5611c2c9f419d9f");
    std::string eighty;
    for (int i = 0; i < 8; ++i) eighty += "1234567890";
    CHECK(io::md5_hex(eighty) == "57edf4a22be3c955ac49da2e2107b67a");
}

TEST_CASE("md5: fed in pieces, and of a file", "[io]") {
    io::Md5 md5;
    for (char c : std::string("message digest")) md5.update(&c, 1);
    CHECK(md5.hex() == "f96b697d7cb7938d525a2f31aaf161d0");
    CHECK_THROWS_AS(md5.update("x", 1), StateError);

    const auto path = std::filesystem::temp_directory_path() / "minnow_test_md5.bin";
    std::string bytes(3 << 20, '\0');  // several read chunks
    for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 7 % 251);
    std::ofstream(path, std::ios::binary) << bytes;
    CHECK(io::md5_file(path.string()) == io::md5_hex(bytes));
    CHECK_THROWS_WITH(io::md5_file("/nonexistent/file"), Catch::Contains("/nonexistent/file"));
}
