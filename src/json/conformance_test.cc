// The JSON_checker suite and the round-trip files from ../shared/data/json (skipped when absent).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cachet/json/document.h"
#include "cachet/json/writer.h"

namespace cachet::json {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<fs::path> files_in(const char* sub) {
  fs::path dir = fs::path(CACHET_JSON_DATA) / sub;
  std::vector<fs::path> out;
  if (!fs::is_directory(dir)) return out;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".json") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

#define SKIP_IF_NO_DATA(files)                                      \
  if ((files).empty())                                              \
  GTEST_SKIP() << "conformance data not found at " CACHET_JSON_DATA \
                  " (../shared is absent); skipping"

TEST(Conformance, JsonChecker) {
  auto files = files_in("conformance/jsonchecker");
  SKIP_IF_NO_DATA(files);
  int accepted = 0, rejected = 0;
  for (const auto& f : files) {
    std::string name = f.filename().string();
    bool must_pass = name.starts_with("pass") || name.find("_EXCLUDE") != std::string::npos;
    for (simd_kernel k : supported_kernels()) {
      auto doc = parse(slurp(f), {.kernel = k});
      EXPECT_EQ(doc.ok(), must_pass)
          << name << " with " << json::name(k) << (doc.ok() ? "" : ": " + to_string(doc.error()));
    }
    (must_pass ? accepted : rejected)++;
  }
  EXPECT_EQ(accepted, 5);
  EXPECT_EQ(rejected, 31);
}

TEST(Conformance, RoundTripByteForByte) {
  auto files = files_in("conformance/roundtrip");
  SKIP_IF_NO_DATA(files);
  EXPECT_EQ(files.size(), 27u);
  for (const auto& f : files) {
    std::string text = slurp(f);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    auto doc = parse(text);
    ASSERT_TRUE(doc.ok()) << f;
    EXPECT_EQ(to_string(doc->root()).value(), text) << f;
  }
}

}  // namespace
}  // namespace cachet::json
