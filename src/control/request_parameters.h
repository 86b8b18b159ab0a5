// Reading a Query request's parameters with AWS's errors: a required one that is missing
// (MissingParameter), a boolean or an integer out of its form or range
// (InvalidParameterValue), and the MaxRecords/Marker page of the Describe operations. Every
// operation reads its parameters through these, so that one mistake gets one error text.
//
// Thread: pure functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "control/form_body.h"
#include "control/group_model.h"
#include "control/query_protocol.h"
#include "control/xml_writer.h"

namespace redoubt::control {

ApiError MissingParameter(const std::string& name);
ApiError InvalidValue(std::string message);
ApiError InvalidCombination(std::string message);

// The value of a required parameter into *out, or MissingParameter.
std::optional<ApiError> ReadRequired(const FormParams& params, const std::string& name,
                                     std::string* out);
// An optional boolean ("true"/"false", any case); *out untouched when absent.
std::optional<ApiError> ReadBool(const FormParams& params, const std::string& name,
                                 std::optional<bool>* out);
// An optional integer within [low, high]; *out untouched when absent.
std::optional<ApiError> ReadInt(const FormParams& params, const std::string& name, int low,
                                int high, std::optional<int>* out);

// ElastiCache's rule for auth tokens and user passwords: 16 to 128 printable characters,
// without spaces, ', ", / or @.
bool IsValidSecret(const std::string& secret);

// ElastiCache's identifiers (replication groups, users, user groups): 1 to 40 lowercase letters,
// digits or hyphens, beginning with a letter, without two consecutive hyphens or a trailing one.
// `what` names the identifier in the error.
std::optional<ApiError> CheckResourceId(const std::string& what, const std::string& id);

// Tags.Tag.N.Key/Value, appended to *tags (at most 50 in all, keys of 1 to 128 characters).
std::optional<ApiError> ReadTags(const FormParams& params, std::vector<TagRecord>* tags);

// The parameters of a page: ElastiCache's MaxRecords (20–100, default 100) and Marker, or
// EC2's MaxResults (5–1000) and NextToken.
struct PageNames {
  const char* max = "MaxRecords";
  const char* marker = "Marker";
  const char* reply_marker = "Marker";  // the element of the reply that names the next page
  int low = 20;
  int high = 100;
};
inline constexpr PageNames kEc2PageNames{"MaxResults", "NextToken", "nextToken", 5, 1000};

// A page of at most max items from the position marker names, as the Describe operations
// read them. The marker is the index of the next item, so that the same marker never comes back
// twice (awscli stops on a repeated one).
struct Page {
  size_t begin = 0;
  size_t size = 100;
  const char* reply_marker = "Marker";

  size_t end(size_t total) const { return std::min(total, begin + size); }
  // Writes the marker of the next page when there is one.
  void WriteMarker(XmlWriter& xml, size_t total) const;
};
std::optional<ApiError> ReadPage(const FormParams& params, Page* page,
                                 const PageNames& names = PageNames());

// What every Describe operation ends with: the page the request asks for (names) of items,
// each written by write_item inside element, then the marker of the next page.
template <typename Item, typename WriteItem>
std::optional<ApiError> WritePage(const FormParams& params, XmlWriter& xml, const char* element,
                                  const std::vector<Item>& items, WriteItem write_item,
                                  const PageNames& names = PageNames()) {
  Page page;
  if (std::optional<ApiError> error = ReadPage(params, &page, names)) {
    return error;
  }
  xml.Open(element);
  for (size_t i = page.begin; i < page.end(items.size()); ++i) {
    write_item(items[i]);
  }
  xml.Close();
  page.WriteMarker(xml, items.size());
  return std::nullopt;
}

}  // namespace redoubt::control
