// The data-parallel tests' main: every rank of `mpirun -np 2` runs the same test cases in the same
// order (their collectives must match), inside one MPI session.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "minnow/core/distributed.hpp"

int main(int argc, char** argv) {
    minnow::distributed::Session mpi(argc, argv);
    return Catch::Session().run(argc, argv);
}
