// Tests of the GEO commands (src/commands/geo_commands.cc) in-process, over CommandHarness's
// keyspace: reply shapes and number formats in RESP2 and RESP3, the order of results, the STORE
// forms and the changes they count, and the keys the dispatcher locks. Expected replies are
// redis-server 7.0.15's; tests/differential/test_geo.py compares many more.

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "commands/command_spec.h"
#include "commands/command_table.h"
#include "support/command_test.h"

namespace redoubt::commands {
namespace {

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

class GeoCommandsTest : public test_support::CommandTest {
 protected:
  GeoCommandsTest() {
    Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
         "Catania"});
  }
};

TEST_F(GeoCommandsTest, GeoaddCountsAddedOrWithChChanged) {
  EXPECT_EQ(Run({"GEOADD", "Sicily", "13.361389", "38.115556", "Palermo"}), ":0\r\n");
  EXPECT_EQ(Run({"GEOADD", "Sicily", "CH", "13.4", "38.1", "Palermo", "1", "1", "x"}), ":2\r\n");
  EXPECT_EQ(h_.dirty(), 2u);
  EXPECT_EQ(Run({"GEOADD", "Sicily", "NX", "CH", "1", "2", "x", "3", "4", "y"}), ":1\r\n");
  EXPECT_EQ(Run({"GEOADD", "Sicily", "XX", "1", "2", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"GEOADD", "none", "XX", "1", "2", "z"}), ":0\r\n");
  EXPECT_EQ(Run({"EXISTS", "none"}), ":0\r\n");
}

TEST_F(GeoCommandsTest, GeoaddChecksEveryPointBeforeTheKey) {
  Run({"SET", "str", "v"});

  EXPECT_EQ(Run({"GEOADD", "str", "1", "2", "a", "200", "2", "b"}),
            "-ERR invalid longitude,latitude pair 200.000000,2.000000\r\n");
  EXPECT_EQ(Run({"GEOADD", "str", "1", "2", "a", "x", "2", "b"}),
            "-ERR value is not a valid float\r\n");
  EXPECT_EQ(Run({"GEOADD", "str", "1", "2", "a"}),
            "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
  EXPECT_EQ(Run({"GEOADD", "k", "xx", "nx", "1", "2", "a"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"GEOADD", "k", "gt", "1", "2", "a"}), "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"GEOADD", "k", "ch", "nx", "xx"}), "-ERR syntax error\r\n");
}

TEST_F(GeoCommandsTest, CoordinatesAreBulkStringsInResp2AndDoublesInResp3) {
  const std::string resp2 = Run({"GEOPOS", "Sicily", "Palermo", "nope"});
  h_.writer().set_resp3(true);
  const std::string resp3 = Run({"GEOPOS", "Sicily", "Palermo", "nope"});

  EXPECT_EQ(resp2, "*2\r\n*2\r\n" + Bulk("13.36138933897018433") + Bulk("38.11555639549629859") +
                       "*-1\r\n");
  EXPECT_EQ(resp3, "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n");
}

TEST_F(GeoCommandsTest, DistancesHaveFourDecimalsInEveryProtocol) {
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania"}), Bulk("166274.1516"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania", "KM"}), Bulk("166.2742"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Palermo"}), Bulk("0.0000"));
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "nope"}), "$-1\r\n");
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania", "yd"}),
            "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n");
  h_.writer().set_resp3(true);
  EXPECT_EQ(Run({"GEODIST", "Sicily", "Palermo", "Catania", "mi"}), Bulk("103.3182"));
  EXPECT_EQ(Run({"GEODIST", "missing", "a", "b"}), "_\r\n");
}

TEST_F(GeoCommandsTest, SearchRepliesMemberThenDistanceHashAndPosition) {
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "WITHCOORD", "WITHHASH",
                 "WITHDIST", "ASC", "COUNT", "1"}),
            "*1\r\n*4\r\n" + Bulk("Catania") + Bulk("56.4413") + ":3479447370796909\r\n*2\r\n" +
                Bulk("15.08726745843887329") + Bulk("37.50266842333162032"));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC"}),
            "*2\r\n" + Bulk("Palermo") + Bulk("Catania"));
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "10", "10", "km"}),
            "*1\r\n" + Bulk("Palermo"));
}

TEST_F(GeoCommandsTest, SearchErrorsNameTheCommandAsSpelled) {
  EXPECT_EQ(Run({"geoSearch", "Sicily", "BYRADIUS", "1", "km", "ASC", "DESC"}),
            "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geoSearch\r\n");
  EXPECT_EQ(Run({"GEOSEARCH", "Sicily", "FROMLONLAT", "1", "2", "ASC", "DESC"}),
            "-ERR exactly one of BYRADIUS and BYBOX can be specified for GEOSEARCH\r\n");
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "ANY"}),
            "-ERR the ANY argument requires COUNT argument\r\n");
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "COUNT", "0"}),
            "-ERR COUNT must be > 0\r\n");
  EXPECT_EQ(Run({"GEORADIUS_RO", "Sicily", "15", "37", "1", "km", "STORE", "d"}),
            "-ERR syntax error\r\n");
  EXPECT_EQ(Run({"GEORADIUSBYMEMBER", "Sicily", "nope", "1", "km"}),
            "-ERR could not decode requested zset member\r\n");
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "1", "km", "STORE", "d", "WITHDIST"}),
            "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and "
            "WITHCOORD options\r\n");
}

TEST_F(GeoCommandsTest, StoreCountsOneChangePerMemberAndEmptyResultsDeleteTheDestination) {
  EXPECT_EQ(Run({"GEORADIUS", "Sicily", "15", "37", "200", "km", "STOREDIST", "d"}), ":2\r\n");
  EXPECT_EQ(h_.dirty(), 2u);
  EXPECT_EQ(Run({"ZRANGE", "d", "0", "-1"}), "*2\r\n" + Bulk("Catania") + Bulk("Palermo"));

  EXPECT_EQ(Run({"GEOSEARCHSTORE", "d", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "m"}),
            ":0\r\n");
  EXPECT_EQ(h_.dirty(), 1u);
  EXPECT_EQ(Run({"EXISTS", "d"}), ":0\r\n");
  EXPECT_EQ(Run({"GEORADIUSBYMEMBER", "missing", "m", "x", "y", "STORE", "d"}), ":0\r\n");
  EXPECT_EQ(h_.dirty(), 0u);
}

TEST_F(GeoCommandsTest, ARadiusSearchLocksItsSortedSetAndEveryStoreKey) {
  const CommandSpec* spec = h_.services().table.Find("georadius");
  std::vector<std::string_view> args = {"GEORADIUS", "src", "0",     "0", "1",         "km",
                                        "STORE",     "a",   "COUNT", "1", "storedist", "b"};
  std::vector<std::string_view> keys;

  ExtractKeys(*spec, args, &keys);

  EXPECT_EQ(keys, (std::vector<std::string_view>{"src", "a", "b"}));
}

}  // namespace
}  // namespace redoubt::commands
