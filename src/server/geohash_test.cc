// Tests of the geo math (geohash.h) and the GEO commands. Every expected value is what
// redis-server 7.0.15 replies for the same input (its reply bytes for the command tests).
#include "server/geohash.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "server/args.h"
#include "server/test_session.h"

namespace cachet::server {
namespace {

// ---- The math

constexpr geo::Point kPalermo{13.361389, 38.115556};
constexpr geo::Point kCatania{15.087269, 37.502669};

std::string text(geo::Point p) {
  return format_long_double(p.lon) + "," + format_long_double(p.lat);
}

TEST(GeohashTest, ScoresAreInterleavedCellIndices) {
  EXPECT_EQ(geo::score_of(kPalermo), 3479099956230698.0);
  EXPECT_EQ(geo::score_of(kCatania), 3479447370796909.0);
  EXPECT_EQ(geo::score_of({0, 0}), 3377699720527872.0);
  // The top of both ranges gives index 2^26: a 54-bit score, as in Redis.
  EXPECT_EQ(geo::score_of({180, 85.05112878}), 13510798882111488.0);
}

TEST(GeohashTest, PositionsAreCellCentres) {
  EXPECT_EQ(text(geo::position_of(3479099956230698)), "13.36138933897018433,38.11555639549629859");
  EXPECT_EQ(text(geo::position_of(3479447370796909)), "15.08726745843887329,37.50266842333162032");
  EXPECT_EQ(text(geo::position_of(13510798882111488)), "180,85.0511287799999991");  // clamped
  EXPECT_EQ(text(geo::position_of(geo::score_of({-180, -85.05112878}))),
            "-179.99999731779098511,-85.05112751263942528");
}

TEST(GeohashTest, AnyScoreHasAPositionAsInRedis) {
  EXPECT_EQ(text(geo::position_of(-1)), "180,85.0511287799999991");  // all bits set
  EXPECT_EQ(text(geo::position_of(1e300)), "-179.99999731779098511,-85.05112751263942528");
  EXPECT_EQ(text(geo::position_of(-INFINITY)), "180,-85.05112751263942528");
  EXPECT_EQ(text(geo::position_of(4503599627370496)), "-179.99999731779098511,85.0511287799999991");
  EXPECT_EQ(text(geo::position_of(0.5)), "-179.99999731779098511,-85.05112751263942528");
}

TEST(GeohashTest, GeohashStringsUseTheStandardLatitudeRange) {
  EXPECT_EQ(geo::geohash_string(geo::score_of(kPalermo)), "sqc8b49rny0");
  EXPECT_EQ(geo::geohash_string(geo::score_of(kCatania)), "sqdtr74hyu0");
  EXPECT_EQ(geo::geohash_string(geo::score_of({180, 85.05112878})), "bp05b5048p0");
  EXPECT_EQ(geo::geohash_string(geo::score_of({-180, -85.05112878})), "00bh0hbj200");
  EXPECT_EQ(geo::geohash_string(geo::score_of({2, 2})), "s037ms06g70");
}

TEST(GeohashTest, Validity) {
  EXPECT_TRUE(geo::valid({180, 85.05112878}));
  EXPECT_TRUE(geo::valid({-180, -85.05112878}));
  EXPECT_FALSE(geo::valid({180.0000001, 0}));
  EXPECT_FALSE(geo::valid({0, 85.0511288}));
  EXPECT_FALSE(geo::valid({INFINITY, 0}));
}

std::string metres(geo::Point a, geo::Point b) { return geo::format_distance(geo::distance(a, b)); }

TEST(GeohashTest, Distances) {
  geo::Point palermo = geo::position_of(geo::score_of(kPalermo));
  geo::Point catania = geo::position_of(geo::score_of(kCatania));
  EXPECT_EQ(metres(palermo, catania), "166274.1516");
  EXPECT_EQ(geo::format_distance(geo::distance(palermo, catania) / 1000), "166.2742");
  EXPECT_EQ(metres(palermo, palermo), "0.0000");
  EXPECT_EQ(metres(geo::position_of(13510798882111488), geo::position_of(0)), "18919844.5891");
}

TEST(GeohashTest, DistancesOnAMeridianTakeTheShortcut) {
  // Redis computes these as R * |dlat|; the haversine would print .8161 and .9457.
  EXPECT_EQ(
      metres({-159.33517009019852, 74.23364986122655}, {-159.33517009019852, 7.494768714861529}),
      "7423118.8160");
  EXPECT_EQ(
      metres({171.55854910612106, -80.53289072671367}, {171.55854910612106, -30.50094733158181}),
      "5564867.9456");
}

TEST(GeohashTest, DistanceFormatRoundsTheScaledValueToEven) {
  EXPECT_EQ(geo::format_distance(0), "0.0000");
  EXPECT_EQ(geo::format_distance(-0.0), "0.0000");
  EXPECT_EQ(geo::format_distance(0.00004), "0.0000");
  EXPECT_EQ(geo::format_distance(0.00005), "0.0000");  // 0.5 after scaling: to even
  EXPECT_EQ(geo::format_distance(0.00015), "0.0001");  // 1.4999999999999998 after scaling
  EXPECT_EQ(geo::format_distance(0.00025), "0.0002");
  EXPECT_EQ(geo::format_distance(0.00035), "0.0004");
  EXPECT_EQ(geo::format_distance(12.5), "12.5000");
  EXPECT_EQ(geo::format_distance(1234567.891234), "1234567.8912");
}

TEST(GeohashTest, EstimatedSteps) {
  EXPECT_EQ(geo::estimate_steps(0, 0), 26);
  EXPECT_EQ(geo::estimate_steps(1, 0), 24);
  EXPECT_EQ(geo::estimate_steps(1000, 0), 14);
  EXPECT_EQ(geo::estimate_steps(1000, 70), 13);  // wider towards the poles
  EXPECT_EQ(geo::estimate_steps(1000, -85), 12);
  EXPECT_EQ(geo::estimate_steps(5e7, 0), 1);
  EXPECT_EQ(geo::estimate_steps(INFINITY, 0), 1);
}

TEST(GeohashTest, CellsCoverTheirScores) {
  geo::Cell c = geo::encode(kPalermo, 10);
  geo::ScoreSpan s = geo::scores_of(c);
  double score = geo::score_of(kPalermo);
  EXPECT_LE(s.min, score);
  EXPECT_LT(score, s.end);
  geo::Area a = geo::decode(c);
  EXPECT_LE(a.lon.min, kPalermo.lon);
  EXPECT_LT(kPalermo.lon, a.lon.max);
  EXPECT_LE(a.lat.min, kPalermo.lat);
  EXPECT_LT(kPalermo.lat, a.lat.max);
}

TEST(GeohashTest, SearchAreaStartsAtTheCentreCell) {
  geo::Shape s{.centre = {15, 37}, .to_metres = 1000, .radius = 200};
  geo::SearchArea area = geo::search_area(s);
  ASSERT_GE(area.count, 1u);
  ASSERT_LE(area.count, 9u);
  EXPECT_EQ(area.cells[0], geo::encode(s.centre, area.cells[0].step));
  for (size_t i = 1; i < area.count; ++i) EXPECT_FALSE(area.cells[i] == area.cells[i - 1]);
}

TEST(GeohashTest, ShapesContainment) {
  geo::Point centre{15, 37};
  geo::Point catania = geo::position_of(geo::score_of(kCatania));
  double d = 0;
  geo::Shape circle{.centre = centre, .to_metres = 1000, .radius = 56.5};
  EXPECT_TRUE(geo::contains(circle, catania, d));
  EXPECT_EQ(geo::format_distance(d / 1000), "56.4413");
  circle.radius = 56.4;
  EXPECT_FALSE(geo::contains(circle, catania, d));
  geo::Shape box{.kind = geo::Shape::Kind::kBox,
                 .centre = centre,
                 .to_metres = 1000,
                 .width = 20,
                 .height = 120};
  EXPECT_TRUE(geo::contains(box, catania, d));  // 56 km north, 7.7 km east
  EXPECT_EQ(geo::format_distance(d / 1000), "56.4413");
  box.width = 15;
  EXPECT_FALSE(geo::contains(box, catania, d));
  box.width = 20;
  box.height = 100;
  EXPECT_FALSE(geo::contains(box, catania, d));
}

// ---- The commands

struct Step {
  std::vector<std::string> command;
  std::string reply;
};

const std::string kSkip = "(any)";  // a step whose reply is not compared

// GEOADD of nine European cities to "pts", the data the search tests share.
Step add_cities() {
  return {{"geoadd",    "pts",      "13.361389", "38.115556", "Palermo", "15.087269",
           "37.502669", "Catania",  "12.496366", "41.902782", "Rome",    "9.189982",
           "45.464204", "Milan",    "14.268124", "40.851775", "Naples",  "11.255814",
           "43.769560", "Florence", "16.871871", "41.117143", "Bari",    "2.352222",
           "48.856613", "Paris",    "-0.127758", "51.507351", "London"},
          ":9\r\n"};
}

class GeoTest : public CommandsTest {
 protected:
  void play(const std::vector<Step>& steps) {
    for (const Step& s : steps) {
      std::string reply = run(s.command);
      if (s.reply == kSkip) continue;
      std::string shown;
      for (const std::string& w : s.command) shown += w + " ";
      EXPECT_EQ(reply, s.reply) << shown;
    }
  }

  // GEOADD t with 50 members on 3 points (t0 t3 ... on one): ties for the sorts.
  static std::vector<std::string> tie_points() {
    std::vector<std::string> out = {"geoadd", "t"};
    const char* lon[] = {"10", "10.001", "10"};
    const char* lat[] = {"10", "10", "10.001"};
    for (int i = 0; i < 50; ++i) {
      out.insert(out.end(), {lon[i % 3], lat[i % 3], "t" + std::to_string(i)});
    }
    return out;
  }
};

TEST_F(GeoTest, GeoaddOptionsAndErrors) {
  play({
      {{"geoadd", "k", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
       ":2\r\n"},
      {{"geoadd", "k", "13.361389", "38.115556", "Palermo"}, ":0\r\n"},
      {{"geoadd", "k", "ch", "13.361389", "38.115556", "Palermo", "13.361389", "38.2", "Palermo",
        "1", "1", "new"},
       ":2\r\n"},
      {{"geoadd", "k", "nx", "ch", "0", "0", "Palermo", "2", "2", "other"}, ":1\r\n"},
      {{"geoadd", "k", "xx", "ch", "0", "0", "Palermo", "3", "3", "absent"}, ":1\r\n"},
      {{"zscore", "k", "absent"}, "$-1\r\n"},
      {{"geoadd", "k", "xx", "1", "1", "a", "2", "2", "b"}, ":0\r\n"},
      {{"geoadd", "nokey", "xx", "1", "1", "a"}, ":0\r\n"},
      {{"exists", "nokey"}, ":0\r\n"},
      {{"geoadd", "k", "nx", "xx", "1", "1", "a"}, "-ERR syntax error\r\n"},
      {{"geoadd", "k", "ch", "ch", "ch"}, "-ERR syntax error\r\n"},
      {{"geoadd", "k", "1", "1", "a", "2"}, "-ERR syntax error\r\n"},
      {{"geoadd", "k", "gt", "1", "1", "a"}, "-ERR syntax error\r\n"},
      {{"geoadd", "k", "x", "1", "a"}, "-ERR value is not a valid float\r\n"},
      {{"geoadd", "k", "1", "y", "a"}, "-ERR value is not a valid float\r\n"},
      {{"geoadd", "k", "", "1", "a"}, "-ERR value is not a valid float\r\n"},
      {{"geoadd", "k", " 1", "1", "a"}, "-ERR value is not a valid float\r\n"},
      {{"geoadd", "k", "1", "nan", "a"}, "-ERR value is not a valid float\r\n"},
      {{"geoadd", "k", "1e-400", "1", "a"}, "-ERR value is not a valid float\r\n"},
      {{"geoadd", "k", "0x10", "1", "hex"}, ":1\r\n"},
      {{"geoadd", "k", "1", "100", "a"},
       "-ERR invalid longitude,latitude pair 1.000000,100.000000\r\n"},
      {{"geoadd", "k", "200", "10", "a"},
       "-ERR invalid longitude,latitude pair 200.000000,10.000000\r\n"},
      {{"geoadd", "k", "-180.0000001", "0", "a"},
       "-ERR invalid longitude,latitude pair -180.000000,0.000000\r\n"},
      {{"geoadd", "k", "inf", "0", "a"}, "-ERR invalid longitude,latitude pair inf,0.000000\r\n"},
      {{"geoadd", "k", "0", "-inf", "a"}, "-ERR invalid longitude,latitude pair 0.000000,-inf\r\n"},
      {{"geoadd", "k", "1e300", "0", "a"},
       "-ERR invalid longitude,latitude pair "
       "1000000000000000052504760255204420248704468581108159154915854115511802457988908195786371375"
       "0804478640437044438328838781769425232353604305756447921847867069828483872009265758037378302"
       "3379478809005936895323497079994508111903896764088007465274278014249457925878882005684283811"
       "5669472196386865459400540160.000000,0.000000\r\n"},
      {{"geoadd", "k", "1", "1", "ok", "1", "100", "bad"},
       "-ERR invalid longitude,latitude pair 1.000000,100.000000\r\n"},
      {{"exists", "ok"}, ":0\r\n"},
      {{"set", "str", "v"}, "+OK\r\n"},
      {{"geoadd", "str", "1", "1", "a"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
      {{"geoadd", "str", "1", "100", "a"},
       "-ERR invalid longitude,latitude pair 1.000000,100.000000\r\n"},
      {{"geoadd", "k", "180", "85.05112878", "top", "-180", "-85.05112878", "bottom", "-0", "-0",
        "zero"},
       ":3\r\n"},
      {{"zrange", "k", "0", "-1", "withscores"},
       "*16\r\n$6\r\nbottom\r\n$1\r\n0\r\n$7\r\nPalermo\r\n$16\r\n3377699720527872\r\n$"
       "4\r\nzero\r\n$16\r\n3377699720527872\r\n$3\r\nnew\r\n$16\r\n3377822707026402\r\n$"
       "5\r\nother\r\n$16\r\n3378191666521995\r\n$3\r\nhex\r\n$16\r\n3387279646761920\r\n$"
       "7\r\nCatania\r\n$16\r\n3479447370796909\r\n$3\r\ntop\r\n$17\r\n13510798882111488\r\n"},
  });
}

TEST_F(GeoTest, PositionsHashesAndDistances) {
  play({
      {{"geoadd", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
        "Catania"},
       ":2\r\n"},
      {{"geopos", "Sicily", "Palermo", "Catania", "nonexisting"},
       "*3\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38.11555639549629859\r\n*2\r\n$20\r\n15."
       "08726745843887329\r\n$20\r\n37.50266842333162032\r\n*-1\r\n"},
      {{"geohash", "Sicily", "Palermo", "Catania", "nonexisting"},
       "*3\r\n$11\r\nsqc8b49rny0\r\n$11\r\nsqdtr74hyu0\r\n$-1\r\n"},
      {{"geodist", "Sicily", "Palermo", "Catania"}, "$11\r\n166274.1516\r\n"},
      {{"geodist", "Sicily", "Palermo", "Catania", "km"}, "$8\r\n166.2742\r\n"},
      {{"geodist", "Sicily", "Palermo", "Catania", "KM"}, "$8\r\n166.2742\r\n"},
      {{"geodist", "Sicily", "Palermo", "Catania", "ft"}, "$11\r\n545518.8700\r\n"},
      {{"geodist", "Sicily", "Palermo", "Catania", "mi"}, "$8\r\n103.3182\r\n"},
      {{"geodist", "Sicily", "Palermo", "Palermo"}, "$6\r\n0.0000\r\n"},
      {{"geodist", "Sicily", "Palermo", "nonexisting"}, "$-1\r\n"},
      {{"geodist", "Sicily", "nonexisting", "Palermo"}, "$-1\r\n"},
      {{"geodist", "nokey", "a", "b"}, "$-1\r\n"},
      {{"geopos", "nokey", "a", "b"}, "*2\r\n*-1\r\n*-1\r\n"},
      {{"geohash", "nokey", "a", "b"}, "*2\r\n$-1\r\n$-1\r\n"},
      {{"geopos", "Sicily"}, "*0\r\n"},
      {{"geohash", "Sicily"}, "*0\r\n"},
      {{"geoadd", "edges", "180", "85.05112878", "top", "-180", "-85.05112878", "bottom", "0", "0",
        "origin"},
       ":3\r\n"},
      {{"geopos", "edges", "top", "bottom", "origin"},
       "*3\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179."
       "99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$19\r\n0.00000268220901489\r\n$"
       "19\r\n0.00000126736058093\r\n"},
      {{"geohash", "edges", "top", "bottom", "origin"},
       "*3\r\n$11\r\nbp05b5048p0\r\n$11\r\n00bh0hbj200\r\n$11\r\ns0000000000\r\n"},
      {{"geodist", "edges", "top", "bottom"}, "$13\r\n18919844.5891\r\n"},
      {{"zadd", "odd", "-1", "neg", "4503599627370496", "big", "1e300", "huge", "-inf", "ninf",
        "0.5", "half", "1e19", "e19", "-1e19", "me19", "9007199254740993", "past53"},
       ":8\r\n"},
      {{"geopos", "odd", "neg", "big", "huge", "ninf", "half", "e19", "me19", "past53"},
       "*8\r\n*2\r\n$3\r\n180\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179."
       "99999731779098511\r\n$19\r\n85.0511287799999991\r\n*2\r\n$22\r\n-179.99999731779098511\r\n$"
       "21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$"
       "22\r\n-179.99999731779098511\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$3\r\n180\r\n$"
       "19\r\n85.0511287799999991\r\n*2\r\n$3\r\n180\r\n$21\r\n-85.05112751263942528\r\n*2\r\n$"
       "3\r\n180\r\n$21\r\n-85.05112751263942528\r\n"},
      {{"geohash", "odd", "neg", "big", "huge", "ninf", "half", "e19", "me19", "past53"},
       "*8\r\n$11\r\nbp05b5048p0\r\n$11\r\nbp05b5048p0\r\n$11\r\n00bh0hbj200\r\n$"
       "11\r\n00bh0hbj200\r\n$11\r\n00bh0hbj200\r\n$11\r\nbp05b5048p0\r\n$11\r\n00bh0hbj200\r\n$"
       "11\r\n00bh0hbj200\r\n"},
      {{"geodist", "odd", "neg", "half", "mi"}, "$10\r\n11756.2756\r\n"},
  });
}

TEST_F(GeoTest, GeodistErrors) {
  play({
      {{"geoadd", "k", "1", "1", "a", "2", "2", "b"}, ":2\r\n"},
      {{"geodist", "k", "a", "b", "yards"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"geodist", "nokey", "a", "b", "yards"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"geodist", "k", "a", "b", "km", "extra"}, "-ERR syntax error\r\n"},
      {{"geodist", "k", "a"}, "-ERR wrong number of arguments for 'geodist' command\r\n"},
      {{"set", "str", "v"}, "+OK\r\n"},
      {{"geodist", "str", "a", "b"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
      {{"geodist", "str", "a", "b", "yards"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"geopos", "str", "a"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
      {{"geohash", "str", "a"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
  });
}

TEST_F(GeoTest, RadiusSearchOptions) {
  play({
      add_cities(),
      {{"georadius", "pts", "15", "37", "200", "km"}, "*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km"},
       "*6\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n$4\r\nRome\r\n$6\r\nNaples\r\n$4\r\nBari\r\n$"
       "8\r\nFlorence\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "asc"},
       "*6\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n$6\r\nNaples\r\n$4\r\nBari\r\n$4\r\nRome\r\n$"
       "8\r\nFlorence\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "desc"},
       "*6\r\n$8\r\nFlorence\r\n$4\r\nRome\r\n$4\r\nBari\r\n$6\r\nNaples\r\n$7\r\nPalermo\r\n$"
       "7\r\nCatania\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "withdist"},
       "*6\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*"
       "2\r\n$4\r\nRome\r\n$8\r\n586.1050\r\n*2\r\n$6\r\nNaples\r\n$8\r\n433.0688\r\n*2\r\n$"
       "4\r\nBari\r\n$8\r\n485.5990\r\n*2\r\n$8\r\nFlorence\r\n$8\r\n816.8097\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "withcoord", "withdist", "withhash", "asc"},
       "*6\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15."
       "08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190."
       "4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38."
       "11555639549629859\r\n*4\r\n$6\r\nNaples\r\n$8\r\n433.0688\r\n:3480580670016159\r\n*2\r\n$"
       "20\r\n14.26812618970870972\r\n$20\r\n40.85177521339689832\r\n*4\r\n$4\r\nBari\r\n$8\r\n485."
       "5990\r\n:3480778578304976\r\n*2\r\n$20\r\n16.87186986207962036\r\n$20\r\n41."
       "11714277573157261\r\n*4\r\n$4\r\nRome\r\n$8\r\n586.1050\r\n:3480343273965391\r\n*2\r\n$"
       "20\r\n12.49636620283126831\r\n$20\r\n41.90278213378983452\r\n*4\r\n$8\r\nFlorence\r\n$"
       "8\r\n816.8097\r\n:3668061344304094\r\n*2\r\n$20\r\n11.25581234693527222\r\n$20\r\n43."
       "76956117738326668\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "count", "3"},
       "*3\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n$6\r\nNaples\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "count", "3", "desc"},
       "*3\r\n$8\r\nFlorence\r\n$4\r\nRome\r\n$4\r\nBari\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "count", "3", "any"},
       "*3\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n$4\r\nRome\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "count", "3", "any", "asc"},
       "*3\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n$4\r\nRome\r\n"},
      {{"georadius", "pts", "15", "37", "1000", "km", "count", "100", "withdist"},
       "*6\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*"
       "2\r\n$6\r\nNaples\r\n$8\r\n433.0688\r\n*2\r\n$4\r\nBari\r\n$8\r\n485.5990\r\n*2\r\n$"
       "4\r\nRome\r\n$8\r\n586.1050\r\n*2\r\n$8\r\nFlorence\r\n$8\r\n816.8097\r\n"},
      {{"georadius", "pts", "15", "37", "621.371", "mi", "withdist"},
       "*6\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n118.3357\r\n*2\r\n$7\r\nCatania\r\n$7\r\n35.0711\r\n*"
       "2\r\n$4\r\nRome\r\n$8\r\n364.1897\r\n*2\r\n$6\r\nNaples\r\n$8\r\n269.0972\r\n*2\r\n$"
       "4\r\nBari\r\n$8\r\n301.7380\r\n*2\r\n$8\r\nFlorence\r\n$8\r\n507.5433\r\n"},
      {{"georadius", "pts", "15", "37", "3280840", "ft", "withdist", "asc"},
       "*6\r\n*2\r\n$7\r\nCatania\r\n$11\r\n185174.7305\r\n*2\r\n$7\r\nPalermo\r\n$11\r\n624811."
       "1215\r\n*2\r\n$6\r\nNaples\r\n$12\r\n1420829.5381\r\n*2\r\n$4\r\nBari\r\n$12\r\n1593172."
       "6708\r\n*2\r\n$4\r\nRome\r\n$12\r\n1922916.5743\r\n*2\r\n$8\r\nFlorence\r\n$12\r\n2679821."
       "7398\r\n"},
      {{"georadius", "pts", "15", "37", "2000000", "m", "withdist", "count", "1", "count", "2"},
       "*2\r\n*2\r\n$7\r\nCatania\r\n$10\r\n56441.2579\r\n*2\r\n$7\r\nPalermo\r\n$11\r\n190442."
       "4298\r\n"},
      {{"georadius", "pts", "15", "37", "0", "km"}, "*0\r\n"},
      {{"georadius", "pts", "13.361389", "38.115556", "0", "km"}, "*0\r\n"},
      {{"georadius", "pts", "15", "37", "inf", "km", "count", "2"},
       "*2\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n"},
      {{"georadius_ro", "pts", "15", "37", "600", "km", "withdist", "desc"},
       "*5\r\n*2\r\n$4\r\nRome\r\n$8\r\n586.1050\r\n*2\r\n$4\r\nBari\r\n$8\r\n485.5990\r\n*2\r\n$"
       "6\r\nNaples\r\n$8\r\n433.0688\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$"
       "7\r\nCatania\r\n$7\r\n56.4413\r\n"},
      {{"georadiusbymember", "pts", "Rome", "300", "km", "withdist"},
       "*3\r\n*2\r\n$4\r\nRome\r\n$6\r\n0.0000\r\n*2\r\n$6\r\nNaples\r\n$8\r\n188.4920\r\n*2\r\n$"
       "8\r\nFlorence\r\n$8\r\n230.9691\r\n"},
      {{"georadiusbymember", "pts", "Rome", "300", "km", "withdist", "desc", "count", "2"},
       "*2\r\n*2\r\n$8\r\nFlorence\r\n$8\r\n230.9691\r\n*2\r\n$6\r\nNaples\r\n$8\r\n188.4920\r\n"},
      {{"georadiusbymember", "pts", "Rome", "0", "km", "withdist"},
       "*1\r\n*2\r\n$4\r\nRome\r\n$6\r\n0.0000\r\n"},
      {{"georadiusbymember_ro", "pts", "Paris", "500", "km", "withcoord"},
       "*2\r\n*2\r\n$5\r\nParis\r\n*2\r\n$19\r\n2.35221952199935913\r\n$20\r\n48."
       "85661220395509474\r\n*2\r\n$6\r\nLondon\r\n*2\r\n$20\r\n-0.12775629758834839\r\n$20\r\n51."
       "50735008547815141\r\n"},
      {{"georadius", "nokey", "15", "37", "200", "km"}, "*0\r\n"},
      {{"georadius", "nokey", "15", "37", "200", "km", "withdist"}, "*0\r\n"},
  });
}

TEST_F(GeoTest, RadiusErrors) {
  play({
      {{"geoadd", "pts", "13.361389", "38.115556", "Palermo"}, ":1\r\n"},
      {{"georadius", "pts", "15", "37", "200"},
       "-ERR wrong number of arguments for 'georadius' command\r\n"},
      {{"georadius", "pts", "15", "100", "200", "km"},
       "-ERR invalid longitude,latitude pair 15.000000,100.000000\r\n"},
      {{"georadius", "pts", "x", "37", "200", "km"}, "-ERR value is not a valid float\r\n"},
      {{"georadius", "pts", "15", "37", "x", "km"}, "-ERR need numeric radius\r\n"},
      {{"georadius", "pts", "15", "37", "-1", "km"}, "-ERR radius cannot be negative\r\n"},
      {{"georadius", "pts", "15", "37", "1e-400", "km"}, "-ERR need numeric radius\r\n"},
      {{"georadius", "pts", "15", "37", "200", "kms"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "count", "0"}, "-ERR COUNT must be > 0\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "count", "-5"}, "-ERR COUNT must be > 0\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "count", "x"},
       "-ERR value is not an integer or out of range\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "count"}, "-ERR syntax error\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "any"},
       "-ERR the ANY argument requires COUNT argument\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "store"}, "-ERR syntax error\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "store", "d", "withdist"},
       "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
       "options\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "withhash", "storedist", "d"},
       "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
       "options\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "withcoord", "store", "d"},
       "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
       "options\r\n"},
      {{"georadius_ro", "pts", "15", "37", "200", "km", "store", "d"}, "-ERR syntax error\r\n"},
      {{"georadius_ro", "pts", "15", "37", "200", "km", "storedist", "d"}, "-ERR syntax error\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "foo"}, "-ERR syntax error\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "frommember", "Palermo"},
       "-ERR syntax error\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "bybox", "1", "1", "km"},
       "-ERR syntax error\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "count", "1", "foo"}, "-ERR syntax error\r\n"},
      {{"georadius", "nokey", "15", "100", "200", "km"},
       "-ERR invalid longitude,latitude pair 15.000000,100.000000\r\n"},
      {{"georadius", "nokey", "15", "37", "200", "km", "any"},
       "-ERR the ANY argument requires COUNT argument\r\n"},
      {{"georadius", "nokey", "15", "37", "200", "km", "store", "d", "withdist"},
       "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
       "options\r\n"},
      {{"georadiusbymember", "pts", "nonexisting", "200", "km"},
       "-ERR could not decode requested zset member\r\n"},
      {{"georadiusbymember", "pts", "nonexisting", "x", "km"},
       "-ERR could not decode requested zset member\r\n"},
      {{"georadiusbymember", "pts", "Palermo", "x", "km"}, "-ERR need numeric radius\r\n"},
      {{"georadiusbymember", "pts", "Palermo", "200", "yards"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"georadiusbymember", "nokey", "m", "x", "yards"}, "*0\r\n"},
      {{"georadiusbymember", "nokey", "m", "x", "yards", "foo"}, "-ERR syntax error\r\n"},
      {{"georadiusbymember", "nokey", "m", "1", "km", "store", "d", "withdist"},
       "-ERR STORE option in GEORADIUS is not compatible with WITHDIST, WITHHASH and WITHCOORD "
       "options\r\n"},
      {{"georadiusbymember_ro", "pts", "Palermo", "200", "km", "storedist", "d"},
       "-ERR syntax error\r\n"},
      {{"set", "str", "v"}, "+OK\r\n"},
      {{"georadius", "str", "15", "100", "200", "km"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
      {{"georadiusbymember", "str", "nonexisting", "x", "km"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
      {{"georadius_ro", "str", "15", "37", "200", "km"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
  });
}

TEST_F(GeoTest, GeosearchForms) {
  play({
      add_cities(),
      {{"geosearch", "pts", "fromlonlat", "15", "37", "byradius", "200", "km", "asc"},
       "*2\r\n$7\r\nCatania\r\n$7\r\nPalermo\r\n"},
      {{"geosearch", "pts", "fromlonlat", "15", "37", "bybox", "400", "400", "km", "asc",
        "withcoord", "withdist", "withhash"},
       "*2\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:3479447370796909\r\n*2\r\n$20\r\n15."
       "08726745843887329\r\n$20\r\n37.50266842333162032\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190."
       "4424\r\n:3479099956230698\r\n*2\r\n$20\r\n13.36138933897018433\r\n$20\r\n38."
       "11555639549629859\r\n"},
      {{"geosearch", "pts", "fromlonlat", "15", "37", "bybox", "400", "1000", "km", "desc",
        "withdist"},
       "*4\r\n*2\r\n$4\r\nBari\r\n$8\r\n485.5990\r\n*2\r\n$6\r\nNaples\r\n$8\r\n433.0688\r\n*2\r\n$"
       "7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n"},
      {{"geosearch", "pts", "fromlonlat", "15", "37", "bybox", "1000", "400", "km", "withdist"},
       "*2\r\n*2\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n*2\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "byradius", "400", "km", "withdist"},
       "*4\r\n*2\r\n$4\r\nRome\r\n$6\r\n0.0000\r\n*2\r\n$6\r\nNaples\r\n$8\r\n188.4920\r\n*2\r\n$"
       "4\r\nBari\r\n$8\r\n374.7217\r\n*2\r\n$8\r\nFlorence\r\n$8\r\n230.9691\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "bybox", "1000", "1000", "km", "withdist",
        "count", "2"},
       "*2\r\n*2\r\n$4\r\nRome\r\n$6\r\n0.0000\r\n*2\r\n$6\r\nNaples\r\n$8\r\n188.4920\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "bybox", "1000", "1000", "km", "count", "2",
        "any"},
       "*2\r\n$7\r\nPalermo\r\n$7\r\nCatania\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "bybox", "0", "0", "km", "withdist"},
       "*1\r\n*2\r\n$4\r\nRome\r\n$6\r\n0.0000\r\n"},
      {{"geosearch", "pts", "frommember", "Paris", "frommember", "Rome", "byradius", "1", "km"},
       "*1\r\n$4\r\nRome\r\n"},
      {{"geosearch", "pts", "fromlonlat", "0", "0", "fromlonlat", "12.496366", "41.902782",
        "byradius", "1", "km"},
       "*1\r\n$4\r\nRome\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "byradius", "1", "km", "byradius", "300", "km"},
       "*3\r\n$4\r\nRome\r\n$6\r\nNaples\r\n$8\r\nFlorence\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "bybox", "1", "1", "km", "bybox", "600", "600",
        "km"},
       "*3\r\n$4\r\nRome\r\n$6\r\nNaples\r\n$8\r\nFlorence\r\n"},
      {{"geosearch", "pts", "frommember", "Rome", "byradius", "300", "KM", "count", "5", "desc",
        "withhash"},
       "*3\r\n*2\r\n$8\r\nFlorence\r\n:3668061344304094\r\n*2\r\n$6\r\nNaples\r\n:"
       "3480580670016159\r\n*2\r\n$4\r\nRome\r\n:3480343273965391\r\n"},
      {{"geosearch", "nokey", "frommember", "nonexisting", "byradius", "1", "km"}, "*0\r\n"},
      {{"geosearch", "nokey", "fromlonlat", "0", "0", "bybox", "1", "1", "km"}, "*0\r\n"},
  });
}

TEST_F(GeoTest, GeosearchErrors) {
  play({
      {{"geoadd", "pts", "13.361389", "38.115556", "Palermo"}, ":1\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo", "bybox", "1", "1"}, "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo"},
       "-ERR wrong number of arguments for 'geosearch' command\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo", "fromlonlat", "1", "1", "byradius", "1", "km"},
       "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "frommember", "Palermo", "byradius", "1", "km"},
       "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "byradius", "1", "km", "bybox", "1", "1", "km"},
       "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "1", "1", "km", "byradius", "1", "km"},
       "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "1", "1", "km", "store", "d"},
       "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "1", "1", "km", "storedist"},
       "-ERR syntax error\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "x", "1", "km"},
       "-ERR need numeric width\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "1", "x", "km"},
       "-ERR need numeric height\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "-1", "1", "km"},
       "-ERR height or width cannot be negative\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "x", "-1", "km"},
       "-ERR need numeric width\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "bybox", "1", "1", "kmm"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "byradius", "1", "kmm"},
       "-ERR unsupported unit provided. please use M, KM, FT, MI\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "1", "byradius", "-1", "km"},
       "-ERR radius cannot be negative\r\n"},
      {{"geosearch", "pts", "fromlonlat", "1", "100", "byradius", "1", "km"},
       "-ERR invalid longitude,latitude pair 1.000000,100.000000\r\n"},
      {{"geosearch", "pts", "fromlonlat", "x", "1", "byradius", "1", "km"},
       "-ERR value is not a valid float\r\n"},
      {{"geosearch", "pts", "frommember", "nonexisting", "byradius", "1", "km"},
       "-ERR could not decode requested zset member\r\n"},
      {{"geosearch", "pts", "frommember", "nonexisting", "byradius", "x", "km"},
       "-ERR could not decode requested zset member\r\n"},
      {{"geosearch", "pts", "byradius", "x", "km", "frommember", "nonexisting"},
       "-ERR need numeric radius\r\n"},
      {{"geosearch", "nokey", "frommember", "nonexisting", "byradius", "x", "km"},
       "-ERR need numeric radius\r\n"},
      {{"geosearch", "pts", "byradius", "1", "km", "asc", "asc"},
       "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n"},
      {{"GeoSearch", "pts", "frommember", "Palermo", "asc", "desc", "withdist"},
       "-ERR exactly one of BYRADIUS and BYBOX can be specified for GeoSearch\r\n"},
      {{"GEOSEARCHSTORE", "d", "pts", "byradius", "1", "km", "asc", "asc"},
       "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for GEOSEARCHSTORE\r\n"},
      {{"geosearchstore", "d", "pts", "frommember", "Palermo", "asc", "desc", "asc"},
       "-ERR exactly one of BYRADIUS and BYBOX can be specified for geosearchstore\r\n"},
      {{"geosearch", "nokey", "byradius", "1", "km", "asc", "asc"},
       "-ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for geosearch\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo", "byradius", "1", "km", "any"},
       "-ERR the ANY argument requires COUNT argument\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo", "byradius", "1", "km", "any", "count", "0"},
       "-ERR COUNT must be > 0\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo", "byradius", "1", "km", "count", "1", "count",
        "0"},
       "-ERR COUNT must be > 0\r\n"},
      {{"geosearchstore", "d", "pts", "frommember", "Palermo", "byradius", "1", "km", "withdist"},
       "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
      {{"geosearchstore", "d", "pts", "frommember", "Palermo", "byradius", "1", "km", "store", "x"},
       "-ERR syntax error\r\n"},
      {{"geosearchstore", "d", "pts", "byradius", "1", "km", "withdist", "asc"},
       "-ERR GEOSEARCHSTORE is not compatible with WITHDIST, WITHHASH and WITHCOORD options\r\n"},
      {{"geosearch", "pts", "frommember"},
       "-ERR wrong number of arguments for 'geosearch' command\r\n"},
      {{"geosearch", "pts", "frommember", "Palermo", "byradius", "1"},
       "-ERR wrong number of arguments for 'geosearch' command\r\n"},
      {{"set", "str", "v"}, "+OK\r\n"},
      {{"geosearch", "str", "frommember", "nonexisting", "byradius", "x", "km"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
      {{"geosearchstore", "d", "str", "frommember", "Palermo", "byradius", "1", "km"},
       "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"},
  });
}

TEST_F(GeoTest, StoreAndStoredist) {
  play({
      {{"geoadd", "pts", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
        "12.496366", "41.902782", "Rome", "14.268124", "40.851775", "Naples"},
       ":4\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "store", "dst"}, ":2\r\n"},
      {{"zrange", "dst", "0", "-1", "withscores"},
       "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$"
       "16\r\n3479447370796909\r\n"},
      {{"object", "encoding", "dst"}, "$8\r\nlistpack\r\n"},
      {{"georadius", "pts", "15", "37", "500", "km", "storedist", "dst"}, ":3\r\n"},
      {{"zrange", "dst", "0", "-1", "withscores"},
       "*6\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n$7\r\nPalermo\r\n$18\r\n190."
       "44242984775784\r\n$6\r\nNaples\r\n$18\r\n433.06884321645475\r\n"},
      {{"georadius", "pts", "15", "37", "500", "km", "store", "a", "storedist", "b"}, ":3\r\n"},
      {{"exists", "a"}, ":0\r\n"},
      {{"zrange", "b", "0", "-1", "withscores"},
       "*6\r\n$7\r\nCatania\r\n$18\r\n56.441257870158204\r\n$7\r\nPalermo\r\n$18\r\n190."
       "44242984775784\r\n$6\r\nNaples\r\n$18\r\n433.06884321645475\r\n"},
      {{"georadius", "pts", "15", "37", "500", "km", "count", "1", "desc", "storedist", "dst"},
       ":1\r\n"},
      {{"zrange", "dst", "0", "-1", "withscores"},
       "*2\r\n$6\r\nNaples\r\n$18\r\n433.06884321645475\r\n"},
      {{"georadiusbymember", "pts", "Rome", "300", "km", "storedist", "dst"}, ":2\r\n"},
      {{"zrange", "dst", "0", "-1", "withscores"},
       "*4\r\n$4\r\nRome\r\n$1\r\n0\r\n$6\r\nNaples\r\n$18\r\n188.49197974443925\r\n"},
      {{"geosearchstore", "dst", "pts", "frommember", "Rome", "bybox", "800", "800", "km"},
       ":2\r\n"},
      {{"zrange", "dst", "0", "-1", "withscores"},
       "*4\r\n$4\r\nRome\r\n$16\r\n3480343273965391\r\n$6\r\nNaples\r\n$"
       "16\r\n3480580670016159\r\n"},
      {{"geosearchstore", "dst", "pts", "frommember", "Rome", "bybox", "800", "800", "km",
        "storedist", "count", "2"},
       ":2\r\n"},
      {{"zrange", "dst", "0", "-1", "withscores"},
       "*4\r\n$4\r\nRome\r\n$1\r\n0\r\n$6\r\nNaples\r\n$18\r\n188.49197974443925\r\n"},
      {{"set", "str", "v"}, "+OK\r\n"},
      {{"expire", "str", "1000"}, ":1\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "store", "str"}, ":2\r\n"},
      {{"type", "str"}, "+zset\r\n"},
      {{"ttl", "str"}, ":-1\r\n"},
      {{"georadius", "pts", "15", "37", "1", "m", "store", "dst"}, ":0\r\n"},
      {{"exists", "dst"}, ":0\r\n"},
      {{"geosearchstore", "str", "pts", "fromlonlat", "0", "0", "byradius", "1", "km"}, ":0\r\n"},
      {{"exists", "str"}, ":0\r\n"},
      {{"set", "other", "v"}, "+OK\r\n"},
      {{"georadius", "nokey", "15", "37", "200", "km", "store", "other"}, ":0\r\n"},
      {{"exists", "other"}, ":0\r\n"},
      {{"geosearchstore", "other", "nokey", "frommember", "x", "byradius", "1", "km"}, ":0\r\n"},
      {{"georadiusbymember", "nokey", "x", "1", "km", "storedist", "other"}, ":0\r\n"},
      {{"georadius", "pts", "15", "37", "200", "km", "store", "pts"}, ":2\r\n"},
      {{"zrange", "pts", "0", "-1", "withscores"},
       "*4\r\n$7\r\nPalermo\r\n$16\r\n3479099956230698\r\n$7\r\nCatania\r\n$"
       "16\r\n3479447370796909\r\n"},
  });
}

TEST_F(GeoTest, Resp3Replies) {
  play({
      {{"HELLO", "3"}, kSkip},
      {{"geoadd", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669",
        "Catania"},
       ":2\r\n"},
      {{"geopos", "Sicily", "Palermo", "nonexisting"},
       "*2\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n_\r\n"},
      {{"geohash", "Sicily", "Palermo", "nonexisting"}, "*2\r\n$11\r\nsqc8b49rny0\r\n_\r\n"},
      {{"geodist", "Sicily", "Palermo", "Catania"}, "$11\r\n166274.1516\r\n"},
      {{"geodist", "Sicily", "Palermo", "nonexisting"}, "_\r\n"},
      {{"georadius", "Sicily", "15", "37", "200", "km", "withdist", "withcoord", "withhash"},
       "*2\r\n*4\r\n$7\r\nPalermo\r\n$8\r\n190.4424\r\n:3479099956230698\r\n*2\r\n,13."
       "36138933897018433\r\n,38.11555639549629859\r\n*4\r\n$7\r\nCatania\r\n$7\r\n56.4413\r\n:"
       "3479447370796909\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"},
      {{"georadius", "Sicily", "15", "37", "1", "km"}, "*0\r\n"},
      {{"georadius", "nokey", "15", "37", "1", "km"}, "*0\r\n"},
      {{"geosearch", "Sicily", "frommember", "Palermo", "byradius", "200", "km", "withcoord",
        "asc"},
       "*2\r\n*2\r\n$7\r\nPalermo\r\n*2\r\n,13.36138933897018433\r\n,38.11555639549629859\r\n*"
       "2\r\n$7\r\nCatania\r\n*2\r\n,15.08726745843887329\r\n,37.50266842333162032\r\n"},
      {{"geopos", "nokey", "a"}, "*1\r\n_\r\n"},
  });
}

TEST_F(GeoTest, SearchEdges) {
  play({
      {{"geoadd", "w",      "179.9", "0.5", "e1",  "-179.9", "0.5", "w1", "179.5", "-0.5",
        "e2",     "-179.5", "-0.5",  "w2",  "0",   "85",     "n1",  "90", "85.05", "n2",
        "-90",    "84.5",   "n3",    "0",   "-85", "s1",     "0",   "0",  "origin"},
       ":9\r\n"},
      {{"georadius", "w", "180", "0", "100", "km", "withdist"},
       "*2\r\n*2\r\n$2\r\ne1\r\n$7\r\n56.7145\r\n*2\r\n$2\r\ne2\r\n$7\r\n78.6483\r\n"},
      {{"georadius", "w", "-180", "0", "100", "km", "withdist"},
       "*4\r\n*2\r\n$2\r\nw1\r\n$7\r\n56.7145\r\n*2\r\n$2\r\nw2\r\n$7\r\n78.6483\r\n*2\r\n$"
       "2\r\ne1\r\n$7\r\n56.7145\r\n*2\r\n$2\r\ne2\r\n$7\r\n78.6483\r\n"},
      {{"georadius", "w", "180", "0", "100", "km", "withdist", "asc"},
       "*2\r\n*2\r\n$2\r\ne1\r\n$7\r\n56.7145\r\n*2\r\n$2\r\ne2\r\n$7\r\n78.6483\r\n"},
      {{"geosearch", "w", "fromlonlat", "180", "0", "bybox", "200", "200", "km", "withdist"},
       "*2\r\n*2\r\n$2\r\ne1\r\n$7\r\n56.7145\r\n*2\r\n$2\r\ne2\r\n$7\r\n78.6483\r\n"},
      {{"geosearch", "w", "fromlonlat", "0", "85", "byradius", "2000", "km", "withdist"},
       "*3\r\n*2\r\n$2\r\nn1\r\n$6\r\n0.0000\r\n*2\r\n$2\r\nn2\r\n$8\r\n782.0739\r\n*2\r\n$"
       "2\r\nn3\r\n$8\r\n826.1735\r\n"},
      {{"geosearch", "w", "fromlonlat", "0", "85.05112878", "bybox", "20000", "500", "km",
        "withdist"},
       "*3\r\n*2\r\n$2\r\nn1\r\n$6\r\n5.6869\r\n*2\r\n$2\r\nn2\r\n$8\r\n778.0503\r\n*2\r\n$"
       "2\r\nn3\r\n$8\r\n822.3679\r\n"},
      {{"geosearch", "w", "fromlonlat", "0", "-85", "byradius", "600", "km", "withdist"},
       "*1\r\n*2\r\n$2\r\ns1\r\n$6\r\n0.0000\r\n"},
      {{"georadius", "w", "0", "0", "100000", "km"},
       "*9\r\n$6\r\norigin\r\n$2\r\nn1\r\n$2\r\ne1\r\n$2\r\nn2\r\n$2\r\ns1\r\n$2\r\ne2\r\n$"
       "2\r\nw1\r\n$2\r\nn3\r\n$2\r\nw2\r\n"},
      {{"georadius", "w", "0", "0", "20000", "km", "withdist", "count", "4"},
       "*4\r\n*2\r\n$6\r\norigin\r\n$6\r\n0.0003\r\n*2\r\n$2\r\nn1\r\n$9\r\n9454.2355\r\n*2\r\n$"
       "2\r\ns1\r\n$9\r\n9454.2355\r\n*2\r\n$2\r\nn3\r\n$10\r\n10010.3670\r\n"},
      {{"georadius", "w", "45", "45", "5000", "km"}, "*2\r\n$2\r\nn1\r\n$2\r\nn2\r\n"},
      {{"georadius", "w", "0", "0", "0", "m", "withdist"}, "*0\r\n"},
      {{"zadd", "w", "-1", "neg", "1e300", "huge", "-inf", "ninf"}, ":3\r\n"},
      {{"georadius", "w", "0", "0", "100000", "km", "withhash"},
       "*9\r\n*2\r\n$6\r\norigin\r\n:3377699720527872\r\n*2\r\n$2\r\nn1\r\n:3752999415514384\r\n*"
       "2\r\n$2\r\ne1\r\n:4128320588237048\r\n*2\r\n$2\r\nn2\r\n:4315949642813444\r\n*2\r\n$"
       "2\r\ns1\r\n:2251800087646277\r\n*2\r\n$2\r\ne2\r\n:3377668973903239\r\n*2\r\n$2\r\nw1\r\n:"
       "1125921927258706\r\n*2\r\n$2\r\nn3\r\n:2064128069092416\r\n*2\r\n$2\r\nw2\r\n:"
       "375287765341997\r\n"},
      {{"georadius", "w", "180", "85", "10", "km", "withcoord"}, "*0\r\n"},
  });
}

TEST_F(GeoTest, TiesUnderCount) {
  play({
      {tie_points(), ":50\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "count", "5"},
       "*5\r\n$2\r\nt9\r\n$3\r\nt15\r\n$3\r\nt18\r\n$3\r\nt21\r\n$3\r\nt24\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "count", "5", "desc"},
       "*5\r\n$3\r\nt14\r\n$2\r\nt8\r\n$2\r\nt5\r\n$3\r\nt47\r\n$3\r\nt44\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "count", "20", "withdist"},
       "*20\r\n*2\r\n$2\r\nt9\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt15\r\n$6\r\n0.0003\r\n*2\r\n$"
       "3\r\nt18\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt21\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt24\r\n$6\r\n0."
       "0003\r\n*2\r\n$3\r\nt27\r\n$6\r\n0.0003\r\n*2\r\n$2\r\nt3\r\n$6\r\n0.0003\r\n*2\r\n$"
       "3\r\nt30\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt33\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt36\r\n$6\r\n0."
       "0003\r\n*2\r\n$3\r\nt39\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt42\r\n$6\r\n0.0003\r\n*2\r\n$"
       "3\r\nt45\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt48\r\n$6\r\n0.0003\r\n*2\r\n$2\r\nt0\r\n$6\r\n0."
       "0003\r\n*2\r\n$2\r\nt6\r\n$6\r\n0.0003\r\n*2\r\n$3\r\nt12\r\n$6\r\n0.0003\r\n*2\r\n$"
       "3\r\nt46\r\n$6\r\n0.1095\r\n*2\r\n$2\r\nt1\r\n$6\r\n0.1095\r\n*2\r\n$3\r\nt10\r\n$6\r\n0."
       "1095\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "count", "45", "desc"},
       "*45\r\n$3\r\nt14\r\n$2\r\nt8\r\n$2\r\nt5\r\n$3\r\nt47\r\n$3\r\nt44\r\n$3\r\nt41\r\n$"
       "3\r\nt38\r\n$3\r\nt35\r\n$3\r\nt32\r\n$3\r\nt29\r\n$3\r\nt26\r\n$3\r\nt23\r\n$3\r\nt20\r\n$"
       "2\r\nt2\r\n$3\r\nt17\r\n$3\r\nt11\r\n$3\r\nt46\r\n$2\r\nt1\r\n$3\r\nt10\r\n$3\r\nt13\r\n$"
       "3\r\nt16\r\n$3\r\nt19\r\n$3\r\nt22\r\n$3\r\nt25\r\n$3\r\nt28\r\n$3\r\nt31\r\n$3\r\nt34\r\n$"
       "3\r\nt37\r\n$2\r\nt4\r\n$3\r\nt40\r\n$3\r\nt43\r\n$3\r\nt49\r\n$2\r\nt7\r\n$3\r\nt15\r\n$"
       "2\r\nt9\r\n$2\r\nt6\r\n$3\r\nt48\r\n$3\r\nt45\r\n$3\r\nt42\r\n$3\r\nt39\r\n$3\r\nt36\r\n$"
       "3\r\nt33\r\n$3\r\nt30\r\n$2\r\nt3\r\n$3\r\nt27\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "count", "49"},
       "*49\r\n$2\r\nt9\r\n$3\r\nt15\r\n$3\r\nt18\r\n$3\r\nt21\r\n$3\r\nt24\r\n$3\r\nt27\r\n$"
       "2\r\nt3\r\n$3\r\nt30\r\n$3\r\nt33\r\n$3\r\nt36\r\n$3\r\nt39\r\n$3\r\nt42\r\n$3\r\nt45\r\n$"
       "3\r\nt48\r\n$2\r\nt0\r\n$2\r\nt6\r\n$3\r\nt12\r\n$3\r\nt46\r\n$2\r\nt1\r\n$3\r\nt10\r\n$"
       "3\r\nt13\r\n$3\r\nt16\r\n$3\r\nt19\r\n$3\r\nt22\r\n$3\r\nt25\r\n$3\r\nt28\r\n$3\r\nt31\r\n$"
       "3\r\nt34\r\n$3\r\nt37\r\n$2\r\nt4\r\n$3\r\nt40\r\n$3\r\nt43\r\n$3\r\nt49\r\n$2\r\nt7\r\n$"
       "2\r\nt8\r\n$3\r\nt14\r\n$3\r\nt17\r\n$2\r\nt2\r\n$3\r\nt20\r\n$3\r\nt23\r\n$3\r\nt26\r\n$"
       "3\r\nt29\r\n$3\r\nt32\r\n$3\r\nt35\r\n$3\r\nt38\r\n$3\r\nt41\r\n$3\r\nt44\r\n$3\r\nt47\r\n$"
       "2\r\nt5\r\n"},
      {{"geosearch", "t", "fromlonlat", "10.0005", "10.0005", "byradius", "1", "km", "count", "7"},
       "*7\r\n$2\r\nt9\r\n$3\r\nt12\r\n$3\r\nt15\r\n$3\r\nt18\r\n$3\r\nt21\r\n$3\r\nt24\r\n$"
       "3\r\nt27\r\n"},
      {{"geosearch", "t", "fromlonlat", "10.0005", "10.0005", "byradius", "1", "km", "count", "3",
        "desc"},
       "*3\r\n$3\r\nt10\r\n$2\r\nt7\r\n$3\r\nt49\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "asc"},
       "*50\r\n$2\r\nt0\r\n$3\r\nt12\r\n$3\r\nt15\r\n$3\r\nt18\r\n$3\r\nt21\r\n$3\r\nt24\r\n$"
       "3\r\nt27\r\n$2\r\nt3\r\n$3\r\nt30\r\n$3\r\nt33\r\n$3\r\nt36\r\n$3\r\nt39\r\n$3\r\nt42\r\n$"
       "3\r\nt45\r\n$3\r\nt48\r\n$2\r\nt6\r\n$2\r\nt9\r\n$2\r\nt1\r\n$3\r\nt10\r\n$3\r\nt13\r\n$"
       "3\r\nt16\r\n$3\r\nt19\r\n$3\r\nt22\r\n$3\r\nt25\r\n$3\r\nt28\r\n$3\r\nt31\r\n$3\r\nt34\r\n$"
       "3\r\nt37\r\n$2\r\nt4\r\n$3\r\nt40\r\n$3\r\nt43\r\n$3\r\nt46\r\n$3\r\nt49\r\n$2\r\nt7\r\n$"
       "3\r\nt11\r\n$3\r\nt14\r\n$3\r\nt17\r\n$2\r\nt2\r\n$3\r\nt20\r\n$3\r\nt23\r\n$3\r\nt26\r\n$"
       "3\r\nt29\r\n$3\r\nt32\r\n$3\r\nt35\r\n$3\r\nt38\r\n$3\r\nt41\r\n$3\r\nt44\r\n$3\r\nt47\r\n$"
       "2\r\nt5\r\n$2\r\nt8\r\n"},
      {{"georadius", "t", "10", "10", "100", "km", "desc"},
       "*50\r\n$3\r\nt11\r\n$3\r\nt14\r\n$3\r\nt17\r\n$2\r\nt2\r\n$3\r\nt20\r\n$3\r\nt23\r\n$"
       "3\r\nt26\r\n$3\r\nt29\r\n$3\r\nt32\r\n$3\r\nt35\r\n$3\r\nt38\r\n$3\r\nt41\r\n$3\r\nt44\r\n$"
       "3\r\nt47\r\n$2\r\nt5\r\n$2\r\nt8\r\n$2\r\nt1\r\n$3\r\nt10\r\n$3\r\nt13\r\n$3\r\nt16\r\n$"
       "3\r\nt19\r\n$3\r\nt22\r\n$3\r\nt25\r\n$3\r\nt28\r\n$3\r\nt31\r\n$3\r\nt34\r\n$3\r\nt37\r\n$"
       "2\r\nt4\r\n$3\r\nt40\r\n$3\r\nt43\r\n$3\r\nt46\r\n$3\r\nt49\r\n$2\r\nt7\r\n$2\r\nt0\r\n$"
       "3\r\nt12\r\n$3\r\nt15\r\n$3\r\nt18\r\n$3\r\nt21\r\n$3\r\nt24\r\n$3\r\nt27\r\n$2\r\nt3\r\n$"
       "3\r\nt30\r\n$3\r\nt33\r\n$3\r\nt36\r\n$3\r\nt39\r\n$3\r\nt42\r\n$3\r\nt45\r\n$3\r\nt48\r\n$"
       "2\r\nt6\r\n$2\r\nt9\r\n"},
  });
}

// "0.123" for 123.
std::string thousandths(int i) {
  std::string frac = std::to_string(i % 1000);
  return std::to_string(i / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

TEST_F(GeoTest, LargeResultsStoreAsASkiplist) {
  std::vector<std::string> add = {"geoadd", "g"};
  for (int i = 0; i < 200; ++i) {
    add.insert(add.end(), {thousandths(i), "0", "p" + std::to_string(i)});
  }
  EXPECT_EQ(run(add), ":200\r\n");
  EXPECT_EQ(run({"object", "encoding", "g"}), "$8\r\nskiplist\r\n");
  EXPECT_EQ(run({"georadius", "g", "0", "0", "100", "km", "store", "d"}), ":200\r\n");
  EXPECT_EQ(run({"object", "encoding", "d"}), "$8\r\nskiplist\r\n");
  EXPECT_EQ(run({"georadius", "g", "0", "0", "100", "km", "count", "128", "store", "d"}),
            ":128\r\n");
  EXPECT_EQ(run({"object", "encoding", "d"}), "$8\r\nlistpack\r\n");
  EXPECT_EQ(run({"georadius", "g", "0", "0", "100", "km", "count", "3", "desc", "withdist"}),
            "*3\r\n*2\r\n$4\r\np199\r\n$7\r\n22.1342\r\n*2\r\n$4\r\np198\r\n$7\r\n22.0226\r\n"
            "*2\r\n$4\r\np197\r\n$7\r\n21.9116\r\n");
}

TEST_F(GeoTest, KeyPositions) {
  EXPECT_EQ(run({"command", "getkeys", "georadius", "k", "1", "1", "1", "km", "store", "d"}),
            "*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"command", "getkeys", "georadius", "k", "1", "1", "1", "km"}),
            "*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(run({"command", "getkeys", "georadius", "k", "1", "1", "store", "km", "store", "d"}),
            "*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"command", "getkeys", "georadiusbymember", "k", "a", "store", "km", "store", "d"}),
            "*2\r\n$1\r\nk\r\n$1\r\nd\r\n");
  EXPECT_EQ(run({"command", "getkeys", "georadius", "k", "1", "1", "1", "km", "count", "store"}),
            "*1\r\n$1\r\nk\r\n");
  EXPECT_EQ(run({"command", "getkeys", "geosearchstore", "d", "k", "frommember", "a", "byradius",
                 "1", "km"}),
            "*2\r\n$1\r\nd\r\n$1\r\nk\r\n");
}

}  // namespace
}  // namespace cachet::server
