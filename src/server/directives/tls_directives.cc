// The TLS directives: the TLS-only port and what the main port accepts (tls-port, tls-mode),
// the server's certificate, key, CA and DH files, protocols and ciphers, session caching,
// client certificates (tls-auth-clients, tls-auth-clients-user, the CRL and its expiry
// policy), and the rows for replication and cluster links, which do not exist yet. A CONFIG
// SET of what the TlsContext is built from (files, protocols, ciphers, session caching, client
// certificates) builds and checks a new context before anything changes (the server's "tls"
// applier, server_config.cc and server_tls.cc); setting a file again re-reads it (kVolatile).
#include <string>

#include "server/config.h"
#include "server/directives/directive_registry.h"
#include "server/directives/directive_rules.h"
#include "tls/tls_context.h"

namespace redoubt::server {
namespace {

template <typename T, typename F>
Binding<T> TlsField(F tls::TlsSettings::*member) {
  return {[member](Config& c, const T& v) { c.tls.*member = static_cast<F>(v); },
          [member](const Config& c) { return static_cast<T>(c.tls.*member); }};
}

// tls-protocols: CONFIG GET shows the versions in force when none are set (TlsContext's).
Binding<std::string> TlsProtocolsBinding() {
  return {[](Config& c, const std::string& v) { c.tls.protocols = v; },
          [](const Config& c) {
            return c.tls.protocols.empty() ? std::string("TLSv1.2 TLSv1.3") : c.tls.protocols;
          }};
}

}  // namespace

void RegisterTlsDirectives(DirectiveRegistry& registry) {
  // The TLS-only listener is opened at start; moving it at runtime is not supported (as port).
  registry.Add(NumericDirective({.name = "tls-port"}, Signed(0, 65535, 0),
                                Field<int64_t>(&Config::tls_port)));
  registry.Add(EnumDirective({.name = "tls-mode"},
                             {.values = {{"none", static_cast<int>(TlsMode::kNone)},
                                         {"preferred", static_cast<int>(TlsMode::kPreferred)},
                                         {"required", static_cast<int>(TlsMode::kRequired)}},
                              .def = static_cast<int>(TlsMode::kNone)},
                             Field<int>(&Config::tls_mode)));
  // Files are re-read when set again (kVolatile), so a renewed certificate written over the
  // old one is picked up; tls-key-file-pass and tls-crl-file too (Redoubt's choice).
  struct FileRow {
    std::string_view name;
    std::string tls::TlsSettings::*member;
    uint32_t flags;
  };
  const FileRow files[] = {
      {"tls-cert-file", &tls::TlsSettings::cert_file, kVolatile},
      {"tls-key-file", &tls::TlsSettings::key_file, kVolatile},
      {"tls-key-file-pass", &tls::TlsSettings::key_file_pass, kVolatile | kSensitive},
      {"tls-ca-cert-file", &tls::TlsSettings::ca_cert_file, kVolatile},
      {"tls-ca-cert-dir", &tls::TlsSettings::ca_cert_dir, kVolatile},
      {"tls-dh-params-file", &tls::TlsSettings::dh_params_file, kVolatile},
      {"tls-crl-file", &tls::TlsSettings::crl_file, kVolatile},
      // Lists of words, also accepted unquoted on a config line.
      {"tls-ciphers", &tls::TlsSettings::ciphers, kJoinWords},
      {"tls-ciphersuites", &tls::TlsSettings::ciphersuites, kJoinWords},
  };
  for (const FileRow& f : files) {
    registry.Add(StringDirective({.name = f.name, .flags = f.flags}, {.empty_is_null = true},
                                 TlsField<std::string>(f.member)));
  }
  registry.Add(StringDirective({.name = "tls-protocols", .flags = kJoinWords},
                               {.def = "TLSv1.2 TLSv1.3"}, TlsProtocolsBinding()));
  registry.Add(BoolDirective({.name = "tls-prefer-server-ciphers"}, false,
                             TlsField<bool>(&tls::TlsSettings::prefer_server_ciphers)));
  registry.Add(BoolDirective({.name = "tls-session-caching"}, true,
                             TlsField<bool>(&tls::TlsSettings::session_caching)));
  registry.Add(NumericDirective({.name = "tls-session-cache-size"}, Signed(0, kIntMax, 20480),
                                TlsField<int64_t>(&tls::TlsSettings::session_cache_size)));
  registry.Add(
      NumericDirective({.name = "tls-session-cache-timeout"}, Signed(0, kIntMax, 300),
                       TlsField<int64_t>(&tls::TlsSettings::session_cache_timeout_seconds)));
  registry.Add(NumericDirective({.name = "tls-handshake-timeout"}, Signed(1, kIntMax, 5000),
                                Field<int64_t>(&Config::tls_handshake_timeout_ms)));
  // Redis's default is yes; Redoubt's is no, so that turning TLS on (tls-mode preferred) does
  // not also demand client certificates nobody has yet. README says so.
  registry.Add(
      EnumDirective({.name = "tls-auth-clients"},
                    {.values = {{"no", static_cast<int>(tls::ClientAuth::kNo)},
                                {"yes", static_cast<int>(tls::ClientAuth::kYes)},
                                {"optional", static_cast<int>(tls::ClientAuth::kOptional)}},
                     .def = static_cast<int>(tls::ClientAuth::kNo)},
                    TlsField<int>(&tls::TlsSettings::client_auth)));
  // As Valkey's tls-auth-clients-user: CN maps a verified client certificate's Common Name to
  // the ACL user of that name; off (default) leaves certificates out of authentication.
  registry.Add(EnumDirective({.name = "tls-auth-clients-user"},
                             {.values = {{"CN", 1}, {"off", 0}}, .def = 0},
                             Field<int>(&Config::tls_auth_clients_user_cn)));
  registry.Add(
      EnumDirective({.name = "tls-crl-expired-policy"},
                    {.values = {{"reject", static_cast<int>(tls::CrlExpiredPolicy::kReject)},
                                {"allow", static_cast<int>(tls::CrlExpiredPolicy::kAllow)}},
                     .def = static_cast<int>(tls::CrlExpiredPolicy::kReject)},
                    TlsField<int>(&tls::TlsSettings::crl_expired_policy)));
  // A replica's link to its primary over TLS, with the client certificate it presents (the
  // server's own when these are empty, as Redis). Cluster links do not exist yet.
  registry.Add(
      BoolDirective({.name = "tls-replication"}, false, Field<bool>(&Config::tls_replication)));
  registry.Add(BoolDirective({.name = "tls-cluster"}, false, Field<bool>(&Config::tls_cluster)));
  registry.Add(StringDirective({.name = "tls-client-cert-file", .flags = kVolatile},
                               {.empty_is_null = true},
                               Field<std::string>(&Config::tls_client_cert_file)));
  registry.Add(StringDirective({.name = "tls-client-key-file", .flags = kVolatile},
                               {.empty_is_null = true},
                               Field<std::string>(&Config::tls_client_key_file)));
  registry.Add(StringDirective({.name = "tls-client-key-file-pass"}, {.empty_is_null = true},
                               Field<std::string>(&Config::tls_client_key_file_pass)));
}

}  // namespace redoubt::server
