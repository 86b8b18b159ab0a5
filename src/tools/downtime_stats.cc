// Counter accumulation for redoubt-downtime; see downtime_stats.h.
#include "tools/downtime_stats.h"

#include <algorithm>
#include <utility>

#include "common/check.h"
#include "common/clock.h"

namespace redoubt::tools {

const char* PhaseName(Phase phase) {
  return phase == Phase::kPrefill ? "prefill" : "run";
}

const char* FailureKindName(FailureKind kind) {
  switch (kind) {
    case FailureKind::kConnection:
      return "connection";
    case FailureKind::kTimeout:
      return "timeout";
    case FailureKind::kError:
      return "error";
    case FailureKind::kData:
      return "data";
  }
  return "error";
}

void Counters::Add(const Counters& other) {
  ok += other.ok;
  failed += other.failed;
  connection_errors += other.connection_errors;
  timeout_errors += other.timeout_errors;
  data_errors += other.data_errors;
  reconnects += other.reconnects;
  reauths += other.reauths;
  reauth_failures += other.reauth_failures;
  moved += other.moved;
  asks += other.asks;
  downtime_us += other.downtime_us;
}

void DowntimeStats::BeginPhase(Phase phase, int64_t mono_us, int64_t wall_us) {
  if (!phases_.empty()) {
    Finish(mono_us);
  }
  phases_.push_back({phase, mono_us, wall_us});
  rows_.push_back({phase, mono_us, static_cast<double>(wall_us) / common::kMicrosPerSecond});
  first_row_of_phase_ = rows_.size() - 1;
}

void DowntimeStats::Finish(int64_t mono_us) {
  REDOUBT_CHECK(!phases_.empty());
  PhaseSpan& span = phases_.back();
  if (span.end_mono_us >= 0) {
    return;
  }
  // Seconds in which nothing completed (a stalled server) still get their empty rows.
  if (mono_us > span.start_mono_us) {
    RowAt(mono_us - 1);
  }
  span.end_mono_us = std::max(mono_us, span.start_mono_us);
  for (size_t i = first_row_of_phase_; i < rows_.size(); ++i) {
    int64_t end = i + 1 < rows_.size() ? rows_[i + 1].start_mono_us : span.end_mono_us;
    rows_[i].duration_s =
        static_cast<double>(end - rows_[i].start_mono_us) / common::kMicrosPerSecond;
  }
}

SecondRow& DowntimeStats::RowAt(int64_t mono_us) {
  REDOUBT_CHECK(!phases_.empty());
  const PhaseSpan& span = phases_.back();
  int64_t offset = std::max<int64_t>(0, mono_us - span.start_mono_us);
  size_t index = first_row_of_phase_ + static_cast<size_t>(offset / common::kMicrosPerSecond);
  while (rows_.size() <= index) {
    int64_t k = static_cast<int64_t>(rows_.size() - first_row_of_phase_);
    rows_.push_back({span.phase, span.start_mono_us + k * common::kMicrosPerSecond,
                     static_cast<double>(span.start_wall_us + k * common::kMicrosPerSecond) /
                         common::kMicrosPerSecond});
  }
  return rows_[index];
}

Counters* DowntimeStats::ShardCounters(int shard) {
  if (shard < 0) {
    return nullptr;
  }
  if (shard_totals_.size() <= static_cast<size_t>(shard)) {
    shard_totals_.resize(shard + 1);
  }
  return &shard_totals_[shard];
}

void DowntimeStats::RecordOk(int64_t mono_us, int shard) {
  ++RowAt(mono_us).counters.ok;
  ++totals_.ok;
  if (Counters* c = ShardCounters(shard)) {
    ++c->ok;
  }
}

void DowntimeStats::RecordFailure(FailureKind kind, int64_t mono_us, std::string message,
                                  int shard) {
  Counters& row = RowAt(mono_us).counters;
  uint64_t Counters::*counter = nullptr;
  switch (kind) {
    case FailureKind::kConnection:
      counter = &Counters::connection_errors;
      break;
    case FailureKind::kTimeout:
      counter = &Counters::timeout_errors;
      break;
    case FailureKind::kError:
      counter = &Counters::failed;
      break;
    case FailureKind::kData:
      counter = &Counters::data_errors;
      break;
  }
  ++(row.*counter);
  ++(totals_.*counter);
  if (Counters* c = ShardCounters(shard)) {
    ++(c->*counter);
  }
  if (failures_.size() < kMaxFailures) {
    failures_.push_back(
        {UnixSeconds(mono_us), phases_.back().phase, kind, std::move(message), shard});
  } else {
    ++failures_dropped_;
  }
}

void DowntimeStats::RecordReconnect(int64_t mono_us, int shard) {
  ++RowAt(mono_us).counters.reconnects;
  ++totals_.reconnects;
  if (Counters* c = ShardCounters(shard)) {
    ++c->reconnects;
  }
}

void DowntimeStats::RecordRedirect(int64_t mono_us, int shard, bool ask) {
  uint64_t Counters::*counter = ask ? &Counters::asks : &Counters::moved;
  ++(RowAt(mono_us).counters.*counter);
  ++(totals_.*counter);
  if (Counters* c = ShardCounters(shard)) {
    ++(c->*counter);
  }
}

void DowntimeStats::RecordReauth(int64_t mono_us, bool accepted) {
  uint64_t Counters::*counter = accepted ? &Counters::reauths : &Counters::reauth_failures;
  ++(RowAt(mono_us).counters.*counter);
  ++(totals_.*counter);
}

void DowntimeStats::AddDowntime(int64_t from_us, int64_t to_us) {
  if (to_us <= from_us) {
    return;
  }
  RowAt(to_us - 1);
  // Walk back from the newest row: an outage is recent, and may reach into the previous phase.
  for (size_t i = rows_.size(); i-- > 0;) {
    int64_t start = rows_[i].start_mono_us;
    int64_t end = i + 1 < rows_.size() ? rows_[i + 1].start_mono_us : to_us;
    if (end <= from_us) {
      break;
    }
    int64_t overlap = std::min(end, to_us) - std::max(start, from_us);
    if (overlap > 0) {
      rows_[i].counters.downtime_us += overlap;
      totals_.downtime_us += overlap;
    }
  }
}

void DowntimeStats::AddShardDowntime(int shard, int64_t from_us, int64_t to_us) {
  Counters* c = ShardCounters(shard);
  if (c != nullptr && to_us > from_us) {
    c->downtime_us += to_us - from_us;
  }
}

double DowntimeStats::UnixSeconds(int64_t mono_us) const {
  REDOUBT_CHECK(!phases_.empty());
  const PhaseSpan& span = phases_.back();
  return static_cast<double>(span.start_wall_us + (mono_us - span.start_mono_us)) /
         common::kMicrosPerSecond;
}

Counters DowntimeStats::PhaseTotals(Phase phase) const {
  Counters sum;
  for (const SecondRow& row : rows_) {
    if (row.phase == phase) {
      sum.Add(row.counters);
    }
  }
  return sum;
}

double DowntimeStats::PhaseSeconds(Phase phase) const {
  for (const PhaseSpan& span : phases_) {
    if (span.phase == phase && span.end_mono_us >= 0) {
      return static_cast<double>(span.end_mono_us - span.start_mono_us) / common::kMicrosPerSecond;
    }
  }
  return 0;
}

}  // namespace redoubt::tools
