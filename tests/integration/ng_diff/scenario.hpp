#pragma once
// The ng_diff scenario corpus: one JSON file per scenario, each a sequence of ng requests with
// their SDP bodies (see scenarios/README.md for the format).

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "control/ng/bencode.hpp"

namespace rtpx::test::ngdiff {

struct Step {
  std::string name;
  ng::Value request;  // ready to send: call-id and sdp filled in
  std::string sdp;    // the SDP sent in this step ("" when none or not a string)
};

struct Scenario {
  std::string name;  // file stem, e.g. "01_plain_audio"
  std::string description;
  std::string profile;  // "v4" (default) or "dual"
  std::vector<Step> steps;
  std::vector<std::string> call_ids;  // every string call-id the steps use (for clean-up)
  std::vector<std::string> all_sdp;   // every SDP body of the scenario (input-value lookups)
};

// Parses one scenario file; throws std::runtime_error naming the file and the problem.
Scenario load_scenario(const std::filesystem::path& file);
// All *.json files under dir, sorted by name.
std::vector<Scenario> load_corpus(const std::filesystem::path& dir);

}  // namespace rtpx::test::ngdiff
