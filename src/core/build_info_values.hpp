#pragma once
// The build's values, defined in the generated build_info.cpp (cmake/build_info.cpp.in).

namespace minnow::detail {

extern const char* const kGitCommit;
extern const char* const kCompiler;
extern const char* const kCompileFlags;
extern const char* const kBuildType;

}  // namespace minnow::detail
