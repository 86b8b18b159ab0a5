// Secrets Manager's operations over JSON 1.1; see secrets_api.h. Each reads its members, asks
// Secrets (secrets.h) and writes the output members the service model names; timestamps are
// seconds since the epoch, as the protocol sends them, and binary values base64.
#include "control/secrets_api.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "common/numbers.h"
#include "control/random_password.h"

namespace redoubt::control {
namespace {

using Json = nlohmann::json;

double Seconds(int64_t unix_ms) {
  return static_cast<double>(unix_ms) / 1000.0;
}

// A boolean member, when present.
std::optional<ApiError> ReadFlag(const Json& input, const char* name, bool* out) {
  if (!input.contains(name)) {
    return std::nullopt;
  }
  if (!input[name].is_boolean()) {
    return InvalidParameterException(std::string(name) + " must be true or false.");
  }
  *out = input[name].get<bool>();
  return std::nullopt;
}

// A string member, when present.
std::optional<ApiError> ReadString(const Json& input, const char* name,
                                   std::optional<std::string>* out) {
  if (!input.contains(name)) {
    return std::nullopt;
  }
  if (!input[name].is_string()) {
    return InvalidParameterException(std::string(name) + " must be a string.");
  }
  *out = input[name].get<std::string>();
  return std::nullopt;
}

std::optional<ApiError> ReadRequired(const Json& input, const char* name, std::string* out) {
  std::optional<std::string> value;
  if (std::optional<ApiError> error = ReadString(input, name, &value)) {
    return error;
  }
  if (!value || value->empty()) {
    return InvalidParameterException("You must provide a value for the " + std::string(name) +
                                     " parameter.");
  }
  *out = std::move(*value);
  return std::nullopt;
}

std::optional<ApiError> ReadInteger(const Json& input, const char* name, int64_t low, int64_t high,
                                    std::optional<int64_t>* out) {
  if (!input.contains(name)) {
    return std::nullopt;
  }
  if (!input[name].is_number_integer() || input[name].get<int64_t>() < low ||
      input[name].get<int64_t>() > high) {
    return InvalidParameterException(std::string(name) + " must be an integer from " +
                                     std::to_string(low) + " to " + std::to_string(high) + ".");
  }
  *out = input[name].get<int64_t>();
  return std::nullopt;
}

// SecretString and SecretBinary (base64 on the wire), and the token of the version they make.
std::optional<ApiError> ReadNewVersion(const Json& input, Secrets::NewVersion* version) {
  std::optional<std::string> token, binary;
  if (auto error = ReadString(input, "ClientRequestToken", &token)) {
    return error;
  }
  if (auto error = ReadString(input, "SecretString", &version->value.string)) {
    return error;
  }
  if (auto error = ReadString(input, "SecretBinary", &binary)) {
    return error;
  }
  if (binary) {
    std::string bytes;
    if (!absl::Base64Unescape(*binary, &bytes)) {
      return InvalidParameterException("SecretBinary must be base64.");
    }
    version->value.binary = std::move(bytes);
  }
  version->token = token.value_or("");
  return std::nullopt;
}

std::optional<ApiError> ReadTags(const Json& input, std::vector<TagRecord>* tags) {
  if (!input.contains("Tags")) {
    return std::nullopt;
  }
  if (!input["Tags"].is_array()) {
    return InvalidParameterException("Tags must be a list.");
  }
  for (const Json& tag : input["Tags"]) {
    if (!tag.is_object() || !tag.contains("Key") || !tag["Key"].is_string() ||
        (tag.contains("Value") && !tag["Value"].is_string())) {
      return InvalidParameterException("Each tag needs a string Key (and Value).");
    }
    tags->push_back({tag["Key"].get<std::string>(), tag.value("Value", std::string())});
  }
  return std::nullopt;
}

Json TagsJson(const std::vector<TagRecord>& tags) {
  Json out = Json::array();
  for (const TagRecord& tag : tags) {
    out.push_back({{"Key", tag.key}, {"Value", tag.value}});
  }
  return out;
}

// {version id: [stages]} for the versions that have stages.
Json VersionsToStages(const SecretRecord& secret) {
  Json out = Json::object();
  for (const SecretVersionRecord& version : secret.versions) {
    if (!version.stages.empty()) {
      out[version.id] = version.stages;
    }
  }
  return out;
}

// What DescribeSecret and ListSecrets tell about a secret (stages_member: the map's name in
// each).
Json SecretJson(const SecretRecord& secret, const char* stages_member) {
  Json out = {{"ARN", secret.arn},
              {"Name", secret.name},
              {"LastChangedDate", Seconds(secret.changed_ms)},
              {"CreatedDate", Seconds(secret.created_ms)},
              {stages_member, VersionsToStages(secret)}};
  if (!secret.description.empty()) {
    out["Description"] = secret.description;
  }
  if (!secret.kms_key_id.empty()) {
    out["KmsKeyId"] = secret.kms_key_id;
  }
  if (secret.accessed_ms != 0) {
    out["LastAccessedDate"] = Seconds(secret.accessed_ms);
  }
  if (secret.deletion_ms != 0) {
    out["DeletedDate"] = Seconds(secret.deletion_ms);
  }
  if (!secret.tags.empty()) {
    out["Tags"] = TagsJson(secret.tags);
  }
  out["RotationEnabled"] = secret.rotation_enabled;
  if (!secret.rotation_lambda_arn.empty()) {
    out["RotationLambdaARN"] = secret.rotation_lambda_arn;
  }
  if (!secret.rotation_rules_json.empty()) {
    out["RotationRules"] = Json::parse(secret.rotation_rules_json, nullptr, false);
  }
  if (secret.last_rotated_ms != 0) {
    out["LastRotatedDate"] = Seconds(secret.last_rotated_ms);
  }
  if (secret.rotation_enabled && secret.next_rotation_ms != 0) {
    out["NextRotationDate"] = Seconds(secret.next_rotation_ms);
  }
  return out;
}

void WriteArnAndName(const SecretRecord& secret, Json* output) {
  (*output)["ARN"] = secret.arn;
  (*output)["Name"] = secret.name;
}

// An operation whose only member is SecretId and whose answer is the secret's ARN and Name.
JsonOperation OnSecretId(
    std::function<std::optional<ApiError>(const std::string& secret_id, SecretRecord*)> act) {
  return [act = std::move(act)](const Json& input, Json* output) -> std::optional<ApiError> {
    std::string id;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    SecretRecord secret;
    if (auto error = act(id, &secret)) {
      return error;
    }
    WriteArnAndName(secret, output);
    return std::nullopt;
  };
}

// A page of items: NextToken is the index of the next item, as text.
std::optional<ApiError> JsonPage(const Json& input, size_t total, size_t* begin, size_t* end,
                                 Json* output) {
  std::optional<int64_t> max;
  if (auto error = ReadInteger(input, "MaxResults", 1, 100, &max)) {
    return error;
  }
  std::optional<std::string> token;
  if (auto error = ReadString(input, "NextToken", &token)) {
    return error;
  }
  *begin = 0;
  if (token) {
    const std::optional<int64_t> at = common::ParseInt64(*token);
    if (!at || *at < 0 || static_cast<size_t>(*at) > total) {
      return ApiError{400, "InvalidNextTokenException", "The NextToken value is invalid."};
    }
    *begin = static_cast<size_t>(*at);
  }
  *end = std::min(total, *begin + static_cast<size_t>(max.value_or(100)));
  if (*end < total) {
    (*output)["NextToken"] = std::to_string(*end);
  }
  return std::nullopt;
}

// Whether the secret passes one ListSecrets filter: any of its values, each a prefix (a
// leading '!' negates it), of the field the key names.
bool PassesFilter(const SecretRecord& secret, const std::string& key,
                  const std::vector<std::string>& values) {
  std::vector<std::string> fields;
  if (key == "name" || key == "all") {
    fields.push_back(secret.name);
  }
  if (key == "description" || key == "all") {
    fields.push_back(secret.description);
  }
  for (const TagRecord& tag : secret.tags) {
    if (key == "tag-key" || key == "all") {
      fields.push_back(tag.key);
    }
    if (key == "tag-value" || key == "all") {
      fields.push_back(tag.value);
    }
  }
  for (const std::string& value : values) {
    const bool negated = value.starts_with("!");
    const std::string prefix = negated ? value.substr(1) : value;
    const bool any = std::any_of(fields.begin(), fields.end(),
                                 [&](const std::string& f) { return f.starts_with(prefix); });
    if (any != negated) {
      return true;
    }
  }
  return false;
}

}  // namespace

JsonService MakeSecretsManagerService(Secrets* secrets, SecretRotator* rotator) {
  JsonService service;
  service.target_prefix = "secretsmanager";
  service.operations["GetRandomPassword"] = [](const Json& input,
                                               Json* output) -> std::optional<ApiError> {
    PasswordRules rules;
    std::optional<int64_t> length;
    if (auto error = ReadInteger(input, "PasswordLength", 1, 4096, &length)) {
      return error;
    }
    rules.length = length.value_or(rules.length);
    std::optional<std::string> exclude;
    if (auto error = ReadString(input, "ExcludeCharacters", &exclude)) {
      return error;
    }
    rules.exclude_characters = exclude.value_or("");
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
      return InvalidParameterException(std::string(password.status().message()));
    }
    (*output)["RandomPassword"] = *password;
    return std::nullopt;
  };
  if (secrets == nullptr) {
    return service;
  }

  service.operations["CreateSecret"] = [secrets](const Json& input,
                                                 Json* output) -> std::optional<ApiError> {
    SecretRecord draft;
    std::optional<std::string> description, kms;
    Secrets::NewVersion version;
    if (auto error = ReadRequired(input, "Name", &draft.name)) {
      return error;
    }
    for (auto error :
         {ReadString(input, "Description", &description), ReadString(input, "KmsKeyId", &kms),
          ReadNewVersion(input, &version), ReadTags(input, &draft.tags)}) {
      if (error) {
        return error;
      }
    }
    if (draft.name.size() > 512 ||
        draft.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789/_+=.@-") != std::string::npos) {
      return InvalidParameterException(
          "Invalid name. Must be a valid name containing alphanumeric characters, or any of the "
          "following: -/_+=.@!");
    }
    draft.description = description.value_or("");
    draft.kms_key_id = kms.value_or("");
    SecretRecord created;
    std::string version_id;
    if (auto error = secrets->Create(std::move(draft), std::move(version), &created, &version_id)) {
      return error;
    }
    WriteArnAndName(created, output);
    if (!version_id.empty()) {
      (*output)["VersionId"] = version_id;
    }
    return std::nullopt;
  };

  service.operations["PutSecretValue"] = [secrets](const Json& input,
                                                   Json* output) -> std::optional<ApiError> {
    std::string id;
    Secrets::NewVersion version;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    if (auto error = ReadNewVersion(input, &version)) {
      return error;
    }
    if (input.contains("VersionStages")) {
      if (!input["VersionStages"].is_array() || input["VersionStages"].empty() ||
          !std::all_of(input["VersionStages"].begin(), input["VersionStages"].end(),
                       [](const Json& s) { return s.is_string(); })) {
        return InvalidParameterException("VersionStages must be a list of 1 to 20 staging labels.");
      }
      version.stages = input["VersionStages"].get<std::vector<std::string>>();
    }
    SecretRecord secret;
    std::string version_id;
    if (auto error = secrets->AddVersion(id, std::move(version), &secret, &version_id)) {
      return error;
    }
    WriteArnAndName(secret, output);
    (*output)["VersionId"] = version_id;
    (*output)["VersionStages"] = secret.Version(version_id)->stages;
    return std::nullopt;
  };

  service.operations["UpdateSecret"] = [secrets](const Json& input,
                                                 Json* output) -> std::optional<ApiError> {
    std::string id;
    std::optional<std::string> description, kms;
    Secrets::NewVersion version;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    for (auto error : {ReadString(input, "Description", &description),
                       ReadString(input, "KmsKeyId", &kms), ReadNewVersion(input, &version)}) {
      if (error) {
        return error;
      }
    }
    SecretRecord secret;
    // The value first: a refused one (a reused token, both members) changes nothing else.
    if (version.value.string || version.value.binary) {
      std::string version_id;
      if (auto error = secrets->AddVersion(id, std::move(version), &secret, &version_id)) {
        return error;
      }
      (*output)["VersionId"] = version_id;
    }
    if (auto error = secrets->Update(id, description, kms, &secret)) {
      return error;
    }
    WriteArnAndName(secret, output);
    return std::nullopt;
  };

  service.operations["GetSecretValue"] = [secrets](const Json& input,
                                                   Json* output) -> std::optional<ApiError> {
    std::string id;
    std::optional<std::string> version_id, stage;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    for (auto error :
         {ReadString(input, "VersionId", &version_id), ReadString(input, "VersionStage", &stage)}) {
      if (error) {
        return error;
      }
    }
    SecretRecord secret;
    SecretVersionRecord version;
    SecretValue value;
    if (auto error = secrets->GetValue(id, version_id, stage, &secret, &version, &value)) {
      return error;
    }
    WriteArnAndName(secret, output);
    (*output)["VersionId"] = version.id;
    (*output)["VersionStages"] = version.stages;
    (*output)["CreatedDate"] = Seconds(version.created_ms);
    if (value.string) {
      (*output)["SecretString"] = *value.string;
    }
    if (value.binary) {
      (*output)["SecretBinary"] = absl::Base64Escape(*value.binary);
    }
    return std::nullopt;
  };

  service.operations["DescribeSecret"] = [secrets](const Json& input,
                                                   Json* output) -> std::optional<ApiError> {
    std::string id;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    SecretRecord secret;
    if (auto error = secrets->Describe(id, &secret)) {
      return error;
    }
    *output = SecretJson(secret, "VersionIdsToStages");
    return std::nullopt;
  };

  service.operations["ListSecrets"] = [secrets](const Json& input,
                                                Json* output) -> std::optional<ApiError> {
    bool planned = false;
    std::optional<std::string> order;
    for (auto error : {ReadFlag(input, "IncludePlannedDeletion", &planned),
                       ReadString(input, "SortOrder", &order)}) {
      if (error) {
        return error;
      }
    }
    if (order && *order != "asc" && *order != "desc") {
      return InvalidParameterException("SortOrder must be asc or desc.");
    }
    std::vector<SecretRecord> all = secrets->All(planned);
    if (order == "desc") {
      std::reverse(all.begin(), all.end());
    }
    if (input.contains("Filters")) {
      if (!input["Filters"].is_array()) {
        return InvalidParameterException("Filters must be a list.");
      }
      for (const Json& filter : input["Filters"]) {
        static const std::vector<std::string> kKeys = {
            "description",    "name",           "tag-key", "tag-value",
            "primary-region", "owning-service", "all"};
        if (!filter.is_object() || !filter.contains("Key") || !filter["Key"].is_string() ||
            std::find(kKeys.begin(), kKeys.end(), filter["Key"].get<std::string>()) ==
                kKeys.end() ||
            !filter.contains("Values") || !filter["Values"].is_array() ||
            !std::all_of(filter["Values"].begin(), filter["Values"].end(),
                         [](const Json& v) { return v.is_string(); })) {
          return InvalidParameterException("Each filter needs a Key (" +
                                           std::string("description, name, tag-key, tag-value, "
                                                       "primary-region, owning-service or all") +
                                           ") and a list of Values.");
        }
        const std::string key = filter["Key"].get<std::string>();
        const auto values = filter["Values"].get<std::vector<std::string>>();
        std::erase_if(all, [&](const SecretRecord& s) { return !PassesFilter(s, key, values); });
      }
    }
    size_t begin = 0, end = 0;
    if (auto error = JsonPage(input, all.size(), &begin, &end, output)) {
      return error;
    }
    Json list = Json::array();
    for (size_t i = begin; i < end; ++i) {
      list.push_back(SecretJson(all[i], "SecretVersionsToStages"));
    }
    (*output)["SecretList"] = std::move(list);
    return std::nullopt;
  };

  service.operations["ListSecretVersionIds"] = [secrets](const Json& input,
                                                         Json* output) -> std::optional<ApiError> {
    std::string id;
    bool deprecated = false;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    if (auto error = ReadFlag(input, "IncludeDeprecated", &deprecated)) {
      return error;
    }
    SecretRecord secret;
    if (auto error = secrets->Describe(id, &secret)) {
      return error;
    }
    std::vector<const SecretVersionRecord*> versions;
    for (auto it = secret.versions.rbegin(); it != secret.versions.rend(); ++it) {
      if (deprecated || !it->stages.empty()) {
        versions.push_back(&*it);
      }
    }
    size_t begin = 0, end = 0;
    if (auto error = JsonPage(input, versions.size(), &begin, &end, output)) {
      return error;
    }
    Json list = Json::array();
    for (size_t i = begin; i < end; ++i) {
      Json entry = {{"VersionId", versions[i]->id},
                    {"VersionStages", versions[i]->stages},
                    {"CreatedDate", Seconds(versions[i]->created_ms)}};
      if (versions[i]->accessed_ms != 0) {
        entry["LastAccessedDate"] = Seconds(versions[i]->accessed_ms);
      }
      list.push_back(std::move(entry));
    }
    (*output)["Versions"] = std::move(list);
    WriteArnAndName(secret, output);
    return std::nullopt;
  };

  service.operations["UpdateSecretVersionStage"] =
      [secrets](const Json& input, Json* output) -> std::optional<ApiError> {
    std::string id, stage;
    std::optional<std::string> remove_from, move_to;
    for (auto error :
         {ReadRequired(input, "SecretId", &id), ReadRequired(input, "VersionStage", &stage),
          ReadString(input, "RemoveFromVersionId", &remove_from),
          ReadString(input, "MoveToVersionId", &move_to)}) {
      if (error) {
        return error;
      }
    }
    SecretRecord secret;
    if (auto error = secrets->MoveStage(id, stage, remove_from, move_to, &secret)) {
      return error;
    }
    WriteArnAndName(secret, output);
    return std::nullopt;
  };

  service.operations["DeleteSecret"] = [secrets](const Json& input,
                                                 Json* output) -> std::optional<ApiError> {
    std::string id;
    std::optional<int64_t> days;
    bool force = false;
    for (auto error : {ReadRequired(input, "SecretId", &id),
                       ReadInteger(input, "RecoveryWindowInDays", 7, 30, &days),
                       ReadFlag(input, "ForceDeleteWithoutRecovery", &force)}) {
      if (error) {
        return error;
      }
    }
    if (force && days) {
      return InvalidParameterException(
          "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.");
    }
    SecretRecord secret;
    if (auto error = secrets->Delete(id, days.value_or(30), force, &secret)) {
      return error;
    }
    WriteArnAndName(secret, output);
    (*output)["DeletionDate"] = Seconds(secret.deletion_ms);
    return std::nullopt;
  };

  service.operations["RestoreSecret"] =
      OnSecretId([secrets](const std::string& id, SecretRecord* secret) {
        return secrets->Restore(id, secret);
      });

  service.operations["TagResource"] = [secrets](const Json& input,
                                                Json*) -> std::optional<ApiError> {
    std::string id;
    std::vector<TagRecord> tags;
    for (auto error : {ReadRequired(input, "SecretId", &id), ReadTags(input, &tags)}) {
      if (error) {
        return error;
      }
    }
    return secrets->Tag(id, tags);
  };

  if (rotator != nullptr) {
    service.operations["RotateSecret"] = [rotator](const Json& input,
                                                   Json* output) -> std::optional<ApiError> {
      std::string id;
      std::optional<std::string> token, lambda;
      bool immediately = true;
      for (auto error :
           {ReadRequired(input, "SecretId", &id), ReadString(input, "ClientRequestToken", &token),
            ReadString(input, "RotationLambdaARN", &lambda),
            ReadFlag(input, "RotateImmediately", &immediately)}) {
        if (error) {
          return error;
        }
      }
      std::optional<Json> rules;
      if (input.contains("RotationRules")) {
        rules = input["RotationRules"];
      }
      SecretRecord secret;
      std::string version_id;
      if (auto error = rotator->Rotate(id, token.value_or(""), lambda, rules, immediately, &secret,
                                       &version_id)) {
        return error;
      }
      WriteArnAndName(secret, output);
      if (!version_id.empty()) {
        (*output)["VersionId"] = version_id;
      }
      return std::nullopt;
    };
    service.operations["CancelRotateSecret"] =
        OnSecretId([rotator](const std::string& id, SecretRecord* secret) {
          return rotator->Cancel(id, secret);
        });
  }

  service.operations["UntagResource"] = [secrets](const Json& input,
                                                  Json*) -> std::optional<ApiError> {
    std::string id;
    if (auto error = ReadRequired(input, "SecretId", &id)) {
      return error;
    }
    if (!input.contains("TagKeys") || !input["TagKeys"].is_array() ||
        !std::all_of(input["TagKeys"].begin(), input["TagKeys"].end(),
                     [](const Json& k) { return k.is_string(); })) {
      return InvalidParameterException("TagKeys must be a list of strings.");
    }
    return secrets->Untag(id, input["TagKeys"].get<std::vector<std::string>>());
  };
  return service;
}

}  // namespace redoubt::control
