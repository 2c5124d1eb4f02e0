#pragma once
/// Checks that outputs can be written before long work starts (as Keras' ModelCheckpoint fails
/// early): a run that cannot save its results fails at once, not after hours of training.

#include <string>

namespace minnow::io {

/// Creates `dir` (and its parents) if needed and writes and removes a temporary file in it;
/// IoError naming the folder and the reason otherwise.
void prepare_output_folder(const std::string& dir);

/// The same for the folder that will hold `path` (the current folder when it has none); refuses
/// a `path` that is a folder.
void prepare_output_file(const std::string& path);

}  // namespace minnow::io
