// JSON encoding of states, tables and routing configurations (see
// state_json.h). Parsing never throws past this file: nlohmann's exceptions
// become InvalidArgument.
#include "syskit/route/state_json.h"

#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>

namespace syskit::route {
namespace {

using nlohmann::json;

Result<double> Number(const json& object, const char* key, const std::string& where,
                      std::optional<double> fallback) {
  if (!object.contains(key)) {
    if (fallback) return *fallback;
    return InvalidArgumentError(fmt::format("{}: missing \"{}\"", where, key));
  }
  const json& value = object.at(key);
  if (value.is_null()) {
    // JSON has no NaN; null is how NaN arrives from most producers.
    return InvalidArgumentError(fmt::format("{}.{}: null (NaN) is not a number", where, key));
  }
  if (!value.is_number()) {
    return InvalidArgumentError(
        fmt::format("{}.{}: expected a number, got {}", where, key, value.dump()));
  }
  return value.get<double>();
}

}  // namespace

Result<State> ParseStateJson(const std::string& text, Policy* policy) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& error) {
    return InvalidArgumentError(fmt::format("state: malformed JSON: {}", error.what()));
  }
  if (!root.is_object() || !root.contains("datacenters") || !root["datacenters"].is_array() ||
      !root.contains("edges") || !root["edges"].is_array()) {
    return InvalidArgumentError(
        "state: expected an object with arrays \"datacenters\" and \"edges\"");
  }
  State state;
  std::map<std::string, int> dc_index;
  for (size_t i = 0; i < root["datacenters"].size(); ++i) {
    const json& dc = root["datacenters"][i];
    const std::string where = fmt::format("datacenters[{}]", i);
    if (!dc.is_object() || !dc.contains("name") || !dc["name"].is_string()) {
      return InvalidArgumentError(where + ": expected an object with a string \"name\"");
    }
    Datacenter out;
    out.name = dc["name"].get<std::string>();
    SYSKIT_ASSIGN_OR_RETURN(out.capacity, Number(dc, "capacity", where, std::nullopt));
    SYSKIT_ASSIGN_OR_RETURN(out.utilization, Number(dc, "utilization", where, std::nullopt));
    if (dc.contains("drained")) {
      if (!dc["drained"].is_boolean())
        return InvalidArgumentError(where + ".drained: expected a boolean");
      out.drained = dc["drained"].get<bool>();
    }
    if (dc_index.count(out.name)) {
      return InvalidArgumentError(
          fmt::format("{}: datacenter \"{}\" listed twice", where, out.name));
    }
    dc_index[out.name] = static_cast<int>(state.dcs.size());
    state.dcs.push_back(out);
  }
  const size_t num_dcs = state.dcs.size();
  for (size_t i = 0; i < root["edges"].size(); ++i) {
    const json& edge = root["edges"][i];
    const std::string where = fmt::format("edges[{}]", i);
    if (!edge.is_object() || !edge.contains("name") || !edge["name"].is_string()) {
      return InvalidArgumentError(where + ": expected an object with a string \"name\"");
    }
    Edge out;
    out.name = edge["name"].get<std::string>();
    SYSKIT_ASSIGN_OR_RETURN(out.load, Number(edge, "load", where, std::nullopt));
    SYSKIT_ASSIGN_OR_RETURN(out.sticky, Number(edge, "sticky", where, 0.0));
    std::vector<double> fractions(num_dcs, 0.0), latency(num_dcs, -1.0);
    for (const char* key : {"fractions", "latency_ms"}) {
      if (!edge.contains(key) || !edge[key].is_object()) {
        return InvalidArgumentError(fmt::format("{}: expected an object \"{}\"", where, key));
      }
      for (const auto& [name, value] : edge[key].items()) {
        auto it = dc_index.find(name);
        if (it == dc_index.end()) {
          return InvalidArgumentError(
              fmt::format("{}.{}: unknown datacenter \"{}\"", where, key, name));
        }
        SYSKIT_ASSIGN_OR_RETURN(double number,
                                Number(edge[key], name.c_str(), where + "." + key, std::nullopt));
        (std::string(key) == "fractions" ? fractions : latency)[it->second] = number;
      }
    }
    for (size_t d = 0; d < num_dcs; ++d) {
      if (latency[d] < 0 && !edge["latency_ms"].contains(state.dcs[d].name)) {
        return InvalidArgumentError(
            fmt::format("{}.latency_ms: missing datacenter \"{}\"", where, state.dcs[d].name));
      }
    }
    state.edges.push_back(out);
    state.current.push_back(fractions);
    state.latency_ms.push_back(latency);
  }
  if (policy != nullptr && root.contains("policy")) {
    const json& p = root["policy"];
    if (!p.is_object()) return InvalidArgumentError("policy: expected an object");
    if (p.contains("kind")) {
      const std::string kind = p["kind"].is_string() ? p["kind"].get<std::string>() : "";
      if (kind == "balance")
        policy->kind = PolicyKind::kBalance;
      else if (kind == "closest")
        policy->kind = PolicyKind::kClosestFirst;
      else
        return InvalidArgumentError("policy.kind: expected \"balance\" or \"closest\"");
    }
    if (p.contains("solver")) {
      const std::string solver = p["solver"].is_string() ? p["solver"].get<std::string>() : "";
      if (solver == "local")
        policy->solver = SolverKind::kLocalSearch;
      else if (solver == "lp")
        policy->solver = SolverKind::kLp;
      else
        return InvalidArgumentError("policy.solver: expected \"local\" or \"lp\"");
    }
    SYSKIT_ASSIGN_OR_RETURN(policy->onload_step,
                            Number(p, "onload_step", "policy", policy->onload_step));
    SYSKIT_ASSIGN_OR_RETURN(policy->max_utilization,
                            Number(p, "max_utilization", "policy", policy->max_utilization));
    SYSKIT_ASSIGN_OR_RETURN(policy->max_dc_fraction,
                            Number(p, "max_dc_fraction", "policy", policy->max_dc_fraction));
    SYSKIT_ASSIGN_OR_RETURN(policy->min_shift, Number(p, "min_shift", "policy", policy->min_shift));
    SYSKIT_ASSIGN_OR_RETURN(policy->dampening, Number(p, "dampening", "policy", policy->dampening));
    SYSKIT_ASSIGN_OR_RETURN(double objects,
                            Number(p, "objects_per_edge", "policy", policy->objects_per_edge));
    if (!(objects >= 1 && objects <= 1e7)) {
      return InvalidArgumentError("policy.objects_per_edge: expected 1..1e7");
    }
    policy->objects_per_edge = static_cast<int>(objects);
  }
  return state;
}

std::string RoutingTableJson(const State& state, const Fractions& table) {
  json out = json::object();
  for (int e = 0; e < state.num_edges(); ++e) {
    json row = json::object();
    for (int d = 0; d < state.num_dcs(); ++d) {
      if (table[e][d] > 0) row[state.dcs[d].name] = table[e][d];
    }
    out[state.edges[e].name] = row;
  }
  return out.dump(2);
}

std::string StateJson(const State& state, const Policy& policy) {
  json root;
  root["datacenters"] = json::array();
  for (const auto& dc : state.dcs) {
    root["datacenters"].push_back({{"name", dc.name},
                                   {"capacity", dc.capacity},
                                   {"utilization", dc.utilization},
                                   {"drained", dc.drained}});
  }
  root["edges"] = json::array();
  for (int e = 0; e < state.num_edges(); ++e) {
    json fractions = json::object(), latency = json::object();
    for (int d = 0; d < state.num_dcs(); ++d) {
      if (state.current[e][d] > 0) fractions[state.dcs[d].name] = state.current[e][d];
      latency[state.dcs[d].name] = state.latency_ms[e][d];
    }
    root["edges"].push_back({{"name", state.edges[e].name},
                             {"load", state.edges[e].load},
                             {"sticky", state.edges[e].sticky},
                             {"fractions", fractions},
                             {"latency_ms", latency}});
  }
  root["policy"] = {{"kind", policy.kind == PolicyKind::kBalance ? "balance" : "closest"},
                    {"solver", policy.solver == SolverKind::kLp ? "lp" : "local"},
                    {"onload_step", policy.onload_step},
                    {"max_utilization", policy.max_utilization},
                    {"max_dc_fraction", policy.max_dc_fraction},
                    {"min_shift", policy.min_shift},
                    {"dampening", policy.dampening},
                    {"objects_per_edge", policy.objects_per_edge}};
  return root.dump(2);
}

std::string RoutingConfigJson(const State& state, const RoutingConfig& config) {
  json root;
  root["height"] = config.height;
  root["edges"] = json::object();
  for (int e = 0; e < state.num_edges(); ++e) {
    json row = json::object();
    for (int d = 0; d < state.num_dcs(); ++d) {
      const auto ranges = BucketRanges(config.dc_of_bucket[e], d);
      if (ranges.empty()) continue;
      json list = json::array();
      for (const auto& [begin, end] : ranges) list.push_back({begin, end});
      row[state.dcs[d].name] = list;
    }
    root["edges"][state.edges[e].name] = row;
  }
  return root.dump();
}

Result<ParsedConfig> ParseRoutingConfigJson(const std::string& text) {
  json root;
  try {
    root = json::parse(text);
  } catch (const json::exception& error) {
    return InvalidArgumentError(fmt::format("config: malformed JSON: {}", error.what()));
  }
  if (!root.is_object() || !root.contains("height") || !root["height"].is_number_integer() ||
      !root.contains("edges") || !root["edges"].is_object()) {
    return InvalidArgumentError("config: expected {\"height\": H, \"edges\": {...}}");
  }
  ParsedConfig config;
  config.height = root["height"].get<int>();
  if (config.height < 1 || config.height > 20) {
    return InvalidArgumentError("config: height must be in [1, 20]");
  }
  const uint32_t buckets = 1u << config.height;
  std::map<std::string, int> dc_index;
  for (const auto& [edge, row] : root["edges"].items()) {
    if (!row.is_object())
      return InvalidArgumentError("config: edge " + edge + ": expected an object");
    std::vector<int16_t> map(buckets, -1);
    for (const auto& [dc, ranges] : row.items()) {
      auto [it, inserted] = dc_index.emplace(dc, static_cast<int>(config.dcs.size()));
      if (inserted) config.dcs.push_back(dc);
      if (!ranges.is_array())
        return InvalidArgumentError("config: " + edge + "." + dc + ": expected ranges");
      for (const auto& range : ranges) {
        if (!range.is_array() || range.size() != 2 || !range[0].is_number_unsigned() ||
            !range[1].is_number_unsigned()) {
          return InvalidArgumentError("config: " + edge + "." + dc + ": expected [begin, end]");
        }
        const uint64_t begin = range[0].get<uint64_t>(), end = range[1].get<uint64_t>();
        if (begin >= end || end > buckets) {
          return InvalidArgumentError(
              fmt::format("config: {}.{}: bad range [{}, {})", edge, dc, begin, end));
        }
        for (uint64_t b = begin; b < end; ++b) {
          if (map[b] >= 0) {
            return InvalidArgumentError(
                fmt::format("config: {}: bucket {} assigned twice", edge, b));
          }
          map[b] = static_cast<int16_t>(it->second);
        }
      }
    }
    for (uint32_t b = 0; b < buckets; ++b) {
      if (map[b] < 0)
        return InvalidArgumentError(fmt::format("config: {}: bucket {} unassigned", edge, b));
    }
    config.edges.push_back(edge);
    config.dc_of_bucket.push_back(std::move(map));
  }
  return config;
}

}  // namespace syskit::route
