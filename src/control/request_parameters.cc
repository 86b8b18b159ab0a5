// Reading request parameters; see request_parameters.h.
#include "control/request_parameters.h"

#include "absl/strings/str_format.h"
#include "common/ascii.h"
#include "common/numbers.h"

namespace redoubt::control {

ApiError MissingParameter(const std::string& name) {
  return ApiError{400, "MissingParameter", "The request must contain the parameter " + name + "."};
}

ApiError InvalidValue(std::string message) {
  return ApiError{400, "InvalidParameterValue", std::move(message)};
}

ApiError InvalidCombination(std::string message) {
  return ApiError{400, "InvalidParameterCombination", std::move(message)};
}

std::optional<ApiError> ReadRequired(const FormParams& params, const std::string& name,
                                     std::string* out) {
  std::optional<std::string> value = params.Get(name);
  if (!value) {
    return MissingParameter(name);
  }
  *out = *std::move(value);
  return std::nullopt;
}

std::optional<ApiError> ReadBool(const FormParams& params, const std::string& name,
                                 std::optional<bool>* out) {
  std::optional<std::string> text = params.Get(name);
  if (!text) {
    return std::nullopt;
  }
  const std::string lower = common::ToLower(*text);
  if (lower != "true" && lower != "false") {
    return InvalidValue("The parameter " + name + " must be true or false, got " + *text + ".");
  }
  *out = lower == "true";
  return std::nullopt;
}

std::optional<ApiError> ReadInt(const FormParams& params, const std::string& name, int low,
                                int high, std::optional<int>* out) {
  std::optional<std::string> text = params.Get(name);
  if (!text) {
    return std::nullopt;
  }
  std::optional<int64_t> value = common::ParseInt64(*text);
  if (!value || *value < low || *value > high) {
    return InvalidValue(absl::StrFormat("The parameter %s must be between %d and %d, got %s.", name,
                                        low, high, *text));
  }
  *out = static_cast<int>(*value);
  return std::nullopt;
}

bool IsValidSecret(const std::string& secret) {
  bool ok = secret.size() >= 16 && secret.size() <= 128;
  for (char c : secret) {
    ok = ok && c > ' ' && c < 127 && c != '\'' && c != '"' && c != '/' && c != '@';
  }
  return ok;
}

std::optional<ApiError> CheckResourceId(const std::string& what, const std::string& id) {
  bool ok = !id.empty() && id.size() <= 40 && id.front() >= 'a' && id.front() <= 'z' &&
            id.back() != '-' && id.find("--") == std::string::npos;
  for (char c : id) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-');
  }
  if (!ok) {
    return InvalidValue("Invalid " + what + ": " + id +
                        ". It must be 1 to 40 letters, digits or hyphens, begin with a letter, "
                        "and contain no two consecutive hyphens and no trailing hyphen.");
  }
  return std::nullopt;
}

std::optional<ApiError> ReadTags(const FormParams& params, std::vector<TagRecord>* tags) {
  for (int i = 1;; ++i) {
    const std::string item = "Tags.Tag." + std::to_string(i) + ".";
    const std::optional<std::string> key = params.Get(item + "Key");
    if (!key) {
      break;
    }
    if (key->empty() || key->size() > 128) {
      return InvalidValue("A tag key must be 1 to 128 characters.");
    }
    tags->push_back({*key, params.Get(item + "Value").value_or("")});
  }
  if (tags->size() > 50) {
    return ApiError{400, "TagQuotaPerResourceExceeded", "A resource has at most 50 tags."};
  }
  return std::nullopt;
}

void Page::WriteMarker(XmlWriter& xml, size_t total) const {
  if (begin + size < total) {
    xml.Leaf(reply_marker, std::to_string(begin + size));
  }
}

std::optional<ApiError> ReadPage(const FormParams& params, Page* page, const PageNames& names) {
  std::optional<int> max;
  if (std::optional<ApiError> error = ReadInt(params, names.max, names.low, names.high, &max)) {
    return error;
  }
  page->size = static_cast<size_t>(max.value_or(names.high));
  page->reply_marker = names.reply_marker;
  if (std::optional<std::string> marker = params.Get(names.marker)) {
    const std::optional<int64_t> value = common::ParseInt64(*marker);
    if (!value || *value < 0) {
      return InvalidValue(std::string("Invalid ") + names.marker + ": " + *marker + ".");
    }
    page->begin = static_cast<size_t>(*value);
  }
  return std::nullopt;
}

}  // namespace redoubt::control
