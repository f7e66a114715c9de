#include "http/router.h"

namespace cachet::http {
namespace {

// Splits "/a/b" into {"a", "b"}; "/" gives {""}.
std::vector<std::string_view> split(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path[0] == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, int id) {
  Route r{std::string(method), {}, id};
  for (std::string_view s : split(pattern)) {
    r.segments.emplace_back(s.size() > 2 && s.front() == '{' && s.back() == '}' ? "{}" : s);
  }
  routes_.push_back(std::move(r));
}

bool Router::matches(const Route& r, std::string_view path, std::vector<std::string_view>* params) {
  std::vector<std::string_view> parts = split(path);
  if (parts.size() != r.segments.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (r.segments[i] == "{}") {
      if (parts[i].empty()) return false;
      if (params != nullptr) params->push_back(parts[i]);
    } else if (r.segments[i] != parts[i]) {
      return false;
    }
  }
  return true;
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  std::string_view wanted = method == "HEAD" ? "GET" : method;
  for (const Route& r : routes_) {
    if (!matches(r, path, nullptr)) continue;
    if (r.method == wanted) {
      m.kind = Match::kFound;
      m.id = r.id;
      m.params.clear();
      matches(r, path, &m.params);
      return m;
    }
    m.kind = Match::kMethodNotAllowed;
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += r.method;
    if (r.method == "GET") m.allow += ", HEAD";
  }
  return m;
}

}  // namespace cachet::http
