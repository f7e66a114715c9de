// Built against the installed cachet package: parse, map to a struct, serialize.
#include <cachet/json/json.h>

#include <cstdio>

struct point {
  double x = 0;
  double y = 0;
};
CACHET_JSON_FIELDS(point, x, y)

int main() {
  auto p = cachet::json::from_json<point>(R"({"x": 1.5, "y": -2})");
  if (!p) return 1;
  auto text = cachet::json::to_json(*p);
  if (!text || *text != R"({"x":1.5,"y":-2.0})") return 1;
  std::puts(text->c_str());
  return 0;
}
