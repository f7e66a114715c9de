// cachet::json against simdjson (DOM), RapidJSON and nlohmann/json on the standard corpus:
// parse with full validation into a DOM, and serialize that DOM back to compact JSON.
// Run through bench/json_compare.py, which repeats, takes medians and prints ratios.
#include <benchmark/benchmark.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <simdjson.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cachet/json/document.h"
#include "cachet/json/mapping.h"
#include "cachet/json/writer.h"

namespace {

std::string corpus_dir() {
  const char* dir = std::getenv("CACHET_JSON_CORPUS");
  return dir != nullptr ? dir : CACHET_JSON_DATA "/corpus";
}

const std::string& corpus(const std::string& name) {
  static std::map<std::string, std::string> cache;
  auto it = cache.find(name);
  if (it != cache.end()) return it->second;
  std::ifstream in(corpus_dir() + "/" + name + ".json", std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return cache[name] = s.str();
}

void set_bytes(benchmark::State& state, size_t n) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n));
}

#define REQUIRE(cond, what)    \
  if (!(cond)) {               \
    state.SkipWithError(what); \
    return;                    \
  }

void parse_cachet(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  REQUIRE(!text.empty(), "corpus missing");
  cachet::json::document doc;
  for (auto _ : state) {
    auto st = doc.parse(text);
    benchmark::DoNotOptimize(st);
    REQUIRE(st.ok(), "parse failed");
  }
  set_bytes(state, text.size());
}

void parse_simdjson(benchmark::State& state, const std::string& name) {
  simdjson::padded_string text(corpus(name));
  REQUIRE(text.size() != 0, "corpus missing");
  simdjson::dom::parser parser;
  for (auto _ : state) {
    simdjson::dom::element e;
    auto err = parser.parse(text).get(e);
    REQUIRE(!err, "parse failed");
    benchmark::DoNotOptimize(e);
  }
  set_bytes(state, text.size());
}

constexpr unsigned kRapidFlags =
    rapidjson::kParseValidateEncodingFlag | rapidjson::kParseFullPrecisionFlag;

void parse_rapidjson(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  REQUIRE(!text.empty(), "corpus missing");
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse<kRapidFlags>(text.data(), text.size());
    REQUIRE(!d.HasParseError(), "parse failed");
    benchmark::DoNotOptimize(d);
  }
  set_bytes(state, text.size());
}

void parse_nlohmann(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  REQUIRE(!text.empty(), "corpus missing");
  for (auto _ : state) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    REQUIRE(!j.is_discarded(), "parse failed");
    benchmark::DoNotOptimize(j);
  }
  set_bytes(state, text.size());
}

void serialize_cachet(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  auto doc = cachet::json::parse(text);
  REQUIRE(doc.ok(), "parse failed");
  cachet::json::buffer out;
  for (auto _ : state) {
    out.clear();
    REQUIRE(cachet::json::serialize(doc->root(), out).ok(), "serialize failed");
    benchmark::DoNotOptimize(out.view().data());
  }
  set_bytes(state, text.size());
}

void serialize_simdjson(benchmark::State& state, const std::string& name) {
  simdjson::padded_string text(corpus(name));
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  REQUIRE(!parser.parse(text).get(e), "parse failed");
  for (auto _ : state) {
    std::string out = simdjson::minify(e);
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, text.size());
}

void serialize_rapidjson(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  rapidjson::Document d;
  d.Parse<kRapidFlags>(text.data(), text.size());
  REQUIRE(!d.HasParseError(), "parse failed");
  rapidjson::StringBuffer out;
  for (auto _ : state) {
    out.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    d.Accept(w);
    benchmark::DoNotOptimize(out.GetString());
  }
  set_bytes(state, text.size());
}

void serialize_nlohmann(benchmark::State& state, const std::string& name) {
  auto j = nlohmann::json::parse(corpus(name));
  for (auto _ : state) {
    std::string out = j.dump();
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, corpus(name).size());
}

// Struct round trip over canada.json (GeoJSON): text -> C++ structs -> text.
namespace geo {
struct props {
  std::string name;
};
struct shape {
  std::string type;
  std::vector<std::vector<std::vector<double>>> coordinates;
};
struct feature {
  std::string type;
  props properties;
  shape geometry;
};
struct collection {
  std::string type;
  std::vector<feature> features;
};
CACHET_JSON_FIELDS(props, name)
CACHET_JSON_FIELDS(shape, type, coordinates)
CACHET_JSON_FIELDS(feature, type, properties, geometry)
CACHET_JSON_FIELDS(collection, type, features)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(props, name)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(shape, type, coordinates)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(feature, type, properties, geometry)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(collection, type, features)

// RapidJSON has no mapping: the code a user would write by hand.
collection from_rapidjson(const rapidjson::Value& v) {
  collection c;
  c.type = v["type"].GetString();
  for (const auto& f : v["features"].GetArray()) {
    feature& out = c.features.emplace_back();
    out.type = f["type"].GetString();
    out.properties.name = f["properties"]["name"].GetString();
    out.geometry.type = f["geometry"]["type"].GetString();
    for (const auto& ring : f["geometry"]["coordinates"].GetArray()) {
      auto& r = out.geometry.coordinates.emplace_back();
      for (const auto& point : ring.GetArray()) {
        auto& p = r.emplace_back();
        for (const auto& x : point.GetArray()) p.push_back(x.GetDouble());
      }
    }
  }
  return c;
}

template <typename W>
void to_rapidjson(W& w, const collection& c) {
  w.StartObject();
  w.Key("type");
  w.String(c.type.c_str());
  w.Key("features");
  w.StartArray();
  for (const feature& f : c.features) {
    w.StartObject();
    w.Key("type");
    w.String(f.type.c_str());
    w.Key("properties");
    w.StartObject();
    w.Key("name");
    w.String(f.properties.name.c_str());
    w.EndObject();
    w.Key("geometry");
    w.StartObject();
    w.Key("type");
    w.String(f.geometry.type.c_str());
    w.Key("coordinates");
    w.StartArray();
    for (const auto& ring : f.geometry.coordinates) {
      w.StartArray();
      for (const auto& point : ring) {
        w.StartArray();
        for (double x : point) w.Double(x);
        w.EndArray();
      }
      w.EndArray();
    }
    w.EndArray();
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
}
}  // namespace geo

void roundtrip_cachet(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  cachet::json::document doc;
  cachet::json::buffer out;
  for (auto _ : state) {
    REQUIRE(doc.parse(text).ok(), "parse failed");
    geo::collection c;
    REQUIRE(cachet::json::from_json(doc.root(), c).ok(), "mapping failed");
    out.clear();
    cachet::json::writer w(out);
    cachet::json::to_json(w, c);
    REQUIRE(w.finish().ok(), "serialize failed");
    benchmark::DoNotOptimize(out.view().data());
  }
  set_bytes(state, text.size());
}

void roundtrip_rapidjson(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  rapidjson::StringBuffer out;
  for (auto _ : state) {
    rapidjson::Document d;
    d.Parse<kRapidFlags>(text.data(), text.size());
    REQUIRE(!d.HasParseError(), "parse failed");
    geo::collection c = geo::from_rapidjson(d);
    out.Clear();
    rapidjson::Writer<rapidjson::StringBuffer> w(out);
    geo::to_rapidjson(w, c);
    benchmark::DoNotOptimize(out.GetString());
  }
  set_bytes(state, text.size());
}

void roundtrip_nlohmann(benchmark::State& state, const std::string& name) {
  const std::string& text = corpus(name);
  for (auto _ : state) {
    geo::collection c = nlohmann::json::parse(text).get<geo::collection>();
    std::string out = nlohmann::json(c).dump();
    benchmark::DoNotOptimize(out.data());
  }
  set_bytes(state, text.size());
}

void register_all() {
  using fn = void (*)(benchmark::State&, const std::string&);
  struct entry {
    const char* op;
    const char* lib;
    fn f;
  };
  const entry entries[] = {
      {"parse", "cachet", parse_cachet},
      {"parse", "simdjson", parse_simdjson},
      {"parse", "rapidjson", parse_rapidjson},
      {"parse", "nlohmann", parse_nlohmann},
      {"serialize", "cachet", serialize_cachet},
      {"serialize", "simdjson", serialize_simdjson},
      {"serialize", "rapidjson", serialize_rapidjson},
      {"serialize", "nlohmann", serialize_nlohmann},
  };
  for (const char* file : {"twitter", "citm_catalog", "canada"}) {
    for (const entry& e : entries) {
      std::string name = std::string(e.op) + "/" + file + "/" + e.lib;
      benchmark::RegisterBenchmark(name.c_str(), e.f, std::string(file));
    }
  }
  // simdjson has no serializer for user types, so it has no struct round trip.
  const entry roundtrips[] = {{"roundtrip", "cachet", roundtrip_cachet},
                              {"roundtrip", "rapidjson", roundtrip_rapidjson},
                              {"roundtrip", "nlohmann", roundtrip_nlohmann}};
  for (const entry& e : roundtrips) {
    std::string name = std::string(e.op) + "/canada/" + e.lib;
    benchmark::RegisterBenchmark(name.c_str(), e.f, std::string("canada"));
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
