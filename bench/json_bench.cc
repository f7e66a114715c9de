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
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
