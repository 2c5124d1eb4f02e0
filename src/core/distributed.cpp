#include "minnow/core/distributed.hpp"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fmt/format.h>
#include <vector>

#include "core/moments.hpp"
#include "minnow/core/error.hpp"

#ifdef MINNOW_HAVE_MPI
#include <mpi.h>
#endif

namespace minnow::distributed {

namespace {

bool g_initialized = false;
bool g_data_parallel = false;
int g_rank = 0;
int g_size = 1;
CommStats g_stats;


// Times one collective and counts the bytes this rank sends.
class Timed {
public:
    explicit Timed(size_t bytes) : start_(std::chrono::steady_clock::now()) {
        ++g_stats.calls;
        g_stats.bytes += static_cast<int64_t>(bytes);
    }
    ~Timed() { g_stats.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count(); }
    Timed(const Timed&) = delete;
    Timed& operator=(const Timed&) = delete;

private:
    std::chrono::steady_clock::time_point start_;
};

#ifdef MINNOW_HAVE_MPI
// A launcher's environment: Open MPI's mpirun, or any PMI / PMIx one (Slurm's srun, MPICH's hydra).
bool started_by_launcher() {
    for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
        if (std::getenv(name) != nullptr) return true;
    return false;
}

bool mpi_running() { return g_initialized && g_size > 1; }

void check_count(size_t n, const char* what) {
    MINNOW_CHECK(n <= static_cast<size_t>(INT32_MAX), ValueError, "distributed::{}: {} values is more than one MPI call sends",
                 what, n);
}

// An exception nobody caught on one rank would leave the others blocked in their next collective:
// say what it was, then take the whole job down.
[[noreturn]] void terminate_job() {
    std::string what = "std::terminate called";
    if (const std::exception_ptr e = std::current_exception()) {
        try {
            std::rethrow_exception(e);
        } catch (const std::exception& ex) {
            what = ex.what();
        } catch (...) {
            what = "an exception that is not a std::exception";
        }
    }
    abort(what, 1);
}
#endif

}  // namespace

bool available() {
#ifdef MINNOW_HAVE_MPI
    return true;
#else
    return false;
#endif
}

void init(int& argc, char**& argv) {
#ifdef MINNOW_HAVE_MPI
    if (g_initialized || !started_by_launcher()) return;
    int already = 0;
    MPI_Initialized(&already);
    if (!already) MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    g_initialized = true;
    std::set_terminate(terminate_job);
#else
    (void)argc;
    (void)argv;
#endif
}

void finalize() {
#ifdef MINNOW_HAVE_MPI
    if (!g_initialized) return;
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (!finalized) MPI_Finalize();
    g_initialized = false;
    g_rank = 0;
    g_size = 1;
#endif
}

bool initialized() { return g_initialized; }
int rank() { return g_rank; }
int size() { return g_size; }

bool data_parallel_active() { return g_data_parallel; }

DataParallelScope::DataParallelScope() : previous_(g_data_parallel) { g_data_parallel = g_size > 1; }
DataParallelScope::~DataParallelScope() { g_data_parallel = previous_; }

Session::Session(int& argc, char**& argv) { init(argc, argv); }

Session::~Session() {
    if (std::uncaught_exceptions() > 0 && size() > 1)
        abort("an exception is leaving the MPI session; ending every rank", 1);
    finalize();
}

void abort(const std::string& message, int code) {
    std::fflush(stdout);
    if (size() > 1)
        std::fprintf(stderr, "minnow: rank %d of %d: %s\n", rank(), size(), message.c_str());
    else
        std::fprintf(stderr, "minnow: %s\n", message.c_str());
    std::fflush(stderr);
#ifdef MINNOW_HAVE_MPI
    if (g_initialized) MPI_Abort(MPI_COMM_WORLD, code);
#endif
    std::exit(code);
}

void allreduce_sum(std::span<float> values) {
#ifdef MINNOW_HAVE_MPI
    if (!mpi_running()) return;
    check_count(values.size(), "allreduce_sum");
    const Timed t(values.size_bytes());
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)values;
#endif
}

void allreduce_sum(std::span<double> values) {
#ifdef MINNOW_HAVE_MPI
    if (!mpi_running()) return;
    check_count(values.size(), "allreduce_sum");
    const Timed t(values.size_bytes());
    MPI_Allreduce(MPI_IN_PLACE, values.data(), static_cast<int>(values.size()), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
#else
    (void)values;
#endif
}

namespace {

#ifdef MINNOW_HAVE_MPI
void broadcast_raw(void* data, size_t count, MPI_Datatype type, size_t bytes, int root) {
    if (!mpi_running()) return;
    MINNOW_CHECK(root >= 0 && root < g_size, ValueError, "distributed::broadcast: root {} is not a rank of 0 .. {}",
                 root, g_size - 1);
    check_count(count, "broadcast");
    const Timed t(bytes);
    MPI_Bcast(data, static_cast<int>(count), type, root, MPI_COMM_WORLD);
}
#endif

}  // namespace

void broadcast(std::span<float> values, int root) {
#ifdef MINNOW_HAVE_MPI
    broadcast_raw(values.data(), values.size(), MPI_FLOAT, values.size_bytes(), root);
#else
    (void)values, (void)root;
#endif
}

void broadcast(std::span<double> values, int root) {
#ifdef MINNOW_HAVE_MPI
    broadcast_raw(values.data(), values.size(), MPI_DOUBLE, values.size_bytes(), root);
#else
    (void)values, (void)root;
#endif
}

void broadcast(std::span<uint64_t> values, int root) {
#ifdef MINNOW_HAVE_MPI
    broadcast_raw(values.data(), values.size(), MPI_UINT64_T, values.size_bytes(), root);
#else
    (void)values, (void)root;
#endif
}

void allgather(std::span<const double> mine, std::span<double> all) {
    MINNOW_CHECK(all.size() == mine.size() * static_cast<size_t>(size()), ValueError,
                 "distributed::allgather: {} values from each of {} ranks need {} places, got {}", mine.size(), size(),
                 mine.size() * static_cast<size_t>(size()), all.size());
#ifdef MINNOW_HAVE_MPI
    if (mpi_running()) {
        check_count(mine.size(), "allgather");
        const Timed t(mine.size_bytes());
        MPI_Allgather(mine.data(), static_cast<int>(mine.size()), MPI_DOUBLE, all.data(), static_cast<int>(mine.size()),
                      MPI_DOUBLE, MPI_COMM_WORLD);
        return;
    }
#endif
    std::copy(mine.begin(), mine.end(), all.begin());
}

std::vector<std::string> allgather(const std::string& mine) {
#ifdef MINNOW_HAVE_MPI
    if (mpi_running()) {
        check_count(mine.size(), "allgather");
        const Timed t(mine.size());
        int length = static_cast<int>(mine.size());
        std::vector<int> lengths(static_cast<size_t>(g_size)), offsets(static_cast<size_t>(g_size), 0);
        MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD);
        size_t total = 0;
        for (size_t r = 0; r < lengths.size(); ++r) {
            offsets[r] = static_cast<int>(total);
            total += static_cast<size_t>(lengths[r]);
        }
        check_count(total, "allgather");
        std::string all(total, '\0');
        MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR,
                       MPI_COMM_WORLD);
        std::vector<std::string> out;
        for (size_t r = 0; r < lengths.size(); ++r)
            out.push_back(all.substr(static_cast<size_t>(offsets[r]), static_cast<size_t>(lengths[r])));
        return out;
    }
#endif
    return {mine};
}

double merge_moments(double count, std::span<double> mean, std::span<double> m2) {
    MINNOW_CHECK(mean.size() == m2.size(), ValueError, "distributed::merge_moments: {} means and {} m2 values",
                 mean.size(), m2.size());
    if (size() == 1) return count;
    const size_t C = mean.size();
    const size_t stride = 1 + 2 * C;
    std::vector<double> mine(stride), all(stride * static_cast<size_t>(size()));
    mine[0] = count;
    std::copy(mean.begin(), mean.end(), mine.begin() + 1);
    std::copy(m2.begin(), m2.end(), mine.begin() + 1 + static_cast<std::ptrdiff_t>(C));
    allgather(mine, all);
    return detail::merge_moments_in_order(all, C, mean, m2);
}

CommStats stats() { return g_stats; }
void reset_stats() { g_stats = {}; }

}  // namespace minnow::distributed
