#pragma once
// The time model's part of the estimate result (api_time.cpp).
#include <string>

#include "vramplan/json_reader.hpp"
#include "vramplan/scenario_estimate.hpp"
#include "vramplan/scenario_time.hpp"
#include "vramplan/time_estimate.hpp"

namespace vramplan::api {

using vramplan::scenario_time;  // core/plan (vramplan/scenario_time.hpp)
// The result's "time" object: available, utilisation, each quantity {value, low, high, formula},
// assumptions, warnings.
Json time_json(time::TimeEstimate&& t);
// An RL phase's "time": {seconds {value, low, high, formula}}, or null for a phase not timed.
Json phase_time_json(const time::TimeEstimate& t, const std::string& phase);

}  // namespace vramplan::api
