// Access keys; see credentials_file.h.
#include "control/credentials_file.h"

#include <fcntl.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/status/status.h"

namespace redoubt::control {
namespace {

std::string RandomFrom(std::string_view alphabet, size_t n) {
  std::string out;
  unsigned char byte = 0;
  while (out.size() < n) {
    RAND_bytes(&byte, 1);
    // Rejection sampling keeps every character equally likely.
    if (byte < 256 - 256 % alphabet.size()) {
      out.push_back(alphabet[byte % alphabet.size()]);
    }
  }
  return out;
}

std::string_view TrimIniSpace(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

}  // namespace

std::pair<std::string, std::string> NewAccessKey() {
  return {"AKIA" + RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16),
          RandomFrom("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40)};
}

CredentialsFile CredentialsFile::Parse(std::string_view text) {
  CredentialsFile file;
  std::string key_id;
  std::string secret;
  auto finish_profile = [&] {
    if (!key_id.empty() && !secret.empty()) {
      file.secrets_[key_id] = secret;
    }
    key_id.clear();
    secret.clear();
  };
  std::istringstream lines{std::string(text)};
  for (std::string raw; std::getline(lines, raw);) {
    const std::string_view line = TrimIniSpace(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      finish_profile();
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    const std::string_view name = TrimIniSpace(line.substr(0, eq));
    const std::string_view value = TrimIniSpace(line.substr(eq + 1));
    if (name == "aws_access_key_id") {
      key_id = value;
    } else if (name == "aws_secret_access_key") {
      secret = value;
    }
  }
  finish_profile();
  return file;
}

absl::StatusOr<CredentialsFile> CredentialsFile::LoadOrCreate(const std::string& path) {
  if (access(path.c_str(), F_OK) != 0) {
    const auto [key_id, secret] = NewAccessKey();
    const std::string text =
        "[default]\naws_access_key_id = " + key_id + "\naws_secret_access_key = " + secret + "\n";
    const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0 || write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
      if (fd >= 0) {
        close(fd);
      }
      return absl::InternalError("cannot write " + path);
    }
    close(fd);
  }
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError("cannot read " + path);
  }
  std::stringstream text;
  text << in.rdbuf();
  CredentialsFile file = Parse(text.str());
  if (file.size() == 0) {
    return absl::InvalidArgumentError(path + " has no profile with both aws_access_key_id and " +
                                      "aws_secret_access_key");
  }
  return file;
}

std::optional<std::string> CredentialsFile::SecretOf(std::string_view access_key) const {
  auto it = secrets_.find(access_key);
  if (it == secrets_.end()) {
    return std::nullopt;
  }
  return it->second;
}

}  // namespace redoubt::control
