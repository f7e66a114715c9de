// Geohash math for the GEO commands, with Redis 7.0's exact arithmetic (replies depend on every
// bit of it: positions, distances and which members a search finds).
//
// A position is stored as a sorted-set score: the 52-bit interleaving of a 26-bit latitude index
// (even bits) and a 26-bit longitude index (odd bits), the cell of a 2^26 x 2^26 grid over
// longitude [-180, 180] and latitude [-85.05112878, 85.05112878] (the Web Mercator limits).
// A position decodes to the centre of its cell. GEOHASH's strings use the standard latitude
// range [-90, 90] instead.
//
// A search (GEORADIUS, GEOSEARCH) scans up to 9 cells of a coarser grid, chosen so that they
// cover the search shape: the cell holding the centre and its 8 neighbours, minus those that
// cannot hold a match. Each cell is a range of scores; each point found there is then tested
// against the exact shape.
//
// Pure functions, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace cachet::server::geo {

struct Point {
  double lon = 0, lat = 0;
};

struct Range {
  double min = 0, max = 0;
};

inline constexpr int kMaxStep = 26;  // bits per coordinate in a stored score
inline constexpr Range kLonRange{-180, 180};
inline constexpr Range kLatRange{-85.05112878, 85.05112878};
inline constexpr Range kStandardLatRange{-90, 90};      // GEOHASH strings
inline constexpr double kEarthRadius = 6372797.560856;  // metres, as Redis

// A cell of the 2^step x 2^step grid: interleaved indices (latitude in even bits). An index may be
// 2^step itself (a coordinate at the top of its range), as in Redis.
struct Cell {
  uint64_t bits = 0;
  int step = 0;
  bool operator==(const Cell&) const = default;
};

// The bounds of a cell.
struct Area {
  Range lon, lat;
};

// Whether GEOADD accepts the position: both coordinates inside kLonRange and kLatRange.
bool valid(Point p);

// The cell of step `step` (1..32) holding `p`, which must lie inside kLonRange and `lat_range`.
Cell encode(Point p, int step, Range lat_range = kLatRange);
// The score GEOADD stores for `p` (valid(p)).
double score_of(Point p);

// The bounds of `cell`.
Area decode(Cell cell, Range lat_range = kLatRange);
// The position a score stands for: its cell's centre, clamped to the valid ranges. Any score is
// read as Redis reads it (its conversion to a 64-bit unsigned integer on x86-64), so a member
// added by ZADD with an arbitrary score still has a position.
Point position_of(double score);

// GEOHASH's 11-character base32 string for a score.
std::string geohash_string(double score);

// The great-circle distance in metres (haversine; points on one meridian take Redis's shortcut).
double distance(Point a, Point b);

// A distance as GEODIST and WITHDIST print it: 4 decimals, rounded as Redis rounds them (the
// nearest integer to d * 10^4, ties to even).
std::string format_distance(double d);

// A search shape. Sizes are in the caller's unit; `to_metres` converts them.
struct Shape {
  enum class Kind { kRadius, kBox };
  Kind kind = Kind::kRadius;
  Point centre;
  double to_metres = 1;
  double radius = 0;             // kRadius
  double width = 0, height = 0;  // kBox
};

// Whether `p` is inside `shape`; then `metres` is its distance from the centre.
bool contains(const Shape& shape, Point p, double& metres);

// The grid step Redis starts a search of range `metres` around latitude `lat` with.
int estimate_steps(double metres, double lat);

// The cells a search of `shape` scans, in Redis's order (centre, N, S, E, W, NE, NW, SE, SW),
// without the excluded ones and without a cell equal to the one scanned before it.
struct SearchArea {
  Cell cells[9];
  size_t count = 0;
};
SearchArea search_area(const Shape& shape);

// The scores [min, end) of the points inside `cell`.
struct ScoreSpan {
  double min = 0, end = 0;
};
ScoreSpan scores_of(Cell cell);

}  // namespace cachet::server::geo
