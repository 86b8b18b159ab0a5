// The state store's resource documents as typed records: each kind's class (security groups,
// users and user groups, cache subnet groups) saves a record as its JSON document and reads
// them all back at start, through these two functions, with the record's nlohmann to_json and
// from_json (defined beside the record).
//
// Thread: as StateStore.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "control/state_store.h"

namespace redoubt::control {

template <typename Record>
absl::Status SaveRecord(StateStore& store, std::string_view kind, const std::string& key,
                        const Record& record) {
  return store.SaveResource(kind, key, nlohmann::json(record).dump());
}

// Every stored record of kind into *out, keyed by key_of(record); DataLoss for a document that
// does not read as a Record.
template <typename Record, typename KeyOf>
absl::Status LoadRecords(StateStore& store, std::string_view kind, KeyOf key_of,
                         std::map<std::string, Record>* out) {
  absl::StatusOr<std::vector<std::string>> documents = store.LoadResources(kind);
  if (!documents.ok()) {
    return documents.status();
  }
  for (const std::string& text : *documents) {
    try {
      Record record = nlohmann::json::parse(text).get<Record>();
      std::string key = key_of(record);
      (*out)[std::move(key)] = std::move(record);
    } catch (const nlohmann::json::exception& e) {
      return absl::DataLossError("a " + std::string(kind) + " record does not read: " + e.what());
    }
  }
  return absl::OkStatus();
}

}  // namespace redoubt::control
