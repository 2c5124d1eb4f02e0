#pragma once
// Running another program (a workload of this one, or the libtorch reference) and collecting its
// output, exit status and peak memory.

#include <string>
#include <vector>

namespace minnow::bench {

struct ChildResult {
    std::string output;   ///< everything it wrote to stdout
    bool ok = false;      ///< exited normally with status 0
    double peak_rss_mb = 0.0;
};

/// Runs args[0] with `args`, its environment ours plus `extra_env` entries ("NAME=value", which
/// replace ours of the same name), and waits for it.
ChildResult run_child(const std::vector<std::string>& args, const std::vector<std::string>& extra_env = {});

}  // namespace minnow::bench
