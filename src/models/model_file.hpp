#pragma once
// The whole-model file's parts, for save(), save_weights() and checkpoints (BackupAndRestore).

#include <map>
#include <string>

#include "minnow/io/safetensors.hpp"
#include "minnow/models/sequential.hpp"

namespace minnow::detail {

struct ModelFileParts {
    bool architecture = true;
    /// The compile configuration and the optimizer's state, when the model is compiled.
    bool optimizer = true;
    /// More metadata entries (a checkpoint's epoch).
    std::map<std::string, std::string> extra_metadata = {};
};

/// Writes the model's weights and the parts asked for to `path`, atomically.
void write_model_file(const Sequential& model, const std::string& path, const ModelFileParts& parts);

/// Gives the compiled `model`'s optimizer the slots, step counter and scalars saved in `content`
/// (nothing if it holds none); IoError naming `path` and the tensor when they do not fit.
void restore_optimizer_state(Sequential& model, const io::SafetensorsContent& content, const std::string& path);

/// Reads a file written by write_model_file into `model`: its weights (names and shapes checked)
/// and, when `model` is compiled, its optimizer's state. Returns the file's metadata.
std::map<std::string, std::string> load_into(Sequential& model, const std::string& path);

}  // namespace minnow::detail
