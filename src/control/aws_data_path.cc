// AWS_DATA_PATH folder; see aws_data_path.h.
#include "control/aws_data_path.h"

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string_view>
#include <system_error>

#include "common/errno_text.h"
#include "common/file_io.h"

namespace redoubt::control {
namespace {

struct ServiceModel {
  const char* service;
  const char* version;
};

constexpr ServiceModel kServices[] = {
    {"elasticache", "2015-02-02"},
    {"ec2", "2016-11-15"},
    {"secretsmanager", "2017-10-17"},
};

constexpr char kWaitersFile[] = "waiters-2.json";
constexpr const char* kModelFiles[] = {"service-2.json", "service-2.sdk-extras.json",
                                       "paginators-1.json", kWaitersFile};

// Endpoint rules 1.0: an explicit endpoint (--endpoint-url, endpoint_url) first, else ours.
nlohmann::json RuleSet(const std::string& endpoint_url) {
  auto endpoint = [](nlohmann::json url) {
    return nlohmann::json{{"url", std::move(url)},
                          {"properties", nlohmann::json::object()},
                          {"headers", nlohmann::json::object()}};
  };
  return {{"version", "1.0"},
          {"parameters",
           {{"Region",
             {{"builtIn", "AWS::Region"},
              {"required", false},
              {"type", "String"},
              {"documentation", "The region to sign with."}}},
            {"Endpoint",
             {{"builtIn", "SDK::Endpoint"},
              {"required", false},
              {"type", "String"},
              {"documentation", "An explicit endpoint, which wins."}}}}},
          {"rules",
           nlohmann::json::array(
               {{{"conditions",
                  nlohmann::json::array({{{"fn", "isSet"}, {"argv", {{{"ref", "Endpoint"}}}}}})},
                 {"type", "endpoint"},
                 {"endpoint", endpoint({{"ref", "Endpoint"}})}},
                {{"conditions", nlohmann::json::array()},
                 {"type", "endpoint"},
                 {"endpoint", endpoint(endpoint_url)}}})}};
}

// A waiter polls every `delay` seconds, tuned for AWS, where a modification takes minutes:
// awscli's `wait replication-group-available` would sleep 15 s after a change that this
// control plane finishes in a few. Each waiter here polls every second, with delay times more
// attempts, which keeps its total time (40 x 15 s stays 10 minutes).
nlohmann::json LocalWaiters(nlohmann::json waiters) {
  for (auto& [name, waiter] : waiters["waiters"].items()) {
    const int delay = waiter.value("delay", 1);
    if (delay > 1) {
      waiter["maxAttempts"] = delay * waiter.value("maxAttempts", 1);
      waiter["delay"] = 1;
    }
  }
  return waiters;
}

// The waiters file at source, with LocalWaiters' delays, written to target.
absl::Status WriteLocalWaiters(const std::filesystem::path& source,
                               const std::filesystem::path& target) {
  std::string text;
  if (absl::Status read = common::ReadSmallFile(source.string(), 16 << 20, &text); !read.ok()) {
    return read;
  }
  nlohmann::json waiters = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (waiters.is_discarded() || !waiters.contains("waiters") || !waiters["waiters"].is_object()) {
    return absl::InternalError("not a waiters model: " + source.string());
  }
  if (const int err = common::ReplaceFile(target.string(), LocalWaiters(waiters).dump(1), 0644);
      err != 0) {
    return absl::InternalError("cannot write " + target.string() + ": " + common::ErrnoText(err));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status WriteAwsDataPath(const std::string& dir, const std::string& endpoint_url,
                              const std::string& models_dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (const ServiceModel& m : kServices) {
    const fs::path target = fs::path(dir) / m.service / m.version;
    fs::create_directories(target, ec);
    if (ec) {
      return absl::InternalError("cannot create " + target.string() + ": " + ec.message());
    }
    for (const char* file : kModelFiles) {
      const fs::path source = fs::path(models_dir) / m.service / m.version / file;
      const fs::path link = target / file;
      fs::remove(link, ec);
      if (fs::exists(source) && std::string_view(file) == kWaitersFile) {
        if (absl::Status written = WriteLocalWaiters(source, link); !written.ok()) {
          return written;
        }
      } else if (fs::exists(source)) {
        fs::create_symlink(source, link, ec);
        if (ec) {
          return absl::InternalError("cannot link " + link.string() + ": " + ec.message());
        }
      }
    }
    const fs::path rules = target / "endpoint-rule-set-1.json";
    if (const int err = common::ReplaceFile(rules.string(), RuleSet(endpoint_url).dump(1), 0644);
        err != 0) {
      return absl::InternalError("cannot write " + rules.string() + ": " + common::ErrnoText(err));
    }
  }
  return absl::OkStatus();
}

}  // namespace redoubt::control
