// Geohash math (see geohash.h). Floating-point expressions keep the operation order that gives
// Redis 7.0's results bit for bit; do not "simplify" them.
#include "server/geohash.h"

#include <cmath>

namespace cachet::server::geo {
namespace {

constexpr double kDegToRad = M_PI / 180.0;
constexpr double kMercatorMax = 20037726.37;  // half the Earth's circumference in Web Mercator

double to_radians(double degrees) { return degrees * kDegToRad; }
double to_degrees(double radians) { return radians / kDegToRad; }

// Spreads the 32 bits of `x` to the even bits of the result.
uint64_t spread(uint32_t x) {
  uint64_t v = x;
  v = (v | (v << 16)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v << 8)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v << 4)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v << 2)) & 0x3333333333333333ULL;
  v = (v | (v << 1)) & 0x5555555555555555ULL;
  return v;
}

// The inverse of spread: the even bits of `v`, packed.
uint32_t squeeze(uint64_t v) {
  v &= 0x5555555555555555ULL;
  v = (v | (v >> 1)) & 0x3333333333333333ULL;
  v = (v | (v >> 2)) & 0x0F0F0F0F0F0F0F0FULL;
  v = (v | (v >> 4)) & 0x00FF00FF00FF00FFULL;
  v = (v | (v >> 8)) & 0x0000FFFF0000FFFFULL;
  v = (v | (v >> 16)) & 0x00000000FFFFFFFFULL;
  return static_cast<uint32_t>(v);
}

uint64_t interleave(uint32_t lat_index, uint32_t lon_index) {
  return spread(lat_index) | (spread(lon_index) << 1);
}

uint32_t lat_index(uint64_t bits) { return squeeze(bits); }
uint32_t lon_index(uint64_t bits) { return squeeze(bits >> 1); }

// The index of `v` on a grid of 2^step cells over `r` (v inside r; v == r.max gives 2^step).
uint32_t grid_index(double v, Range r, int step) {
  double offset = (v - r.min) / (r.max - r.min);
  offset *= static_cast<double>(1ULL << step);
  return static_cast<uint32_t>(offset);
}

// The bounds of cell `index` (a 32-bit index; index + 1 wraps as Redis's does).
Range grid_range(uint32_t index, Range r, int step) {
  double cells = static_cast<double>(1ULL << step);
  double scale = r.max - r.min;
  uint32_t next = index + 1;
  return {r.min + (index * 1.0 / cells) * scale, r.min + (next * 1.0 / cells) * scale};
}

// A score as an unsigned 64-bit integer, the way x86-64 converts it (cvttsd2si): scores of 2^64
// and more give 0, negative ones wrap, those below -2^63 give 2^63.
uint64_t score_bits(double score) {
  constexpr double kTwo63 = 9223372036854775808.0;
  constexpr uint64_t kIndefinite = 1ULL << 63;  // what cvttsd2si gives out of range
  auto truncate = [](double d) -> uint64_t {
    if (!(d >= -kTwo63 && d < kTwo63)) return kIndefinite;
    return static_cast<uint64_t>(static_cast<int64_t>(d));
  };
  if (score >= kTwo63) return truncate(score - kTwo63) ^ kIndefinite;
  return truncate(score);
}

double clamp(double v, Range r) { return v > r.max ? r.max : v < r.min ? r.min : v; }

// `cell` moved by (dlon, dlat) cells; a moved coordinate wraps around the grid.
Cell neighbour(Cell cell, int dlon, int dlat) {
  uint32_t mask = static_cast<uint32_t>((1ULL << cell.step) - 1);
  uint32_t lon = lon_index(cell.bits), lat = lat_index(cell.bits);
  if (dlon != 0) lon = (lon + static_cast<uint32_t>(dlon)) & mask;
  if (dlat != 0) lat = (lat + static_cast<uint32_t>(dlat)) & mask;
  return {interleave(lat, lon), cell.step};
}

// The shape's bounding box in degrees, as Redis estimates it: its half height as a latitude
// delta, its half width as a longitude delta at the latitude edge nearer the pole.
Area bounding_box(const Shape& s) {
  bool radius = s.kind == Shape::Kind::kRadius;
  double half_height = s.to_metres * (radius ? s.radius : s.height / 2);
  double half_width = s.to_metres * (radius ? s.radius : s.width / 2);
  double lat = s.centre.lat, lon = s.centre.lon;
  double lat_delta = to_degrees(half_height / kEarthRadius);
  double pole_edge = lat < 0 ? lat - lat_delta : lat + lat_delta;
  double lon_delta = to_degrees(half_width / kEarthRadius / std::cos(to_radians(pole_edge)));
  return {{lon - lon_delta, lon + lon_delta}, {lat - lat_delta, lat + lat_delta}};
}

// The distance in metres the search must reach: the radius, or the box's half diagonal.
double reach(const Shape& s) {
  if (s.kind == Shape::Kind::kRadius) return s.radius * s.to_metres;
  double w = s.width / 2, h = s.height / 2;
  return std::sqrt(w * w + h * h) * s.to_metres;
}

// The centre's cell and its neighbours, in Redis's scan order.
struct Cells {
  Cell at[9];  // centre, N, S, E, W, NE, NW, SE, SW
  bool used[9] = {true, true, true, true, true, true, true, true, true};
};

Cells cells_around(Point centre, int step) {
  Cell c = encode(centre, step);
  return {{c, neighbour(c, 0, 1), neighbour(c, 0, -1), neighbour(c, 1, 0), neighbour(c, -1, 0),
           neighbour(c, 1, 1), neighbour(c, -1, 1), neighbour(c, 1, -1), neighbour(c, -1, -1)}};
}

enum Index {
  kCentre,
  kNorth,
  kSouth,
  kEast,
  kWest,
  kNorthEast,
  kNorthWest,
  kSouthEast,
  kSouthWest
};

// Whether the cells of `step` are too small for the box: a side neighbour ends inside it.
bool too_fine(const Cells& c, const Area& box) {
  return decode(c.at[kNorth]).lat.max < box.lat.max || decode(c.at[kSouth]).lat.min > box.lat.min ||
         decode(c.at[kEast]).lon.max < box.lon.max || decode(c.at[kWest]).lon.min > box.lon.min;
}

// Drops the neighbours on a side where the centre cell already reaches past the box.
void drop_useless(Cells& c, const Area& box) {
  Area a = decode(c.at[kCentre]);
  auto drop = [&](Index x, Index y, Index z) { c.used[x] = c.used[y] = c.used[z] = false; };
  if (a.lat.min < box.lat.min) drop(kSouth, kSouthWest, kSouthEast);
  if (a.lat.max > box.lat.max) drop(kNorth, kNorthEast, kNorthWest);
  if (a.lon.min < box.lon.min) drop(kWest, kSouthWest, kNorthWest);
  if (a.lon.max > box.lon.max) drop(kEast, kSouthEast, kNorthEast);
}

}  // namespace

bool valid(Point p) {
  return p.lon >= kLonRange.min && p.lon <= kLonRange.max && p.lat >= kLatRange.min &&
         p.lat <= kLatRange.max;
}

Cell encode(Point p, int step, Range lat_range) {
  return {interleave(grid_index(p.lat, lat_range, step), grid_index(p.lon, kLonRange, step)), step};
}

double score_of(Point p) { return static_cast<double>(encode(p, kMaxStep).bits); }

Area decode(Cell cell, Range lat_range) {
  return {grid_range(lon_index(cell.bits), kLonRange, cell.step),
          grid_range(lat_index(cell.bits), lat_range, cell.step)};
}

Point position_of(double score) {
  Area a = decode({score_bits(score), kMaxStep});
  return {clamp((a.lon.min + a.lon.max) / 2, kLonRange),
          clamp((a.lat.min + a.lat.max) / 2, kLatRange)};
}

std::string geohash_string(double score) {
  static constexpr char kAlphabet[] = "0123456789bcdefghjkmnpqrstuvwxyz";
  uint64_t bits = encode(position_of(score), kMaxStep, kStandardLatRange).bits;
  std::string out(11, '0');  // 52 bits make 10 characters; the 11th is always '0', as Redis's
  for (int i = 0; i < 10; ++i) out[i] = kAlphabet[(bits >> (52 - (i + 1) * 5)) & 0x1f];
  return out;
}

double distance(Point a, Point b) {
  double lon1 = to_radians(a.lon), lon2 = to_radians(b.lon);
  double v = std::sin((lon2 - lon1) / 2);
  if (v == 0.0) return kEarthRadius * std::fabs(to_radians(b.lat) - to_radians(a.lat));
  double lat1 = to_radians(a.lat), lat2 = to_radians(b.lat);
  double u = std::sin((lat2 - lat1) / 2);
  double h = u * u + std::cos(lat1) * std::cos(lat2) * v * v;
  return 2.0 * kEarthRadius * std::asin(std::sqrt(h));
}

std::string format_distance(double d) {
  if (d == 0) return "0.0000";
  long long scaled = std::llrint(d * 10000.0);
  bool negative = scaled < 0;
  // llrint's out-of-range result (LLONG_MIN) prints as 2^63, as Redis prints it.
  unsigned long long u = negative ? 0 - static_cast<unsigned long long>(scaled)
                                  : static_cast<unsigned long long>(scaled);
  std::string fraction = std::to_string(u % 10000);
  return (negative ? "-" : "") + std::to_string(u / 10000) + "." +
         std::string(4 - fraction.size(), '0') + fraction;
}

bool contains(const Shape& s, Point p, double& metres) {
  if (s.kind == Shape::Kind::kRadius) {
    metres = distance(s.centre, p);
    return metres <= s.radius * s.to_metres;
  }
  double lat_metres = kEarthRadius * std::fabs(to_radians(s.centre.lat) - to_radians(p.lat));
  if (lat_metres > s.height * s.to_metres / 2) return false;
  double lon_metres = distance(p, {s.centre.lon, p.lat});
  if (lon_metres > s.width * s.to_metres / 2) return false;
  metres = distance(s.centre, p);
  return true;
}

int estimate_steps(double metres, double lat) {
  if (metres == 0) return kMaxStep;
  int step = 1;
  while (metres < kMercatorMax) {
    metres *= 2;
    ++step;
  }
  step -= 2;                    // keeps the range inside the 9 cells in most cases
  if (lat > 66 || lat < -66) {  // meridians converge towards the poles: wider cells
    --step;
    if (lat > 80 || lat < -80) --step;
  }
  return step < 1 ? 1 : step > kMaxStep ? kMaxStep : step;
}

SearchArea search_area(const Shape& shape) {
  Area box = bounding_box(shape);
  int step = estimate_steps(reach(shape), shape.centre.lat);
  Cells c = cells_around(shape.centre, step);
  if (step > 1 && too_fine(c, box)) c = cells_around(shape.centre, --step);
  if (step >= 2) drop_useless(c, box);
  SearchArea out;
  for (size_t i = 0; i < 9; ++i) {
    if (!c.used[i]) continue;
    // Near the poles or with a huge range, adjacent neighbours can be one cell.
    if (out.count > 0 && out.cells[out.count - 1] == c.at[i]) continue;
    out.cells[out.count++] = c.at[i];
  }
  return out;
}

ScoreSpan scores_of(Cell cell) {
  int shift = 2 * (kMaxStep - cell.step);
  return {static_cast<double>(cell.bits << shift), static_cast<double>((cell.bits + 1) << shift)};
}

}  // namespace cachet::server::geo
