// The lab's claims and their grids. The grids are fixed before any run: they are not tuned to make
// a claim come out one way or the other.
#include <fmt/format.h>

#include "minnow/core/error.hpp"
#include "minnow/experiments/lab.hpp"

namespace minnow::experiments {

namespace {

struct Claim {
    const char* name;
    const char* statement;
    int epochs_quick, epochs_full;
};

const Claim kClaims[] = {
    {"speed", "BatchNormalization trains faster", 2, 5},
    {"lr", "BatchNormalization tolerates higher learning rates", 2, 4},
    {"init", "BatchNormalization makes training less sensitive to weight initialization", 2, 4},
    {"depth", "BatchNormalization matters more in deep networks", 2, 4},
    {"activation", "BatchNormalization keeps sigmoid and tanh inputs out of saturation", 2, 4},
    {"placement", "BatchNormalization before the activation beats BatchNormalization after it", 2, 4},
    {"batch", "BatchNormalization degrades with very small batches; LayerNormalization and GroupNormalization do not", 1,
     2},
    {"regularization", "BatchNormalization's batch noise regularizes mildly", 3, 8},
    {"inference", "Inference uses the moving averages, which lag behind the network early in training", 1, 3},
    {"transfer", "Keep BatchNormalization frozen when fine-tuning on a small dataset", 5, 10},
};

const Claim& find(const std::string& name) {
    for (const Claim& c : kClaims)
        if (name == c.name) return c;
    std::vector<std::string> names(claim_names());
    throw ValueError(fmt::format("unknown claim '{}'; the claims are {}", name, fmt::join(names, ", ")));
}

std::string number(double v) { return fmt::format("{:g}", v); }

}  // namespace

const std::vector<std::string>& claim_names() {
    static const std::vector<std::string> names = [] {
        std::vector<std::string> out;
        for (const Claim& c : kClaims) out.emplace_back(c.name);
        return out;
    }();
    return names;
}

std::string claim_statement(const std::string& claim) { return find(claim).statement; }

Preset preset_from_name(const std::string& name) {
    if (name == "quick") return Preset::Quick;
    if (name == "full") return Preset::Full;
    throw ValueError(fmt::format("unknown preset '{}'; expected 'quick' or 'full'", name));
}

std::string preset_name(Preset preset) { return preset == Preset::Quick ? "quick" : "full"; }

std::vector<RunSpec> claim_grid(const std::string& claim, const LabOptions& o) {
    const Claim& c = find(claim);
    const bool quick = o.preset == Preset::Quick;
    RunSpec base;
    base.claim = claim;
    base.model = o.model;
    base.epochs = o.epochs > 0 ? o.epochs : (quick ? c.epochs_quick : c.epochs_full);

    // A grid point: its label, its x value and how it changes the base; then its arms.
    struct Point {
        std::string label;
        double x;
        std::function<void(RunSpec&)> set;
    };
    struct Arm {
        std::string name;
        std::function<void(RunSpec&)> set;
    };
    std::vector<Point> points;
    const Arm bn{"bn", [](RunSpec&) {}};
    const Arm none{"none", [](RunSpec& s) { s.with_norm = false; }};
    std::vector<Arm> arms{bn, none};

    if (claim == "speed") {
        points = {{"default", 0, [&](RunSpec& s) { s.val_every = quick ? 200 : 100; }}};
    } else if (claim == "lr") {
        const std::vector<double> adam = quick ? std::vector<double>{1e-3, 1e-1} : std::vector<double>{1e-4, 1e-3, 1e-2, 1e-1};
        const std::vector<double> sgd = quick ? std::vector<double>{1e-1, 1.0} : std::vector<double>{1e-2, 1e-1, 1.0};
        for (double lr : adam)
            points.push_back({"adam lr=" + number(lr), lr, [lr](RunSpec& s) { s.learning_rate = lr; }});
        for (double lr : sgd)
            points.push_back({"sgd lr=" + number(lr), lr, [lr](RunSpec& s) {
                                  s.optimizer = "sgd";
                                  s.learning_rate = lr;
                              }});
    } else if (claim == "init") {
        const std::vector<double> stddevs = quick ? std::vector<double>{1e-2, 1.0} : std::vector<double>{1e-3, 1e-2, 1e-1, 1.0};
        points.push_back({"glorot_uniform", 0, [](RunSpec&) {}});
        for (double sd : stddevs)
            points.push_back({"stddev=" + number(sd), sd, [sd](RunSpec& s) { s.init_stddev = sd; }});
    } else if (claim == "depth") {
        MINNOW_CHECK(o.model == ModelKind::Mlp, ValueError, "lab: the depth claim varies an MLP's hidden layers; run it with --model mlp");
        const std::vector<int> depths = quick ? std::vector<int>{2, 8} : std::vector<int>{2, 4, 8, 16};
        for (int d : depths)
            points.push_back({fmt::format("{} hidden layers", d), double(d), [d](RunSpec& s) {
                                  s.hidden_layers = d;
                                  s.width = 64;
                              }});
    } else if (claim == "activation") {
        for (const char* act : {"relu", "sigmoid", "tanh"})
            points.push_back({act, 0, [act](RunSpec& s) {
                                  s.activation = act;
                                  s.measure_saturation = true;
                              }});
    } else if (claim == "placement") {
        points = {{"default", 0, [](RunSpec&) {}}};
        arms = {{"bn_before", [](RunSpec&) {}},
                {"bn_after", [](RunSpec& s) { s.norm_after_activation = true; }},
                none};
    } else if (claim == "batch") {
        const std::vector<int64_t> sizes = quick ? std::vector<int64_t>{4, 32, 128} : std::vector<int64_t>{2, 4, 8, 32, 128};
        for (int64_t b : sizes)
            points.push_back({fmt::format("batch {}", b), double(b), [b](RunSpec& s) { s.batch_size = b; }});
        arms = {bn,
                {"ln", [](RunSpec& s) { s.norm = NormKind::Layer; }},
                {"gn", [](RunSpec& s) { s.norm = NormKind::Group; }},
                none};
    } else if (claim == "regularization") {
        const std::vector<double> rates = quick ? std::vector<double>{0.0} : std::vector<double>{0.0, 0.3};
        for (double r : rates)
            points.push_back({r == 0 ? "no dropout" : "dropout " + number(r), r, [r](RunSpec& s) { s.dropout = r; }});
    } else if (claim == "inference") {
        for (double m : {0.9, 0.99, 0.999})
            points.push_back({"momentum=" + number(m), m, [m](RunSpec& s) {
                                  s.momentum = m;
                                  s.measure_statistics_modes = true;
                                  s.val_every = 50;
                              }});
        arms = {bn};
    } else if (claim == "transfer") {
        points = {{"default", 0, [quick](RunSpec& s) {
                       s.transfer = true;
                       s.pretrain_epochs = quick ? 1 : 2;
                   }}};
        arms = {{"bn_trainable", [](RunSpec&) {}}, {"bn_frozen", [](RunSpec& s) { s.freeze_norm = true; }}, none};
    }

    std::vector<RunSpec> out;
    for (int k = 0; k < o.seeds; ++k)
        for (const Point& p : points)
            for (const Arm& a : arms) {
                RunSpec s = base;
                s.point = p.label;
                s.x = p.x;
                s.arm = a.name;
                s.seed = o.seed + static_cast<uint64_t>(k);
                p.set(s);
                a.set(s);
                out.push_back(std::move(s));
            }
    return out;
}

}  // namespace minnow::experiments
