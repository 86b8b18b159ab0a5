// Tests of the AWS_DATA_PATH folder: the models linked from awscli's folder, the endpoint rule
// naming the control plane, and the waiters copied with one-second polls over the same total
// time; a folder without a model is skipped, a waiters file that is not one is refused.
#include "control/aws_data_path.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/scratch_dir.h"

namespace redoubt::control {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

nlohmann::json Read(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

TEST(AwsDataPathTest, LinksTheModelsNamesTheEndpointAndPollsEverySecond) {
  test_support::ScratchDir scratch("aws-data-path");
  const fs::path models = scratch / "models";
  const fs::path model_dir = models / "elasticache" / "2015-02-02";
  Write(model_dir / "service-2.json", R"({"metadata": {}})");
  Write(model_dir / "waiters-2.json", R"({"version": 2, "waiters": {
      "ReplicationGroupAvailable": {"delay": 15, "maxAttempts": 40, "operation": "X"},
      "Quick": {"delay": 1, "maxAttempts": 7, "operation": "Y"}}})");

  const fs::path out = scratch / "data";
  ASSERT_TRUE(WriteAwsDataPath(out.string(), "http://127.0.0.1:4566", models.string()).ok());

  const fs::path elasticache = out / "elasticache" / "2015-02-02";
  EXPECT_TRUE(fs::is_symlink(elasticache / "service-2.json"));
  EXPECT_EQ(fs::read_symlink(elasticache / "service-2.json"), model_dir / "service-2.json");
  EXPECT_FALSE(fs::exists(elasticache / "paginators-1.json"));  // none in the source

  // The waiters are a file of their own: 40 polls 15 s apart become 600 one second apart.
  EXPECT_FALSE(fs::is_symlink(elasticache / "waiters-2.json"));
  const nlohmann::json waiters = Read(elasticache / "waiters-2.json")["waiters"];
  EXPECT_EQ(waiters["ReplicationGroupAvailable"]["delay"], 1);
  EXPECT_EQ(waiters["ReplicationGroupAvailable"]["maxAttempts"], 600);
  EXPECT_EQ(waiters["ReplicationGroupAvailable"]["operation"], "X");
  EXPECT_EQ(waiters["Quick"]["delay"], 1);
  EXPECT_EQ(waiters["Quick"]["maxAttempts"], 7);

  // The endpoint rule names the control plane; a service without models still gets one.
  const nlohmann::json rules = Read(elasticache / "endpoint-rule-set-1.json");
  EXPECT_EQ(rules["rules"][1]["endpoint"]["url"], "http://127.0.0.1:4566");
  EXPECT_TRUE(fs::exists(out / "ec2" / "2016-11-15" / "endpoint-rule-set-1.json"));
  EXPECT_FALSE(fs::exists(out / "ec2" / "2016-11-15" / "waiters-2.json"));

  // Written again over itself (every start does), with the same result.
  ASSERT_TRUE(WriteAwsDataPath(out.string(), "http://127.0.0.1:4567", models.string()).ok());
  EXPECT_EQ(Read(elasticache / "waiters-2.json")["waiters"]["ReplicationGroupAvailable"]["delay"],
            1);
  EXPECT_EQ(Read(elasticache / "endpoint-rule-set-1.json")["rules"][1]["endpoint"]["url"],
            "http://127.0.0.1:4567");
}

TEST(AwsDataPathTest, RefusesAWaitersFileThatIsNotOne) {
  test_support::ScratchDir scratch("aws-data-path");
  const fs::path models = scratch / "models";
  Write(models / "elasticache" / "2015-02-02" / "waiters-2.json", "[1, 2");
  const absl::Status written =
      WriteAwsDataPath((scratch / "data").string(), "http://127.0.0.1:4566", models.string());
  EXPECT_FALSE(written.ok());
  EXPECT_NE(written.message().find("waiters-2.json"), std::string::npos) << written;
}

}  // namespace
}  // namespace redoubt::control
