#pragma once
/// Data-parallel training across processes on MPI (Open MPI in Debian), when minnow was built with
/// it (CMake's MINNOW_MPI). One process per worker, started by `mpirun`; without MPI, or outside
/// `mpirun`, there is one process and every call below is the single-process identity.
///
///     int main(int argc, char** argv) {
///         minnow::distributed::Session mpi(argc, argv);
///         ...
///         model.fit(x, y, {.epochs = 10, .distributed = true});
///     }

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace minnow::distributed {

/// Whether this build of minnow can run on MPI.
bool available();

/// Joins the MPI job this process was started in (by mpirun), once; a process started without
/// mpirun stays on its own (size() 1) and MPI is not started. From then on, an exception that
/// ends the program on one rank (std::terminate) prints its message and ends the whole job
/// (MPI_Abort) instead of leaving the other ranks waiting.
void init(int& argc, char**& argv);
/// Leaves the job (MPI_Finalize); called by Session's destructor.
void finalize();
/// Whether init() started MPI (and finalize() has not run).
bool initialized();
/// This process' rank in the job, 0 .. size() - 1 (0 without MPI).
int rank();
/// The processes in the job (1 without MPI).
int size();
/// Whether this process writes the job's files and prints its progress: rank 0.
inline bool is_writer() { return rank() == 0; }

/// Whether a data-parallel fit (FitOptions::distributed) is running on several ranks in this
/// process: only then does a synchronized BatchNormalization merge its statistics across ranks.
bool data_parallel_active();

/// Whether this process leaves the files of the current fit to another: in a data-parallel fit,
/// every rank but 0 (the callbacks that write files, such as ModelCheckpoint, ask).
inline bool leaves_outputs_to_rank_0() { return data_parallel_active() && rank() != 0; }

/// Marks the scope as a data-parallel fit on several ranks (when size() > 1); Sequential::fit
/// holds one while it runs with FitOptions::distributed.
class DataParallelScope {
public:
    DataParallelScope();
    ~DataParallelScope();
    DataParallelScope(const DataParallelScope&) = delete;
    DataParallelScope& operator=(const DataParallelScope&) = delete;

private:
    bool previous_;
};

/// init() for the scope: finalize() at its end, or, when the scope is left by an exception, the
/// message and MPI_Abort, so the job ends instead of hanging in the other ranks' next collective.
class Session {
public:
    /// Joins the job (init()).
    Session(int& argc, char**& argv);
    ~Session();
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
};

/// Ends every process of the job with `code` after printing `message` (with this rank) to stderr;
/// exits this process alone without MPI.
[[noreturn]] void abort(const std::string& message, int code = 1);

///@{
/// Collectives over every rank, in place; every rank must call them in the same order. The sums
/// are the same bits on every rank.
void allreduce_sum(std::span<float> values);
void allreduce_sum(std::span<double> values);
void broadcast(std::span<float> values, int root = 0);
void broadcast(std::span<double> values, int root = 0);
void broadcast(std::span<uint64_t> values, int root = 0);
///@}
/// Every rank's `mine` (the same length on each), concatenated in rank order into `all`
/// (size() times as long).
void allgather(std::span<const double> mine, std::span<double> all);

/// Every rank's `mine` (any length), in rank order, on every rank.
std::vector<std::string> allgather(const std::string& mine);

/// Per-feature moments of the whole batch from each rank's shard: on entry `mean` and `m2` hold
/// this rank's (m2 = the sum of squared deviations from its mean) over `count` samples (0 for an
/// empty shard); on return, the global ones. The shards are merged in rank order by Chan's
/// pairwise formula, in double, so every rank gets the same bits. Returns the global count.
double merge_moments(double count, std::span<double> mean, std::span<double> m2);

/// Time and volume of this process' collectives since the last reset (for the benchmark).
struct CommStats {
    int64_t calls = 0;     ///< collective calls
    double seconds = 0.0;  ///< wall time inside them
    int64_t bytes = 0;     ///< bytes each call sent from this rank, summed
};
/// The collectives' statistics so far.
CommStats stats();
/// Starts counting again.
void reset_stats();

}  // namespace minnow::distributed
