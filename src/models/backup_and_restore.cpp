// BackupAndRestore: a checkpoint after every epoch, restored when fit starts again.
#include <filesystem>

#include "minnow/core/distributed.hpp"
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/io/output_paths.hpp"
#include "minnow/models/callbacks.hpp"
#include "minnow/models/sequential.hpp"
#include "models/model_file.hpp"

namespace minnow {

namespace {
constexpr const char* kEpochKey = "minnow.backup_epoch";  // the first epoch not yet finished
}  // namespace

BackupAndRestore::BackupAndRestore(std::string backup_dir, bool delete_checkpoint)
    : dir_(std::move(backup_dir)), delete_checkpoint_(delete_checkpoint) {
    MINNOW_CHECK(!dir_.empty(), ValueError, "BackupAndRestore: backup_dir is empty");
}

std::string BackupAndRestore::backup_path() const { return (std::filesystem::path(dir_) / "latest.safetensors").string(); }

void BackupAndRestore::on_train_begin(const Logs&) {
    restored_.reset();
    io::prepare_output_folder(dir_);  // fails now, not after the first epoch
    const std::string path = backup_path();
    if (!std::filesystem::exists(path)) return;
    const auto metadata = detail::load_into(model(), path);
    const auto epoch = metadata.find(kEpochKey);
    MINNOW_CHECK(epoch != metadata.end(), IoError, "{}: not a BackupAndRestore backup (no epoch recorded)", path);
    try {
        restored_ = std::stoi(epoch->second);
    } catch (const std::exception&) {
        throw IoError(fmt::format("{}: the recorded epoch '{}' is not a number", path, epoch->second));
    }
}

void BackupAndRestore::on_epoch_end(int epoch, const Logs&) {
    if (distributed::leaves_outputs_to_rank_0()) return;
    detail::write_model_file(model(), backup_path(),
                             {.architecture = true, .optimizer = true,
                              .extra_metadata = {{kEpochKey, std::to_string(epoch + 1)}}});
}

void BackupAndRestore::on_train_end(const Logs&) {
    if (!delete_checkpoint_ || distributed::leaves_outputs_to_rank_0()) return;
    std::error_code ignored;
    std::filesystem::remove(backup_path(), ignored);
}

}  // namespace minnow
