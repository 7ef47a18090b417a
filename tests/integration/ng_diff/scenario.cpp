#include "tests/integration/ng_diff/scenario.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace rtpx::test::ngdiff {
namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + ": " + what);
}

// JSON -> bencode: strings, integers, arrays, objects; a null dict value drops the key.
ng::Value to_value(const json& j, const std::string& where) {
  switch (j.type()) {
    case json::value_t::string:
      return ng::Value(j.get<std::string>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return ng::Value(j.get<int64_t>());
    case json::value_t::boolean:
      return ng::Value(j.get<bool>() ? 1 : 0);
    case json::value_t::array: {
      ng::List l;
      for (const json& e : j) l.push_back(to_value(e, where));
      return ng::Value(std::move(l));
    }
    case json::value_t::object: {
      ng::Dict d;
      for (const auto& [k, v] : j.items())
        if (!v.is_null()) d.emplace_back(k, to_value(v, where + "." + k));
      return ng::Value(std::move(d));
    }
    default:
      fail(where, "unsupported JSON value (use strings, integers, lists and objects)");
  }
}

std::string join_sdp(const json& lines, const std::string& where) {
  if (!lines.is_array()) fail(where, "an SDP body is a list of lines");
  std::string out;
  for (const json& l : lines) {
    if (!l.is_string()) fail(where, "SDP lines are strings");
    out += l.get<std::string>() + "\r\n";
  }
  return out;
}

}  // namespace

Scenario load_scenario(const std::filesystem::path& file) {
  const std::string where = file.filename().string();
  std::ifstream in(file);
  if (!in) fail(where, "cannot open");
  json doc;
  try {
    doc = json::parse(in);
  } catch (const json::exception& e) {
    fail(where, e.what());
  }
  Scenario s;
  s.name = file.stem().string();
  s.description = doc.value("description", "");
  s.profile = doc.value("profile", "v4");
  std::map<std::string, std::string> bodies;
  if (doc.contains("sdp")) {
    for (const auto& [name, lines] : doc["sdp"].items()) {
      bodies[name] = join_sdp(lines, where + ": sdp." + name);
      s.all_sdp.push_back(bodies[name]);
    }
  }
  if (!doc.contains("steps") || !doc["steps"].is_array() || doc["steps"].empty())
    fail(where, "needs a non-empty 'steps' list");
  const std::string default_call_id = "ngdiff-" + s.name;
  for (const json& js : doc["steps"]) {
    Step step;
    step.name = js.value("name", "step" + std::to_string(s.steps.size() + 1));
    const std::string at = where + ": step " + step.name;
    if (!js.contains("request") || !js["request"].is_object()) fail(at, "needs a 'request' object");
    const json& req = js["request"];
    step.request = to_value(req, at);
    if (!req.contains("call-id")) {
      step.request.set("call-id", default_call_id);
    }
    if (const ng::Value* cid = step.request.find("call-id");
        cid != nullptr && cid->is_string() &&
        std::find(s.call_ids.begin(), s.call_ids.end(), cid->as_string()) == s.call_ids.end()) {
      s.call_ids.push_back(cid->as_string());
    }
    if (js.contains("sdp")) {
      if (req.contains("sdp")) fail(at, "give the SDP either in the step or in the request");
      const json& body = js["sdp"];
      if (body.is_string()) {
        auto it = bodies.find(body.get<std::string>());
        if (it == bodies.end()) fail(at, "no SDP body named '" + body.get<std::string>() + "'");
        step.sdp = it->second;
      } else {
        step.sdp = join_sdp(body, at);
        s.all_sdp.push_back(step.sdp);
      }
      step.request.set("sdp", step.sdp);
    }
    s.steps.push_back(std::move(step));
  }
  return s;
}

std::vector<Scenario> load_corpus(const std::filesystem::path& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Scenario> out;
  for (const auto& f : files) out.push_back(load_scenario(f));
  return out;
}

}  // namespace rtpx::test::ngdiff
