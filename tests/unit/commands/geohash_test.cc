// Tests of the geohash arithmetic (src/commands/geohash.cc) and of the search shapes and
// distances (src/commands/geo_shape.cc). Expected scores, coordinates, geohash strings and
// distances are redis-server 7.0.15's (GEOADD then ZSCORE, GEOPOS, GEOHASH, GEODIST), several of
// them the examples of Redis's documentation; tests/differential/test_geo.py compares the rest.
#include "commands/geohash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

#include "commands/geo_shape.h"
#include "common/numbers.h"

namespace redoubt::commands {
namespace {

constexpr GeoCoordinates kPalermo{.longitude = 13.361389, .latitude = 38.115556};
constexpr GeoCoordinates kCatania{.longitude = 15.087269, .latitude = 37.502669};

// A coordinate as GEOPOS prints it.
std::string Printed(double v) {
  return common::FormatLongDoubleHuman(v);
}

TEST(GeoHashTest, ScoresAreRedissFiftyTwoBitCodes) {
  EXPECT_EQ(GeoScoreOf(kPalermo), 3479099956230698.0);
  EXPECT_EQ(GeoScoreOf(kCatania), 3479447370796909.0);
  EXPECT_EQ(GeoScoreOf({.longitude = -74.0131604, .latitude = 40.7126674}), 1791873972053020.0);
  EXPECT_EQ(GeoScoreOf({.longitude = -180, .latitude = -85.05112878}), 0.0);
  EXPECT_EQ(GeoScoreOf({.longitude = 0, .latitude = 0}), 3377699720527872.0);
}

TEST(GeoHashTest, EdgePointsSetTheBitsAboveTheCode) {
  // 180 and the top latitude fall one cell past the last one, as in Redis: the score needs 54
  // bits, and a double rounds it.
  EXPECT_EQ(GeoScoreOf({.longitude = 180, .latitude = 85.05112878}), 13510798882111488.0);
}

TEST(GeoHashTest, ScoresDecodeToTheCentreOfTheirCell) {
  GeoCoordinates palermo = GeoDecodeScore(GeoScoreOf(kPalermo));
  GeoCoordinates catania = GeoDecodeScore(GeoScoreOf(kCatania));

  EXPECT_EQ(Printed(palermo.longitude), "13.36138933897018433");
  EXPECT_EQ(Printed(palermo.latitude), "38.11555639549629859");
  EXPECT_EQ(Printed(catania.longitude), "15.08726745843887329");
  EXPECT_EQ(Printed(catania.latitude), "37.50266842333162032");
}

TEST(GeoHashTest, DecodingClampsToTheScoreRanges) {
  GeoCoordinates top = GeoDecodeScore(13510798882111488.0);

  EXPECT_EQ(Printed(top.longitude), "180");
  EXPECT_EQ(Printed(top.latitude), "85.0511287799999991");
}

TEST(GeoHashTest, ScoresNoGeoaddWroteDecodeAsOnX8664) {
  struct Case {
    double score;
    const char* longitude;
    const char* latitude;
  };
  const Case cases[] = {
      {-1, "180", "85.0511287799999991"},  // all bits set
      {0.5, "-179.99999731779098511", "-85.05112751263942528"},
      {1e300, "-179.99999731779098511", "-85.05112751263942528"},  // 2^63 ^ 2^63 = 0
      {-1e300, "180", "-85.05112751263942528"},                    // 2^63
      {9.3e18, "180", "85.0511287799999991"},
      {4503599627370496.0, "-179.99999731779098511", "85.0511287799999991"},
  };
  for (const Case& c : cases) {
    GeoCoordinates p = GeoDecodeScore(c.score);

    EXPECT_EQ(Printed(p.longitude), c.longitude) << c.score;
    EXPECT_EQ(Printed(p.latitude), c.latitude) << c.score;
  }
}

TEST(GeoHashTest, EncodingRefusesPointsOutsideTheRanges) {
  EXPECT_FALSE(GeoHashEncodeWgs84({.longitude = 180.0001, .latitude = 0}, 26));
  EXPECT_FALSE(GeoHashEncodeWgs84({.longitude = 0, .latitude = 85.06}, 26));
  EXPECT_FALSE(GeoHashEncodeWgs84({.longitude = 0, .latitude = 0}, 0));
  EXPECT_FALSE(GeoHashEncodeWgs84({.longitude = 0, .latitude = 0}, 33));
  EXPECT_FALSE(GeoHashEncodeWgs84({.longitude = std::nan(""), .latitude = 0}, 26));
  EXPECT_FALSE(GeoHashEncodeWgs84({.longitude = 0, .latitude = std::nan("")}, 26));
  EXPECT_TRUE(GeoHashEncodeWgs84({.longitude = -180, .latitude = -85.05112878}, 26));
}

TEST(GeoHashTest, CoarseCodesInterleaveLatitudeAtEvenBits) {
  // One step: the south-west quarter is 0, north-west 1 (latitude bit), south-east 2.
  EXPECT_EQ(GeoHashEncodeWgs84({.longitude = -90, .latitude = -40}, 1)->bits, 0u);
  EXPECT_EQ(GeoHashEncodeWgs84({.longitude = -90, .latitude = 40}, 1)->bits, 1u);
  EXPECT_EQ(GeoHashEncodeWgs84({.longitude = 90, .latitude = -40}, 1)->bits, 2u);
  EXPECT_EQ(GeoHashEncodeWgs84({.longitude = 90, .latitude = 40}, 1)->bits, 3u);
}

TEST(GeoHashTest, DecodedCellContainsTheEncodedPoint) {
  for (uint8_t step = 1; step <= kGeoStepMax; ++step) {
    GeoHashArea area = GeoHashDecodeWgs84(*GeoHashEncodeWgs84(kPalermo, step));

    EXPECT_LE(area.longitude.min, kPalermo.longitude) << int{step};
    EXPECT_GT(area.longitude.max, kPalermo.longitude) << int{step};
    EXPECT_LE(area.latitude.min, kPalermo.latitude) << int{step};
    EXPECT_GT(area.latitude.max, kPalermo.latitude) << int{step};
  }
}

TEST(GeoHashTest, NeighboursAreTheAdjacentCells) {
  GeoHashBits hash = *GeoHashEncodeWgs84(kPalermo, 10);
  GeoHashArea centre = GeoHashDecodeWgs84(hash);

  GeoHashNeighbors n = GeoHashNeighborsOf(hash);

  GeoHashArea east = GeoHashDecodeWgs84(n.east);
  GeoHashArea north = GeoHashDecodeWgs84(n.north);
  GeoHashArea south_west = GeoHashDecodeWgs84(n.south_west);
  EXPECT_DOUBLE_EQ(east.longitude.min, centre.longitude.max);
  EXPECT_EQ(east.latitude.min, centre.latitude.min);
  EXPECT_DOUBLE_EQ(north.latitude.min, centre.latitude.max);
  EXPECT_EQ(north.longitude.min, centre.longitude.min);
  EXPECT_DOUBLE_EQ(south_west.longitude.max, centre.longitude.min);
  EXPECT_DOUBLE_EQ(south_west.latitude.max, centre.latitude.min);
  EXPECT_EQ(n.north.step, 10);
}

TEST(GeoHashTest, NeighboursWrapAroundAtTheEdges) {
  GeoHashBits east_edge = *GeoHashEncodeWgs84({.longitude = 179.9, .latitude = 0}, 4);
  GeoHashBits west_edge = *GeoHashEncodeWgs84({.longitude = -179.9, .latitude = 0}, 4);
  GeoHashBits north_edge = *GeoHashEncodeWgs84({.longitude = 0, .latitude = 85}, 4);
  GeoHashBits south_edge = *GeoHashEncodeWgs84({.longitude = 0, .latitude = -85}, 4);

  EXPECT_EQ(GeoHashNeighborsOf(east_edge).east, west_edge);
  EXPECT_EQ(GeoHashNeighborsOf(west_edge).west, east_edge);
  EXPECT_EQ(GeoHashNeighborsOf(north_edge).north, south_edge);
  EXPECT_EQ(GeoHashNeighborsOf(south_edge).south, north_edge);
}

TEST(GeoHashTest, AlignmentMovesACodeToTheTopOf52Bits) {
  EXPECT_EQ(GeoHashAlign52Bits({.bits = 3, .step = 1}), uint64_t{3} << 50);
  EXPECT_EQ(GeoHashAlign52Bits({.bits = 5, .step = 26}), 5u);
}

TEST(GeoHashTest, GeohashStringsAreTheStandardOnes) {
  // The first is Wikipedia's example, which Redis's suite checks.
  EXPECT_EQ(GeoHashString(GeoDecodeScore(GeoScoreOf({.longitude = -5.6, .latitude = 42.6}))),
            "ezs42e44yx0");
  EXPECT_EQ(GeoHashString(GeoDecodeScore(GeoScoreOf(kPalermo))), "sqc8b49rny0");
  EXPECT_EQ(GeoHashString(GeoDecodeScore(GeoScoreOf(kCatania))), "sqdtr74hyu0");
  EXPECT_EQ(GeoHashString(GeoDecodeScore(0)), "00bh0hbj200");
  EXPECT_EQ(GeoHashString(GeoDecodeScore(GeoScoreOf({.longitude = 0, .latitude = 0}))),
            "s0000000000");
}

// ---- Shapes and distances ----

std::string Fixed4(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", v);
  return buf;
}

TEST(GeoShapeTest, DistancesAreRedissHaversine) {
  GeoCoordinates palermo = GeoDecodeScore(GeoScoreOf(kPalermo));
  GeoCoordinates catania = GeoDecodeScore(GeoScoreOf(kCatania));

  EXPECT_EQ(Fixed4(GeoDistance(palermo, catania)), "166274.1516");
  EXPECT_EQ(GeoDistance(palermo, catania), GeoDistance(catania, palermo));
  EXPECT_EQ(GeoDistance(palermo, palermo), 0);
}

TEST(GeoShapeTest, OnOneMeridianTheDistanceIsTheLatitudeArc) {
  double d = GeoDistance({.longitude = 10, .latitude = 0}, {.longitude = 10, .latitude = 1});

  EXPECT_DOUBLE_EQ(d, kEarthRadiusMeters * (3.14159265358979323846 / 180));
}

TEST(GeoShapeTest, StepsFollowTheRadius) {
  EXPECT_EQ(GeoEstimateSteps(0, 0), 26);
  EXPECT_EQ(GeoEstimateSteps(1, 0), 24);
  EXPECT_EQ(GeoEstimateSteps(1000, 0), 14);
  EXPECT_EQ(GeoEstimateSteps(1000, 70), 13);
  EXPECT_EQ(GeoEstimateSteps(1000, -81), 12);
  EXPECT_EQ(GeoEstimateSteps(50'000'000, 0), 1);
}

TEST(GeoShapeTest, CircleAdmitsPointsUpToItsRadius) {
  GeoShape shape{.type = GeoShapeType::kCircle,
                 .center = GeoDecodeScore(GeoScoreOf(kPalermo)),
                 .meters_per_unit = 1000,
                 .radius = 167};
  GeoCoordinates catania = GeoDecodeScore(GeoScoreOf(kCatania));
  double distance = 0;

  EXPECT_TRUE(GeoWithinShape(shape, catania, &distance));
  EXPECT_EQ(Fixed4(distance), "166274.1516");
  shape.radius = 166;
  EXPECT_FALSE(GeoWithinShape(shape, catania, &distance));
}

TEST(GeoShapeTest, BoxMeasuresWidthAlongThePointsParallel) {
  GeoShape shape{.type = GeoShapeType::kBox,
                 .center = {.longitude = 15, .latitude = 37},
                 .meters_per_unit = 1000,
                 .width = 400,
                 .height = 2};
  double distance = 0;

  EXPECT_TRUE(GeoWithinShape(shape, {.longitude = 12.75, .latitude = 36.995}, &distance));
  EXPECT_FALSE(GeoWithinShape(shape, {.longitude = 12.75, .latitude = 36.5}, &distance));
  EXPECT_FALSE(GeoWithinShape(shape, {.longitude = 10, .latitude = 37}, &distance));
}

TEST(GeoShapeTest, BoundingBoxWidensTowardsThePole) {
  GeoShape shape{.type = GeoShapeType::kCircle,
                 .center = {.longitude = 0, .latitude = 60},
                 .meters_per_unit = 1000,
                 .radius = 100};

  GeoBounds north = GeoBoundingBox(shape);
  shape.center.latitude = -60;
  GeoBounds south = GeoBoundingBox(shape);

  EXPECT_NEAR(north.max_latitude - north.min_latitude, 2 * 0.8991, 1e-3);
  EXPECT_GT(north.max_longitude, 100 / (111.2 * 0.5));
  EXPECT_DOUBLE_EQ(north.max_longitude, south.max_longitude);
  EXPECT_DOUBLE_EQ(north.min_longitude, -north.max_longitude);
}

TEST(GeoShapeTest, CellsStartAtTheCentresCellInRedissOrder) {
  GeoShape shape{
      .type = GeoShapeType::kCircle, .center = kPalermo, .meters_per_unit = 1000, .radius = 200};

  GeoSearchCells cells = GeoCellsCovering(shape);

  const uint8_t step = cells[0].step;
  EXPECT_EQ(cells[0], *GeoHashEncodeWgs84(kPalermo, step));
  GeoHashNeighbors n = GeoHashNeighborsOf(cells[0]);
  const GeoHashBits in_order[] = {n.north,      n.south,      n.east,       n.west,
                                  n.north_east, n.north_west, n.south_east, n.south_west};
  for (size_t i = 1; i < cells.size(); ++i) {
    EXPECT_TRUE(cells[i].IsZero() || cells[i] == in_order[i - 1]) << i;
  }
}

TEST(GeoShapeTest, AHugeRadiusScansTheCoarsestCells) {
  GeoShape shape{.type = GeoShapeType::kCircle,
                 .center = {.longitude = 0, .latitude = 0},
                 .meters_per_unit = 1000,
                 .radius = 50000};

  GeoSearchCells cells = GeoCellsCovering(shape);

  for (const GeoHashBits& cell : cells) {
    EXPECT_EQ(cell.step, 1);
  }
}

}  // namespace
}  // namespace redoubt::commands
