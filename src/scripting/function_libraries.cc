// The function libraries; see function_libraries.h. Error texts are Redis 7.0's functions.c.
#include "scripting/function_libraries.h"

#include <utility>

#include "common/ascii.h"
#include "protocol/resp_parser.h"

namespace redoubt::scripting {

std::string ParseLibraryMetadata(std::string_view code, FunctionLibrary* library) {
  if (!code.starts_with("#!")) {
    return "Missing library metadata";
  }
  const size_t line_end = code.find('\n');
  if (line_end == std::string_view::npos) {
    return "Invalid library metadata";
  }
  std::vector<std::string> parts;
  if (!protocol::SplitArgs(code.substr(0, line_end), &parts) || parts.empty()) {
    return "Invalid library metadata";
  }
  std::optional<std::string> name;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() >= 5 && common::EqualsIgnoreCase(parts[i].substr(0, 5), "name=")) {
      if (name) {
        return "Invalid metadata value, name argument was given multiple times";
      }
      name = parts[i].substr(5);
      continue;
    }
    return "Invalid metadata value given: " + parts[i];
  }
  if (!name) {
    return "Library name was not given";
  }
  library->engine = parts[0].substr(2);
  library->name = std::move(*name);
  library->body_offset = line_end;
  return {};
}

bool ValidFunctionName(std::string_view name) {
  if (name.empty()) {
    return false;
  }
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) {
      return false;
    }
  }
  return true;
}

const FunctionDef* FunctionLibraries::Set::Find(std::string_view name,
                                                const FunctionLibrary** library) const {
  auto it = library_of_function.find(common::ToLower(name));
  if (it == library_of_function.end()) {
    return nullptr;
  }
  const FunctionLibrary& lib = libraries.at(it->second);
  for (const FunctionDef& f : lib.functions) {
    if (common::EqualsIgnoreCase(f.name, name)) {
      *library = &lib;
      return &f;
    }
  }
  return nullptr;
}

size_t FunctionLibraries::Set::MemoryEstimate() const {
  // Per library: its map node and strings' headers; per function: its definition and the
  // lookup entry (both rough, as Redis's own figure counts its structures and dictionaries).
  constexpr size_t kLibraryOverhead = 160;
  constexpr size_t kFunctionOverhead = 128;
  size_t bytes = 0;
  for (const auto& [name, library] : libraries) {
    bytes += kLibraryOverhead + 2 * name.size() + library.code.size() + library.engine.size();
    for (const FunctionDef& f : library.functions) {
      bytes += kFunctionOverhead + 2 * f.name.size() + (f.description ? f.description->size() : 0);
    }
  }
  return bytes;
}

FunctionLibraries::FunctionLibraries() : current_(std::make_shared<const Set>()) {}

std::shared_ptr<const FunctionLibraries::Set> FunctionLibraries::Current() const {
  absl::MutexLock lock(&mu_);
  return current_;
}

void FunctionLibraries::Publish(std::shared_ptr<const Set> set) {
  memory_bytes_.store(set->MemoryEstimate(), std::memory_order_relaxed);
  current_ = std::move(set);
  generation_.fetch_add(1, std::memory_order_acq_rel);
}

std::string FunctionLibraries::Join(Set& set, std::vector<FunctionLibrary> libraries,
                                    bool replace) {
  // Redis's libraryJoin: library names first (replacing unlinks the old one), then functions.
  for (const FunctionLibrary& lib : libraries) {
    auto old = set.libraries.find(lib.name);
    if (old == set.libraries.end()) {
      continue;
    }
    if (!replace) {
      return "Library " + lib.name + " already exists";
    }
    for (const FunctionDef& f : old->second.functions) {
      set.library_of_function.erase(common::ToLower(f.name));
    }
    set.function_count -= old->second.functions.size();
    set.libraries.erase(old);
  }
  for (const FunctionLibrary& lib : libraries) {
    for (const FunctionDef& f : lib.functions) {
      if (set.library_of_function.contains(common::ToLower(f.name))) {
        return "Function " + f.name + " already exists";
      }
    }
  }
  for (FunctionLibrary& lib : libraries) {
    for (const FunctionDef& f : lib.functions) {
      set.library_of_function.emplace(common::ToLower(f.name), lib.name);
    }
    set.function_count += lib.functions.size();
    std::string name = lib.name;
    set.libraries.insert_or_assign(std::move(name), std::move(lib));
  }
  return {};
}

std::string FunctionLibraries::Add(FunctionLibrary library, bool replace) {
  absl::MutexLock lock(&mu_);
  if (!replace && current_->libraries.contains(library.name)) {
    return "Library '" + library.name + "' already exists";
  }
  auto next = std::make_shared<Set>(*current_);
  std::vector<FunctionLibrary> one;
  one.push_back(std::move(library));
  if (std::string error = Join(*next, std::move(one), /*replace=*/true); !error.empty()) {
    return error;
  }
  Publish(std::move(next));
  return {};
}

std::string FunctionLibraries::AddAll(std::vector<FunctionLibrary> libraries, bool replace) {
  absl::MutexLock lock(&mu_);
  auto next = std::make_shared<Set>(*current_);
  if (std::string error = Join(*next, std::move(libraries), replace); !error.empty()) {
    return error;
  }
  Publish(std::move(next));
  return {};
}

bool FunctionLibraries::Delete(std::string_view name) {
  absl::MutexLock lock(&mu_);
  auto it = current_->libraries.find(std::string(name));
  if (it == current_->libraries.end()) {
    return false;
  }
  auto next = std::make_shared<Set>(*current_);
  for (const FunctionDef& f : it->second.functions) {
    next->library_of_function.erase(common::ToLower(f.name));
  }
  next->function_count -= it->second.functions.size();
  next->libraries.erase(std::string(name));
  Publish(std::move(next));
  return true;
}

std::string FunctionLibraries::ReplaceAll(std::vector<FunctionLibrary> libraries) {
  auto next = std::make_shared<Set>();
  // Two libraries of one payload or file may still collide (Redis loads them one by one into
  // an empty set and fails the same way).
  if (std::string error = Join(*next, std::move(libraries), /*replace=*/false); !error.empty()) {
    return error;
  }
  absl::MutexLock lock(&mu_);
  Publish(std::move(next));
  return {};
}

}  // namespace redoubt::scripting
