// Tests of the secrets' store: AES-256-GCM sealing under a key file (altered values, another
// secret's context, unknown keys and key rotation), and the staging labels as Secrets Manager
// moves them (AWSCURRENT → AWSPREVIOUS, UpdateSecretVersionStage's rules), ClientRequestToken
// idempotency, scheduled deletion and restore, and what survives a reload.
#include "control/secrets.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "control/secret_rotation.h"
#include "support/scratch_dir.h"

namespace redoubt::control {
namespace {

constexpr char kTokenA[] = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa";
constexpr char kTokenB[] = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb";
constexpr char kTokenC[] = "cccccccc-cccc-4ccc-8ccc-cccccccccccc";

TEST(SecretKeyringTest, SealsUnderTheNewestKeyAndOpensOnlyWhatItSealed) {
  test_support::ScratchDir dir("keyring");
  const std::string path = (dir.path() / "secrets.key").string();
  absl::StatusOr<SecretKeyring> ring = SecretKeyring::LoadOrCreate(path);
  ASSERT_TRUE(ring.ok()) << ring.status();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  const std::string sealed = ring->Seal("hunter2-hunter2", "arn-1\nv1\nstring");
  EXPECT_EQ(sealed.find("hunter2"), std::string::npos);
  EXPECT_TRUE(sealed.starts_with("k1:"));
  EXPECT_EQ(ring->Open(sealed, "arn-1\nv1\nstring").value(), "hunter2-hunter2");
  // Another version's context, or one altered byte: it does not open.
  EXPECT_FALSE(ring->Open(sealed, "arn-1\nv2\nstring").ok());
  // (A character in the middle: its six bits all count, unlike the last group's padding bits,
  // which a decoder may ignore.)
  for (size_t at : {size_t{5}, sealed.size() / 2}) {
    std::string altered = sealed;
    altered[at] = altered[at] == 'A' ? 'B' : 'A';
    EXPECT_FALSE(ring->Open(altered, "arn-1\nv1\nstring").ok()) << at;
  }
  EXPECT_FALSE(ring->Open("k9:AAAA", "x").ok());
  EXPECT_FALSE(ring->Open("no colon", "x").ok());

  // A rotation: the new key seals, the old one still opens.
  ASSERT_EQ(SecretKeyring::AddKey(path).value(), "k2");
  absl::StatusOr<SecretKeyring> rotated = SecretKeyring::LoadOrCreate(path);
  ASSERT_TRUE(rotated.ok());
  EXPECT_FALSE(rotated->IsCurrent(sealed));
  EXPECT_EQ(rotated->Open(sealed, "arn-1\nv1\nstring").value(), "hunter2-hunter2");
  EXPECT_TRUE(rotated->Seal("x", "c").starts_with("k2:"));

  // A key file others may read, or one that is not keys, stops the start.
  chmod(path.c_str(), 0644);
  EXPECT_FALSE(SecretKeyring::LoadOrCreate(path).ok());
  const std::string bad = (dir.path() / "bad.key").string();
  std::ofstream(bad) << "k1 nothex\n";
  chmod(bad.c_str(), 0600);
  EXPECT_FALSE(SecretKeyring::LoadOrCreate(bad).ok());
}

class SecretsTest : public ::testing::Test {
 protected:
  SecretsTest() : dir_("secrets") { Reopen(); }

  void Reopen() {
    secrets_.reset();
    store_.reset();
    absl::StatusOr<std::unique_ptr<StateStore>> store =
        StateStore::Open((dir_.path() / "state.db").string());
    ASSERT_TRUE(store.ok());
    store_ = std::move(*store);
    absl::StatusOr<SecretKeyring> ring =
        SecretKeyring::LoadOrCreate((dir_.path() / "secrets.key").string());
    ASSERT_TRUE(ring.ok());
    secrets_ = std::make_unique<Secrets>(*store_, *std::move(ring), "us-east-1", "000000000000");
    ASSERT_TRUE(secrets_->Load().ok());
  }

  std::string Create(const std::string& name, const std::string& value) {
    SecretRecord draft;
    draft.name = name;
    SecretRecord created;
    std::string version;
    EXPECT_FALSE(secrets_->Create(draft, {kTokenA, {value, std::nullopt}, {}}, &created, &version));
    return version;
  }

  std::optional<ApiError> Put(const std::string& token, const std::string& value,
                              std::vector<std::string> stages = {}) {
    SecretRecord secret;
    std::string version;
    return secrets_->AddVersion("app", {token, {value, std::nullopt}, std::move(stages)}, &secret,
                                &version);
  }

  std::string Value(std::optional<std::string> stage, std::optional<std::string> id = {}) {
    SecretRecord secret;
    SecretVersionRecord version;
    SecretValue value;
    if (std::optional<ApiError> error =
            secrets_->GetValue("app", id, stage, &secret, &version, &value)) {
      return error->code;
    }
    return value.string.value_or("");
  }

  std::map<std::string, std::vector<std::string>> Stages() {
    SecretRecord secret;
    EXPECT_FALSE(secrets_->Describe("app", &secret));
    std::map<std::string, std::vector<std::string>> out;
    for (const SecretVersionRecord& v : secret.versions) {
      out[v.id] = v.stages;
    }
    return out;
  }

  test_support::ScratchDir dir_;
  std::unique_ptr<StateStore> store_;
  std::unique_ptr<Secrets> secrets_;
};

TEST_F(SecretsTest, StagesMoveAsSecretsManagerMovesThem) {
  EXPECT_EQ(Create("app", "one"), kTokenA);
  ASSERT_FALSE(Put(kTokenB, "two"));
  EXPECT_EQ(Stages()[kTokenA], std::vector<std::string>{"AWSPREVIOUS"});
  EXPECT_EQ(Stages()[kTokenB], std::vector<std::string>{"AWSCURRENT"});
  EXPECT_EQ(Value(std::nullopt), "two");
  EXPECT_EQ(Value("AWSPREVIOUS"), "one");

  // A pending version takes no other label; AWSCURRENT moves only with its holder named.
  ASSERT_FALSE(Put(kTokenC, "three", {"AWSPENDING"}));
  EXPECT_EQ(Value("AWSPENDING"), "three");
  EXPECT_EQ(Value(std::nullopt), "two");
  SecretRecord secret;
  std::optional<ApiError> error =
      secrets_->MoveStage("app", "AWSCURRENT", std::nullopt, kTokenC, &secret);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "InvalidParameterException");
  EXPECT_NE(error->message.find(kTokenB), std::string::npos);
  ASSERT_FALSE(secrets_->MoveStage("app", "AWSCURRENT", kTokenB, kTokenC, &secret));
  ASSERT_FALSE(secrets_->MoveStage("app", "AWSPENDING", kTokenC, std::nullopt, &secret));
  EXPECT_EQ(Stages()[kTokenC], std::vector<std::string>{"AWSCURRENT"});
  EXPECT_EQ(Stages()[kTokenB], std::vector<std::string>{"AWSPREVIOUS"});
  EXPECT_TRUE(Stages()[kTokenA].empty());  // deprecated
  EXPECT_TRUE(secrets_->MoveStage("app", "AWSCURRENT", kTokenC, std::nullopt, &secret));
  EXPECT_EQ(Value("AWSCURRENT", kTokenA), "InvalidRequestException");
  EXPECT_EQ(Value(std::nullopt, "no-such-version"), "ResourceNotFoundException");
  EXPECT_EQ(Value("NOSUCHSTAGE"), "ResourceNotFoundException");
}

TEST_F(SecretsTest, TokensMakeCallsIdempotent) {
  Create("app", "one");
  ASSERT_FALSE(Put(kTokenB, "two"));
  ASSERT_FALSE(Put(kTokenB, "two"));  // the same call again: nothing changes
  EXPECT_EQ(Stages().size(), 2u);
  std::optional<ApiError> error = Put(kTokenB, "other");
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, "ResourceExistsException");
  EXPECT_EQ(Value(std::nullopt), "two");
  // CreateSecret again with its token and value answers as the first time; another value or
  // token is a name already taken.
  EXPECT_EQ(Create("app", "one"), kTokenA);
  SecretRecord draft, created;
  draft.name = "app";
  std::string version;
  EXPECT_EQ(secrets_->Create(draft, {kTokenC, {"one", std::nullopt}, {}}, &created, &version)->code,
            "ResourceExistsException");
}

TEST_F(SecretsTest, DeletionIsScheduledRestoredOrForced) {
  Create("app", "one");
  SecretRecord secret;
  ASSERT_FALSE(secrets_->Delete("app", 7, false, &secret));
  EXPECT_GT(secret.deletion_ms, 0);
  EXPECT_EQ(Value(std::nullopt), "InvalidRequestException");
  EXPECT_TRUE(secrets_->All(false).empty());
  EXPECT_EQ(secrets_->All(true).size(), 1u);
  SecretRecord draft, created;
  draft.name = "app";
  std::string version;
  EXPECT_EQ(secrets_->Create(draft, {}, &created, &version)->code, "InvalidRequestException");
  ASSERT_FALSE(secrets_->Restore("app", &secret));
  EXPECT_EQ(Value(std::nullopt), "one");
  ASSERT_FALSE(secrets_->Delete(secret.arn, 0, true, &secret));  // by ARN, at once
  EXPECT_EQ(Value(std::nullopt), "ResourceNotFoundException");
}

TEST_F(SecretsTest, ValuesSurviveAReloadAndAKeyRotationSealedAgain) {
  Create("app", "one");
  ASSERT_FALSE(Put(kTokenB, "two"));
  SecretRecord secret;
  ASSERT_FALSE(secrets_->Describe("app", &secret));
  // By the ARN without its random suffix, as Secrets Manager accepts.
  SecretRecord partial;
  ASSERT_FALSE(secrets_->Describe(secret.arn.substr(0, secret.arn.size() - 7), &partial));
  EXPECT_EQ(partial.arn, secret.arn);
  ASSERT_TRUE(SecretKeyring::AddKey((dir_.path() / "secrets.key").string()).ok());
  Reopen();
  EXPECT_EQ(Value(std::nullopt), "two");
  EXPECT_EQ(Value("AWSPREVIOUS"), "one");
  ASSERT_FALSE(secrets_->Describe("app", &secret));
  for (const SecretVersionRecord& version : secret.versions) {
    EXPECT_TRUE(version.sealed_string.starts_with("k2:")) << version.sealed_string;
  }
}

TEST(RotationIntervalTest, DaysRatesAndRefusals) {
  int64_t ms = 0;
  EXPECT_FALSE(RotationInterval({{"AutomaticallyAfterDays", 30}}, &ms));
  EXPECT_EQ(ms, int64_t{30} * 86400 * 1000);
  for (const auto& [expression, expected] :
       std::vector<std::pair<std::string, int64_t>>{{"rate(4 hours)", 4 * 3600 * 1000},
                                                    {"rate(1 day)", 86400 * 1000},
                                                    {"rate(10 seconds)", 10000},
                                                    {"rate(2 minutes)", 120000}}) {
    ASSERT_FALSE(RotationInterval({{"ScheduleExpression", expression}}, &ms)) << expression;
    EXPECT_EQ(ms, expected) << expression;
  }
  for (const nlohmann::json& bad : {nlohmann::json{{"ScheduleExpression", "cron(0 12 * * ? *)"}},
                                    nlohmann::json{{"ScheduleExpression", "rate(0 days)"}},
                                    nlohmann::json{{"ScheduleExpression", "rate(3 fortnights)"}},
                                    nlohmann::json{{"AutomaticallyAfterDays", 0}},
                                    nlohmann::json::object(), nlohmann::json::array()}) {
    std::optional<ApiError> error = RotationInterval(bad, &ms);
    ASSERT_TRUE(error) << bad.dump();
    EXPECT_EQ(error->code, "InvalidParameterException");
  }
}

TEST(SecretKeyringTest, ANewKeyNeverReusesAnId) {
  test_support::ScratchDir dir("keyring-ids");
  const std::string path = (dir.path() / "secrets.key").string();
  ASSERT_TRUE(SecretKeyring::LoadOrCreate(path).ok());
  ASSERT_EQ(SecretKeyring::AddKey(path).value(), "k2");
  // k1 retired after a reseal: the next key is k3, never a second k2.
  std::ifstream in(path);
  std::string first, second;
  std::getline(in, first);
  std::getline(in, second);
  in.close();
  std::ofstream(path, std::ios::trunc) << second << "\n";
  EXPECT_EQ(SecretKeyring::AddKey(path).value(), "k3");
  std::ofstream(path, std::ios::app) << second << "\n";  // k2 twice: refused
  EXPECT_FALSE(SecretKeyring::LoadOrCreate(path).ok());
}

}  // namespace
}  // namespace redoubt::control
