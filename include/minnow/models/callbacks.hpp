#pragma once
/// Callbacks: code that fit() calls at the start and end of training, epochs and batches.

#include <cstdint>
#include <fstream>
#include <functional>
#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "minnow/autograd/variable.hpp"
#include "minnow/tensor/tensor.hpp"

namespace minnow {

class Sequential;

/// Metric values by name ("loss", "accuracy", "val_loss", ...). On batch end they are the
/// epoch's running means so far; on epoch end the epoch's values (and validation's).
using Logs = std::map<std::string, double>;

/// Subclass and override what you need; fit() calls each hook in order for every callback.
class Callback {
public:
    virtual ~Callback() = default;
    /// Once, before the first epoch (after set_model).
    virtual void on_train_begin(const Logs&) {}
    /// Once, after the last epoch, with the last epoch's logs.
    virtual void on_train_end(const Logs&) {}
    /// Before each epoch (`epoch` counts from 0, as Keras' does).
    virtual void on_epoch_begin(int /*epoch*/, const Logs&) {}
    /// After each epoch, with its training and validation values.
    virtual void on_epoch_end(int /*epoch*/, const Logs&) {}
    /// Before each batch (`batch` counts from 0 within the epoch).
    virtual void on_batch_begin(int /*batch*/, const Logs&) {}
    /// After each batch's update, with the epoch's running means so far.
    virtual void on_batch_end(int /*batch*/, const Logs&) {}
    /// Inside fit's step, after the backward pass and before the optimizer's update: the trainable
    /// weights, each holding its gradient for this batch (minnow's addition to Keras' hooks, for
    /// callbacks that look at gradients). Must not change them.
    virtual void on_gradients(int /*batch*/, const std::vector<Variable>& /*trainable_weights*/) {}
    /// At an epoch's end, before any callback's on_epoch_end: values to add to the epoch's logs
    /// (as a Keras callback writes into `logs`), so History and the other callbacks see them.
    virtual void add_to_logs(int /*epoch*/, Logs& /*logs*/) {}
    /// After on_train_begin: the epoch a callback restored the model to (BackupAndRestore), from
    /// which fit goes on instead of initial_epoch; none by default.
    virtual std::optional<int> restored_epoch() const { return std::nullopt; }

    /// The model being trained (set by fit before on_train_begin).
    void set_model(Sequential* model) { model_ = model; }
    /// The model being trained; throws before set_model.
    Sequential& model() const;

private:
    Sequential* model_ = nullptr;
};

/// What fit() returns: each epoch's logs, as Keras' History.history, and its wall-clock seconds.
class History : public Callback {
public:
    /// history["loss"][i] is epoch i's loss (likewise every metric and val_ metric).
    std::map<std::string, std::vector<double>> history;
    /// The epoch numbers recorded (0-based, from initial_epoch).
    std::vector<int> epoch;
    /// Seconds each epoch took (training and validation).
    std::vector<double> seconds;

    /// history.at(key), with a clear error for a missing key.
    const std::vector<double>& at(const std::string& key) const;

    void on_train_begin(const Logs&) override;
    void on_epoch_begin(int epoch, const Logs&) override;
    void on_epoch_end(int epoch, const Logs& logs) override;

private:
    double epoch_start_ = 0.0;
};

/// Keras' progress bar. verbose 1: a bar redrawn in place on a terminal (one line per epoch
/// when the output is not a terminal); verbose 2: one line per epoch.
class ProgressBar : public Callback {
public:
    /// `steps` is the number of batches per epoch; output goes to `out` (stdout by default).
    ProgressBar(int verbose, int64_t steps, int epochs, std::ostream* out = nullptr);
    void on_epoch_begin(int epoch, const Logs&) override;
    void on_batch_end(int batch, const Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;

private:
    std::string bar(int64_t done) const;
    std::ostream& out() const;

    int verbose_;
    int64_t steps_;
    int epochs_;
    std::ostream* out_;
    bool interactive_;
    double epoch_start_ = 0.0;
    double last_draw_ = 0.0;
};

/// Stops training when `monitor` has not improved by more than min_delta for `patience` epochs;
/// with restore_best_weights the model gets back the weights of its best epoch.
/// mode: "auto" (max for accuracy-like names, min otherwise), "min" or "max".
class EarlyStopping : public Callback {
public:
    /// Keras' arguments and defaults (see the class).
    explicit EarlyStopping(std::string monitor = "val_loss", double min_delta = 0.0, int patience = 0,
                           std::string mode = "auto", bool restore_best_weights = false);
    void on_train_begin(const Logs&) override;
    void on_epoch_end(int epoch, const Logs& logs) override;
    ///@{
    /// The epoch training stopped at (-1 when it ran to the end), and the best one.
    int stopped_epoch() const { return stopped_epoch_; }
    int best_epoch() const { return best_epoch_; }
    ///@}

private:
    bool improved(double current) const;

    std::string monitor_;
    double min_delta_;
    int patience_;
    bool maximize_;
    bool restore_best_weights_;
    int wait_ = 0;
    int stopped_epoch_ = -1;
    int best_epoch_ = -1;
    std::optional<double> best_;
    std::vector<Tensor> best_weights_;
};

/// Saves the model (or only its weights) after each epoch, or only when `monitor` improved.
/// The path may hold fmt fields from the epoch and logs: "ckpt-{epoch:02d}-{val_loss:.3f}.safetensors"
/// (epoch counts from 1, as in Keras).
class ModelCheckpoint : public Callback {
public:
    /// Keras' arguments and defaults (see the class); `filepath` may hold fmt fields.
    explicit ModelCheckpoint(std::string filepath, std::string monitor = "val_loss", bool save_best_only = false,
                             bool save_weights_only = false, std::string mode = "auto");
    void on_epoch_end(int epoch, const Logs& logs) override;

private:
    std::string filepath_;
    std::string monitor_;
    bool save_best_only_;
    bool save_weights_only_;
    bool maximize_;
    std::optional<double> best_;
};

/// Writes one CSV row per epoch: epoch (from 0), then every log key in alphabetical order.
class CSVLogger : public Callback {
public:
    /// Writes to `filename` (appending to it with `append`), fields separated by `separator`.
    explicit CSVLogger(std::string filename, char separator = ',', bool append = false);
    void on_train_begin(const Logs&) override;
    void on_epoch_end(int epoch, const Logs& logs) override;
    void on_train_end(const Logs&) override;

private:
    std::string filename_;
    char separator_;
    bool append_;
    std::ofstream file_;
    std::vector<std::string> keys_;
};

/// Stops training as soon as the loss is NaN or infinite, and remembers where (Keras prints the
/// batch; `verbose = false` prints nothing).
class TerminateOnNaN : public Callback {
public:
    /// `verbose`: print where the loss diverged.
    explicit TerminateOnNaN(bool verbose = true) : verbose_(verbose) {}
    void on_train_begin(const Logs&) override;
    void on_epoch_begin(int epoch, const Logs&) override { epoch_ = epoch; }
    void on_batch_end(int batch, const Logs& logs) override;
    ///@{
    /// Whether the loss became NaN or infinite, and at which epoch (0-based) and batch of it.
    bool diverged() const { return diverged_; }
    int epoch() const { return epoch_; }
    int batch() const { return batch_; }
    ///@}

private:
    bool verbose_;
    bool diverged_ = false;
    int epoch_ = 0;
    int batch_ = -1;
};

/// Keras' LearningRateScheduler: at each epoch's start the learning rate becomes
/// schedule(epoch, current learning rate) (epoch from 0); the logs get "learning_rate". The
/// optimizer's rate must be a constant, not a LearningRateSchedule.
class LearningRateScheduler : public Callback {
public:
    /// `schedule(epoch, current rate)` gives each epoch's rate; `verbose` 1 prints it.
    explicit LearningRateScheduler(std::function<double(int epoch, double learning_rate)> schedule, int verbose = 0);
    void on_epoch_begin(int epoch, const Logs&) override;
    void add_to_logs(int epoch, Logs& logs) override;

private:
    std::function<double(int, double)> schedule_;
    int verbose_;
};

/// Keras' ReduceLROnPlateau: when `monitor` has not improved by more than min_delta for
/// `patience` epochs, the learning rate is multiplied by `factor` (not below min_lr), then
/// `cooldown` epochs pass before counting again. The logs get "learning_rate" (the epoch's).
class ReduceLROnPlateau : public Callback {
public:
    /// Keras' arguments and defaults (see the class).
    explicit ReduceLROnPlateau(std::string monitor = "val_loss", double factor = 0.1, int patience = 10, int verbose = 0,
                               std::string mode = "auto", double min_delta = 1e-4, int cooldown = 0, double min_lr = 0.0);
    void on_train_begin(const Logs&) override;
    void add_to_logs(int epoch, Logs& logs) override;
    void on_epoch_end(int epoch, const Logs& logs) override;

private:
    bool improved(double current) const;

    std::string monitor_;
    double factor_;
    int patience_, verbose_;
    bool maximize_;
    double min_delta_;
    int cooldown_;
    double min_lr_;
    int wait_ = 0, cooldown_counter_ = 0;
    std::optional<double> best_;
};

/// Keras' BackupAndRestore: after every epoch, saves the model's weights, its optimizer's state
/// and the epoch reached to `backup_dir` (atomically); a fit started again with the same callback
/// after an interruption (a killed process, an exception) restores them and goes on from the
/// first unfinished epoch, so it ends as the uninterrupted fit would (with FitOptions::seed set:
/// the shuffles are replayed; Dropout's draws are not). When fit ends normally the backup is
/// deleted (unless `delete_checkpoint` is false). Checks at train begin that the folder can be
/// written.
class BackupAndRestore : public Callback {
public:
    /// Backs up into `backup_dir` (created if needed); `delete_checkpoint`: remove the backup when fit ends normally.
    explicit BackupAndRestore(std::string backup_dir, bool delete_checkpoint = true);
    void on_train_begin(const Logs&) override;
    void on_epoch_end(int epoch, const Logs&) override;
    void on_train_end(const Logs&) override;
    std::optional<int> restored_epoch() const override { return restored_; }
    /// The backup's file: backup_dir/latest.safetensors.
    std::string backup_path() const;

private:
    std::string dir_;
    bool delete_checkpoint_;
    std::optional<int> restored_;
};

/// "auto" mode's choice: maximize for names containing "acc", minimize otherwise.
bool monitor_maximizes(const std::string& monitor, const std::string& mode);

}  // namespace minnow
