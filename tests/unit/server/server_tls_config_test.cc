// CONFIG SET of the TLS directives on a Server without listeners: a mode that needs a
// certificate is refused without one; a certificate change is applied whole or not at all;
// SIGHUP's re-read keeps the old certificate when the files are bad.
#include <gtest/gtest.h>

#include <filesystem>

#include "server/server.h"
#include "support/test_certificates.h"

namespace redoubt::server {
namespace {

using test_support::CertFiles;
using test_support::TestCertificates;

class ServerTlsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Config config;
    config.port = 0;                    // no listener: only the configuration is under test
    config.dir = ::testing::TempDir();  // the credential state file, not in the working directory
    config.io_threads = 1;
    auto created = Server::Create(config);
    ASSERT_TRUE(created.ok()) << created.status();
    server_ = std::move(*created);
  }

  absl::Status Set(std::vector<std::pair<std::string, std::string>> changes) {
    return server_->SetConfig(changes, /*caller_is_local=*/true);
  }

  TestCertificates certs_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTlsConfigTest, ModeNeedsACertificate) {
  absl::Status st = Set({{"tls-mode", "preferred"}});

  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("'tls-mode'"), std::string_view::npos) << st;
  EXPECT_NE(st.message().find("needs a certificate"), std::string_view::npos) << st;
  EXPECT_EQ(server_->tls_mode(), TlsMode::kNone);
  EXPECT_EQ(server_->config().tls_mode, TlsMode::kNone);
}

TEST_F(ServerTlsConfigTest, CertificateAndKeyInOneCommandThenModes) {
  CertFiles server = certs_.Issue("server");

  ASSERT_TRUE(Set({{"tls-cert-file", server.cert}, {"tls-key-file", server.key}}).ok());
  ASSERT_NE(server_->tls_context(), nullptr);
  ASSERT_TRUE(Set({{"tls-mode", "preferred"}}).ok());
  EXPECT_EQ(server_->tls_mode(), TlsMode::kPreferred);
  ASSERT_TRUE(Set({{"tls-mode", "REQUIRED"}}).ok());
  EXPECT_EQ(server_->tls_mode(), TlsMode::kRequired);

  // Removing the certificate while TLS is in use is refused.
  absl::Status st = Set({{"tls-cert-file", ""}, {"tls-key-file", ""}});
  EXPECT_FALSE(st.ok());
  EXPECT_NE(server_->tls_context(), nullptr);
  EXPECT_EQ(server_->config().tls.cert_file, server.cert);
}

TEST_F(ServerTlsConfigTest, BadCertificateChangeKeepsTheOldOne) {
  CertFiles good = certs_.Issue("good");
  CertFiles expired = certs_.Issue("expired", -7200, -3600);
  CertFiles other = certs_.Issue("other");
  ASSERT_TRUE(Set({{"tls-cert-file", good.cert}, {"tls-key-file", good.key}}).ok());
  auto before = server_->tls_context();

  absl::Status expired_st = Set({{"tls-cert-file", expired.cert}, {"tls-key-file", expired.key}});
  absl::Status mismatch_st = Set({{"tls-cert-file", other.cert}});  // key of `good` stays
  absl::Status missing_st = Set({{"tls-key-file", certs_.dir() + "/nope.key"}});

  EXPECT_NE(expired_st.message().find("has expired"), std::string_view::npos) << expired_st;
  EXPECT_NE(mismatch_st.message().find("does not match"), std::string_view::npos) << mismatch_st;
  EXPECT_NE(missing_st.message().find("No such file"), std::string_view::npos) << missing_st;
  EXPECT_EQ(server_->tls_context(), before);
  EXPECT_EQ(server_->config().tls.cert_file, good.cert);
  EXPECT_EQ(server_->config().tls.key_file, good.key);

  // Both files at once: applied together.
  ASSERT_TRUE(Set({{"tls-cert-file", other.cert}, {"tls-key-file", other.key}}).ok());
  EXPECT_NE(server_->tls_context(), before);
  EXPECT_NE(server_->tls_context()->certificate().serial_hex, before->certificate().serial_hex);
}

TEST_F(ServerTlsConfigTest, ReloadReReadsFilesAndKeepsOldOnError) {
  CertFiles first = certs_.Issue("first");
  CertFiles second = certs_.Issue("second");
  std::string cert = certs_.dir() + "/live.crt";
  std::string key = certs_.dir() + "/live.key";
  namespace fs = std::filesystem;
  fs::copy_file(first.cert, cert);
  fs::copy_file(first.key, key);
  ASSERT_TRUE(Set({{"tls-cert-file", cert}, {"tls-key-file", key}}).ok());
  std::string first_serial = server_->tls_context()->certificate().serial_hex;

  // Renewed files written over the old ones, then SIGHUP.
  fs::copy_file(second.cert, cert, fs::copy_options::overwrite_existing);
  fs::copy_file(second.key, key, fs::copy_options::overwrite_existing);
  ASSERT_TRUE(server_->ReloadTlsFiles().ok());
  std::string second_serial = server_->tls_context()->certificate().serial_hex;
  EXPECT_NE(second_serial, first_serial);

  // Half-written renewal: only the certificate was replaced.
  fs::copy_file(first.cert, cert, fs::copy_options::overwrite_existing);
  EXPECT_FALSE(server_->ReloadTlsFiles().ok());
  EXPECT_EQ(server_->tls_context()->certificate().serial_hex, second_serial);
  EXPECT_EQ(server_->stats().tls_certificate_reload_failures.load(), 1u);
}

}  // namespace
}  // namespace redoubt::server
