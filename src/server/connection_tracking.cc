// A connection's client-side caching state (CLIENT TRACKING) and the invalidation messages
// TrackingRegistry hands it; see the tracking part of connection.h. Redis keeps the same state
// in client flags (CLIENT_TRACKING_*), client_tracking_redirection and
// client_tracking_prefixes.
//
// Thread: the connection's own.
#include <string>

#include "server/connection.h"
#include "server/server.h"

namespace redoubt::server {
namespace {

// CLIENT LIST's tracking letters, as bits of shown_tracking_.
constexpr uint8_t kShownTracking = 1;        // t
constexpr uint8_t kShownBrokenRedirect = 2;  // R
constexpr uint8_t kShownBcast = 4;           // B

constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

}  // namespace

void Connection::EnableTracking(const TrackingOptions& options, bool optin, bool optout) {
  tracking_.on = true;
  tracking_.bcast = options.bcast;
  tracking_.optin = optin;
  tracking_.optout = optout;
  tracking_.noloop = options.noloop;
  tracking_.broken_redirect = false;
  tracking_.redirect = options.redirect;
  if (options.bcast) {
    if (options.prefixes.empty()) {
      tracking_.prefixes.insert("");
    }
    tracking_.prefixes.insert(options.prefixes.begin(), options.prefixes.end());
  }
  TrackingOptions registered = options;
  registered.resp3 = writer_.resp3();
  server_.tracking().Enable(id_, registered);
  UpdateTrackingFlags();
}

void Connection::DisableTracking() {
  if (!tracking_.on) {
    return;
  }
  server_.tracking().Disable(id_);
  tracking_ = TrackingState{};
  UpdateTrackingFlags();
}

void Connection::NoteTrackingProtocol() {
  server_.tracking().SetProtocol(id_, writer_.resp3());
}

void Connection::SetTrackingCaching() {
  tracking_.caching = true;
  UpdateTrackingFlags();
}

void Connection::EndTrackingCaching() {
  // As Redis's resetClient: kept inside MULTI (it then covers the EXEC) and after any CLIENT
  // subcommand, CLIENT CACHING itself included.
  if (!tracking_.caching || in_multi_) {
    return;
  }
  const commands::CommandSpec* last = last_command_.load(std::memory_order_relaxed);
  if (last != nullptr && last->name.starts_with("client")) {
    return;
  }
  tracking_.caching = false;
  UpdateTrackingFlags();
}

void Connection::UpdateTrackingFlags() {
  const TrackingState& t = tracking_;
  remembers_read_keys_ = t.on && !t.bcast && !(t.optin && !t.caching) && !(t.optout && t.caching);
  uint8_t shown = 0;
  if (t.on) {
    shown |= kShownTracking;
  }
  if (t.broken_redirect) {
    shown |= kShownBrokenRedirect;
  }
  if (t.bcast) {
    shown |= kShownBcast;
  }
  shown_tracking_.store(shown, std::memory_order_relaxed);
  shown_redirect_.store(t.on ? static_cast<int64_t>(t.redirect) : -1, std::memory_order_relaxed);
}

std::string Connection::TrackingFlagLetters() const {
  const uint8_t shown = shown_tracking_.load(std::memory_order_relaxed);
  std::string letters;
  if (shown & kShownTracking) {
    letters += 't';
  }
  if (shown & kShownBrokenRedirect) {
    letters += 'R';
  }
  if (shown & kShownBcast) {
    letters += 'B';
  }
  return letters;
}

void Connection::DeliverInvalidation(const Invalidation& message, bool redirected) {
  if (closed_) {
    return;
  }
  const bool resp3 = writer_.resp3();
  if (!resp3 && !(redirected && subscriptions_ > 0)) {
    return;  // RESP2 has no push: only a subscribed client can be told, as a message
  }
  protocol::ReplyWriter& w = BeginPush();
  if (resp3) {
    w.PushHeader(2);
    w.Bulk("invalidate");
  } else {
    w.PushHeader(3);
    w.Bulk("message");
    w.Bulk(kInvalidateChannel);
  }
  if (message.all) {
    w.Raw(message.null_resp3 ? std::string_view("_\r\n") : std::string_view("$-1\r\n"));
  } else {
    w.ArrayHeader(message.keys.size());
    for (const std::string& key : message.keys) {
      w.Bulk(key);
    }
  }
  EndPush();
}

void Connection::NoteRedirectBroken(uint64_t redirect) {
  if (closed_ || !tracking_.on || tracking_.redirect != redirect) {
    return;  // tracking changed since the message was due
  }
  if (!tracking_.broken_redirect) {
    tracking_.broken_redirect = true;
    UpdateTrackingFlags();
  }
  if (writer_.resp3()) {
    protocol::ReplyWriter& w = BeginPush();
    w.PushHeader(2);
    w.Bulk("tracking-redir-broken");
    w.Integer(static_cast<int64_t>(redirect));
    EndPush();
  }
}

}  // namespace redoubt::server
