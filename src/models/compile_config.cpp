// compile()'s arguments as JSON, so a saved model can come back compiled.
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "minnow/core/error.hpp"
#include "minnow/models/sequential.hpp"
#include "core/config_json.hpp"

namespace minnow {

Config Sequential::get_compile_config() const {
    if (!compiled()) return Config();
    nlohmann::json metrics = nlohmann::json::array(), weighted = nlohmann::json::array();
    for (const MetricSlot& slot : metrics_) (slot.weighted ? weighted : metrics).push_back(slot.name);
    nlohmann::json config = nlohmann::json::object();
    config["optimizer"] = json_of(optimizer_->get_config());
    config["loss"] = json_of(loss_config(*loss_));
    config["metrics"] = metrics;
    config["weighted_metrics"] = weighted;
    return config_from_json(std::move(config));
}

void Sequential::compile_from_config(const Config& given) {
    const nlohmann::json& config = json_of(given);
    try {
        const auto names = [&](const char* key) {
            return config.contains(key) ? config[key].get<std::vector<std::string>>() : std::vector<std::string>{};
        };
        compile(optimizer_from_config(config_from_json(config.at("optimizer"), "compile config: optimizer")),
                loss_from_config(config_from_json(config.at("loss"), "compile config: loss")), names("metrics"),
                names("weighted_metrics"));
    } catch (const nlohmann::json::exception& e) {
        throw ValueError(fmt::format("{}: invalid compile config: {}", describe(), e.what()));
    }
}

}  // namespace minnow
