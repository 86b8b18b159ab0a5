// Sorted-set reads and writes in either encoding; see zset_operations.h.
#include "commands/zset_operations.h"

#include <algorithm>
#include <cstring>

#include "storage/packed_list.h"

namespace redoubt::commands {

using storage::Encoding;
using storage::Entry;
using storage::LexBound;
using storage::PackedList;
using storage::ScoreBound;
using storage::SortedTable;

namespace {

// A score record in a packed sorted set: the double's bytes.
std::string_view ScoreBytes(const double& score) {
  return {reinterpret_cast<const char*>(&score), sizeof(score)};
}

double ScoreFrom(std::string_view bytes) {
  double score;
  std::memcpy(&score, bytes.data(), sizeof(score));
  return score;
}

bool SortsBefore(double a_score, std::string_view a_member, double b_score,
                 std::string_view b_member) {
  return a_score < b_score || (a_score == b_score && a_member < b_member);
}

}  // namespace

ZsetReader::ZsetReader(const Entry& e) {
  if (e.encoding() == Encoding::kSkiplist) {
    table_ = &e.sorted_table();
    return;
  }
  PackedList list(e.value());
  packed_.reserve(list.size() / 2);
  for (auto it = list.begin(); it != list.end(); ++it) {
    std::string_view member = *it;
    ++it;
    packed_.push_back({member, ScoreFrom(*it)});
  }
}

std::optional<double> ZsetReader::Score(std::string_view member) const {
  if (table_ != nullptr) {
    return table_->Score(member);
  }
  for (const ZsetElement& e : packed_) {
    if (e.member == member) {
      return e.score;
    }
  }
  return std::nullopt;
}

std::optional<size_t> ZsetReader::Rank(std::string_view member) const {
  if (table_ != nullptr) {
    return table_->Rank(member);
  }
  for (size_t i = 0; i < packed_.size(); ++i) {
    if (packed_[i].member == member) {
      return i;
    }
  }
  return std::nullopt;
}

ZsetElement ZsetReader::At(size_t rank) const {
  if (table_ != nullptr) {
    SortedTable::Iterator it = table_->AtRank(rank);
    return {it.member(), it.score()};
  }
  return packed_[rank];
}

void ZsetReader::ForEachInRanks(size_t first, size_t last, bool reverse,
                                const std::function<void(const ZsetElement&)>& fn) const {
  if (table_ == nullptr) {
    for (size_t i = 0; i <= last - first; ++i) {
      fn(packed_[reverse ? last - i : first + i]);
    }
    return;
  }
  SortedTable::Iterator it = table_->AtRank(reverse ? last : first);
  for (size_t i = 0; i <= last - first; ++i) {
    fn({it.member(), it.score()});
    if (reverse) {
      it.Prev();
    } else {
      it.Next();
    }
  }
}

void ZsetReader::ForEach(const std::function<void(const ZsetElement&)>& fn) const {
  if (size() > 0) {
    ForEachInRanks(0, size() - 1, false, fn);
  }
}

// The packed forms scan as Redis's listpack ones do: the first from the front, the last from
// the back.
size_t ZsetReader::FirstRankFrom(const ScoreBound& min) const {
  if (table_ != nullptr) {
    SortedTable::Iterator it = table_->FirstFrom(min);
    return it.valid() ? table_->RankOf(it) : size();
  }
  size_t i = 0;
  while (i < packed_.size() && !min.AdmitsAsMin(packed_[i].score)) {
    ++i;
  }
  return i;
}

std::optional<size_t> ZsetReader::LastRankUpTo(const ScoreBound& max) const {
  if (table_ != nullptr) {
    SortedTable::Iterator it = table_->LastUpTo(max);
    return it.valid() ? std::optional<size_t>(table_->RankOf(it)) : std::nullopt;
  }
  for (size_t i = packed_.size(); i > 0; --i) {
    if (max.AdmitsAsMax(packed_[i - 1].score)) {
      return i - 1;
    }
  }
  return std::nullopt;
}

size_t ZsetReader::FirstRankFrom(const LexBound& min) const {
  if (table_ != nullptr) {
    SortedTable::Iterator it = table_->FirstFrom(min);
    return it.valid() ? table_->RankOf(it) : size();
  }
  size_t i = 0;
  while (i < packed_.size() && !min.AdmitsAsMin(packed_[i].member)) {
    ++i;
  }
  return i;
}

std::optional<size_t> ZsetReader::LastRankUpTo(const LexBound& max) const {
  if (table_ != nullptr) {
    SortedTable::Iterator it = table_->LastUpTo(max);
    return it.valid() ? std::optional<size_t>(table_->RankOf(it)) : std::nullopt;
  }
  for (size_t i = packed_.size(); i > 0; --i) {
    if (max.AdmitsAsMax(packed_[i - 1].member)) {
      return i - 1;
    }
  }
  return std::nullopt;
}

ZsetWriter::ZsetWriter(storage::Keyspace& keyspace, int db, std::string_view key, Entry* e,
                       const RuntimeSettings& settings, size_t size_hint, size_t length_hint)
    : keyspace_(keyspace),
      db_(db),
      key_(key),
      entry_(e),
      max_entries_(
          static_cast<size_t>(settings.zset_max_listpack_entries.load(std::memory_order_relaxed))),
      max_value_(
          static_cast<size_t>(settings.zset_max_listpack_value.load(std::memory_order_relaxed))) {
  if (e == nullptr) {
    if (size_hint > max_entries_ || length_hint > max_value_) {
      ConvertToTable();
    }
    return;
  }
  if (e->encoding() == Encoding::kSkiplist) {
    table_ = &e->mutable_sorted_table();
    table_bytes_before_ = table_->AllocatedBytes();
    return;
  }
  ZsetReader(*e).ForEach(
      [&](const ZsetElement& el) { elements_.emplace_back(std::string(el.member), el.score); });
}

std::optional<double> ZsetWriter::Score(std::string_view member) const {
  if (table_ != nullptr) {
    return table_->Score(member);
  }
  for (const auto& [m, score] : elements_) {
    if (m == member) {
      return score;
    }
  }
  return std::nullopt;
}

bool ZsetWriter::Set(std::string_view member, double score) {
  if (table_ != nullptr) {
    return table_->Set(member, score);
  }
  // A listpack keeps a score as text or an integer, so Redis's packed -0 reads back as 0 (a
  // skip list keeps the double's sign).
  if (score == 0) {
    score = 0.0;
  }
  bool fresh = true;
  for (auto it = elements_.begin(); it != elements_.end(); ++it) {
    if (it->first == member) {
      if (it->second == score) {
        return false;
      }
      packed_changed_ = true;
      elements_.erase(it);
      fresh = false;
      break;
    }
  }
  auto at = std::partition_point(elements_.begin(), elements_.end(), [&](const auto& el) {
    return SortsBefore(el.second, el.first, score, member);
  });
  elements_.emplace(at, std::string(member), score);
  packed_changed_ = true;
  if (elements_.size() > max_entries_ || member.size() > max_value_) {
    ConvertToTable();
  }
  return fresh;
}

bool ZsetWriter::Erase(std::string_view member) {
  if (table_ != nullptr) {
    return table_->Erase(member);
  }
  for (auto it = elements_.begin(); it != elements_.end(); ++it) {
    if (it->first == member) {
      elements_.erase(it);
      packed_changed_ = true;
      return true;
    }
  }
  return false;
}

void ZsetWriter::EraseRanks(size_t first, size_t last) {
  if (table_ == nullptr) {
    elements_.erase(elements_.begin() + static_cast<ptrdiff_t>(first),
                    elements_.begin() + static_cast<ptrdiff_t>(last) + 1);
    packed_changed_ = true;
    return;
  }
  std::vector<std::string> members;
  members.reserve(last - first + 1);
  ZsetReader(*table_).ForEachInRanks(
      first, last, false, [&](const ZsetElement& el) { members.emplace_back(el.member); });
  for (const std::string& member : members) {
    table_->Erase(member);
  }
}

ZsetReader ZsetWriter::reader() const {
  if (table_ != nullptr) {
    return ZsetReader(*table_);
  }
  std::vector<ZsetElement> view;
  view.reserve(elements_.size());
  for (const auto& [member, score] : elements_) {
    view.push_back({member, score});
  }
  return ZsetReader(std::move(view));
}

void ZsetWriter::ConvertToTable() {
  owned_ = std::make_unique<SortedTable>();
  for (const auto& [member, score] : elements_) {
    owned_->Set(member, score);
  }
  table_ = owned_.get();
  elements_.clear();
}

void ZsetWriter::Finish() {
  if (size() == 0) {
    if (entry_ != nullptr) {
      keyspace_.Delete(db_, key_);
    }
    return;
  }
  if (owned_ != nullptr) {
    SortedTable* table = owned_.release();
    if (entry_ == nullptr) {
      keyspace_.Insert(db_, key_, Entry::CreateSortedTable(key_, table, false));
    } else {
      keyspace_.Rebuild(db_, key_, [&](const Entry&, bool has_expire) {
        return Entry::CreateSortedTable(key_, table, has_expire);
      });
    }
    return;
  }
  if (table_ != nullptr) {
    keyspace_.AdjustUsedBytes(key_, static_cast<int64_t>(table_->AllocatedBytes()) -
                                        static_cast<int64_t>(table_bytes_before_));
    return;
  }
  if (entry_ != nullptr && !packed_changed_) {
    return;  // the packed bytes in the entry are still right
  }
  std::vector<std::string_view> records;
  records.reserve(elements_.size() * 2);
  for (const auto& [member, score] : elements_) {
    records.push_back(member);
    records.push_back(ScoreBytes(score));
  }
  std::string packed = PackedList::Empty();
  PackedList::Append(packed, records);
  if (entry_ == nullptr) {
    keyspace_.Insert(db_, key_,
                     Entry::CreatePacked(key_, storage::ValueType::kZset, packed, false));
  } else if (packed.size() <= entry_->value_capacity()) {
    std::memcpy(entry_->mutable_value(), packed.data(), packed.size());
    entry_->set_value_len(packed.size());
  } else {
    // Room to grow by half again, as the hash and set writers leave.
    size_t capacity = packed.size() + packed.size() / 2;
    keyspace_.Rebuild(db_, key_, [&](const Entry&, bool has_expire) {
      return Entry::CreatePacked(key_, storage::ValueType::kZset, packed, has_expire, capacity);
    });
  }
}

}  // namespace redoubt::commands
