// Optimizers rebuilt from get_config(), as a saved compiled model needs them.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/optim/optimizers.hpp"
#include "core/config_json.hpp"

namespace minnow {

namespace {

std::optional<double> optional_number(const nlohmann::json& config, const char* key) {
    if (!config.contains(key) || config[key].is_null()) return std::nullopt;
    return config[key].get<double>();
}

LearningRate learning_rate_from(const nlohmann::json& value) {
    if (value.is_object())
        return LearningRate(std::shared_ptr<const LearningRateSchedule>(schedule_from_config(config_from_json(value))));
    return LearningRate(value.get<double>());
}

}  // namespace

std::shared_ptr<Optimizer> optimizer_from_config(const Config& given) {
    const nlohmann::json& config = json_of(given);
    try {
        const std::string name = config.at("name").get<std::string>();
        const LearningRate lr = learning_rate_from(config.at("learning_rate"));
        OptimizerOptions o;
        o.clipnorm = optional_number(config, "clipnorm");
        o.global_clipnorm = optional_number(config, "global_clipnorm");
        o.clipvalue = optional_number(config, "clipvalue");
        o.weight_decay = config.value("weight_decay", 0.0);
        o.gradient_accumulation_steps = config.value("gradient_accumulation_steps", 1);
        const double epsilon = config.value("epsilon", 1e-7);
        if (name == "adam")
            return std::make_shared<Adam>(lr, config.value("beta_1", 0.9), config.value("beta_2", 0.999), epsilon, o,
                                          config.value("pytorch_epsilon", false));
        if (name == "adamw")
            return std::make_shared<AdamW>(lr, o.weight_decay, config.value("beta_1", 0.9),
                                           config.value("beta_2", 0.999), epsilon, o);
        if (name == "sgd")
            return std::make_shared<SGD>(lr, config.value("momentum", 0.0), config.value("nesterov", false), o);
        if (name == "rmsprop")
            return std::make_shared<RMSprop>(lr, config.value("rho", 0.9), config.value("momentum", 0.0), epsilon,
                                             config.value("centered", false), o);
        if (name == "adagrad")
            return std::make_shared<Adagrad>(lr, config.value("initial_accumulator_value", 0.1), epsilon, o);
        if (name == "nadam")
            return std::make_shared<Nadam>(lr, config.value("beta_1", 0.9), config.value("beta_2", 0.999), epsilon, o);
        throw ValueError(fmt::format("optimizer config: unknown optimizer '{}'", name));
    } catch (const nlohmann::json::exception& e) {
        throw ValueError(fmt::format("optimizer config {}: {}", config.dump(), e.what()));
    }
}

}  // namespace minnow
