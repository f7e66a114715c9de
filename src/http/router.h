// Routes "METHOD /path/{param}/..." patterns to handlers; distinguishes "no such path" (404) from
// "path exists, method does not" (405 with the Allow list).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace cachet::http {

class Router {
 public:
  // Adds a route: `pattern` segments are literals or "{name}" (one whole segment, non-empty).
  // `id` is returned by match(). HEAD matches GET routes.
  void add(std::string_view method, std::string_view pattern, int id);

  struct Match {
    enum Kind { kFound, kNotFound, kMethodNotAllowed } kind = kNotFound;
    int id = -1;
    std::vector<std::string_view> params;  // in pattern order; views into the matched path
    std::string allow;                     // for kMethodNotAllowed: "GET, HEAD, PUT"
  };
  Match match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{}" marks a parameter
    int id;
  };
  static bool matches(const Route& r, std::string_view path, std::vector<std::string_view>* params);
  std::vector<Route> routes_;
};

}  // namespace cachet::http
