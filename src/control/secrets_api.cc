// Secrets Manager's operations; see secrets_api.h.
#include "control/secrets_api.h"

#include "control/random_password.h"

namespace redoubt::control {
namespace {

ApiError InvalidParameter(std::string message) {
  return ApiError{400, "InvalidParameterException", std::move(message)};
}

// A boolean member, when present.
std::optional<ApiError> ReadFlag(const nlohmann::json& input, const char* name, bool* out) {
  if (!input.contains(name)) {
    return std::nullopt;
  }
  if (!input[name].is_boolean()) {
    return InvalidParameter(std::string(name) + " must be true or false.");
  }
  *out = input[name].get<bool>();
  return std::nullopt;
}

std::optional<ApiError> GetRandomPassword(const nlohmann::json& input, nlohmann::json* output) {
  PasswordRules rules;
  if (input.contains("PasswordLength")) {
    if (!input["PasswordLength"].is_number_integer()) {
      return InvalidParameter("PasswordLength must be an integer.");
    }
    rules.length = input["PasswordLength"].get<int64_t>();
  }
  if (input.contains("ExcludeCharacters")) {
    if (!input["ExcludeCharacters"].is_string()) {
      return InvalidParameter("ExcludeCharacters must be a string.");
    }
    rules.exclude_characters = input["ExcludeCharacters"].get<std::string>();
  }
  for (const auto& [name, flag] :
       {std::pair{"ExcludeNumbers", &rules.exclude_numbers},
        std::pair{"ExcludePunctuation", &rules.exclude_punctuation},
        std::pair{"ExcludeUppercase", &rules.exclude_uppercase},
        std::pair{"ExcludeLowercase", &rules.exclude_lowercase},
        std::pair{"IncludeSpace", &rules.include_space},
        std::pair{"RequireEachIncludedType", &rules.require_each_included_type}}) {
    if (std::optional<ApiError> error = ReadFlag(input, name, flag)) {
      return error;
    }
  }
  absl::StatusOr<std::string> password = RandomPassword(rules);
  if (!password.ok()) {
    return InvalidParameter(std::string(password.status().message()));
  }
  (*output)["RandomPassword"] = *password;
  return std::nullopt;
}

}  // namespace

JsonService MakeSecretsManagerService() {
  JsonService service;
  service.target_prefix = "secretsmanager";
  service.operations["GetRandomPassword"] = GetRandomPassword;
  return service;
}

}  // namespace redoubt::control
