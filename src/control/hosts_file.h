// The endpoint names every client on the machine resolves: a block of the hosts file that this
// control plane owns, between "# BEGIN redoubt-control TAG" and "# END redoubt-control TAG" (TAG
// names the control plane's data folder, so that two control planes keep separate blocks).
// Publish replaces the block with the names given, under an exclusive lock on the file, in
// place (a hosts file is often a bind mount that a rename would fail on); lines outside the
// block are kept byte for byte.
//
// Thread: Publish serialises itself (the file lock, and a mutex for this process's threads).
#pragma once

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"

namespace redoubt::control {

struct HostsEntry {
  std::string address;
  std::string name;
};

class HostsFile {
 public:
  HostsFile(std::string path, std::string tag) : path_(std::move(path)), tag_(std::move(tag)) {}

  // Replaces this control plane's block with entries (an empty list removes the block).
  absl::Status Publish(const std::vector<HostsEntry>& entries);
  // The text of `text` with this tag's block replaced by entries: what Publish writes.
  std::string WithBlock(const std::string& text, const std::vector<HostsEntry>& entries) const;

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string tag_;
  std::mutex mu_;
};

}  // namespace redoubt::control
