// cachet-json: check, pretty-print, minify and query JSON from the command line.
//
//   cachet-json check [FILE|-]              exit 0 when valid, 1 with FILE:LINE:COL: message
//   cachet-json fmt [--indent N] [FILE|-]   pretty-print (default indent 2)
//   cachet-json min [FILE|-]                minify
//   cachet-json get POINTER [FILE|-]        print the value at a JSON Pointer (RFC 6901)
//
// Exit status: 0 success, 1 invalid JSON or pointer not found, 2 usage or I/O error.
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "cachet/json/document.h"
#include "cachet/json/pointer.h"
#include "cachet/json/writer.h"

namespace {

namespace json = cachet::json;

constexpr int kOk = 0, kInvalid = 1, kUsage = 2;

constexpr const char* kUsageText =
    "usage: cachet-json check [FILE|-]\n"
    "       cachet-json fmt [--indent N] [FILE|-]\n"
    "       cachet-json min [FILE|-]\n"
    "       cachet-json get POINTER [FILE|-]\n"
    "Reads standard input when FILE is - or absent. Exit status: 0 ok, 1 invalid JSON or\n"
    "pointer not found, 2 usage or I/O error.\n";

int usage(const std::string& why) {
  std::fprintf(stderr, "cachet-json: %s\n%s", why.c_str(), kUsageText);
  return kUsage;
}

// Reads all of `path` ("-" is standard input) into `out`; prints the error and returns false.
bool read_input(const std::string& path, std::string& out) {
  FILE* f = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    std::fprintf(stderr, "cachet-json: cannot open %s: %s\n", path.c_str(), std::strerror(errno));
    return false;
  }
  char chunk[65536];
  size_t n;
  while ((n = std::fread(chunk, 1, sizeof chunk, f)) > 0) out.append(chunk, n);
  bool failed = std::ferror(f) != 0;
  int saved = errno;
  if (f != stdin) std::fclose(f);
  if (failed) {
    std::fprintf(stderr, "cachet-json: cannot read %s: %s\n", path.c_str(), std::strerror(saved));
  }
  return !failed;
}

struct command_line {
  std::string command;
  std::vector<std::string> operands;
  int indent = 2;
};

// Parses flags and operands; returns an error message or "".
std::string parse_args(int argc, char** argv, command_line& cl) {
  if (argc < 2) return "missing command";
  cl.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--indent" && cl.command == "fmt") {
      if (++i == argc) return "--indent needs a number";
      std::string_view n = argv[i];
      auto [p, ec] = std::from_chars(n.data(), n.data() + n.size(), cl.indent);
      if (ec != std::errc() || p != n.data() + n.size() || cl.indent < 0 || cl.indent > 16) {
        return "--indent must be a number from 0 to 16";
      }
    } else if (a.size() > 1 && a[0] == '-' && a != "-") {
      return "unknown option " + std::string(a);
    } else {
      cl.operands.emplace_back(a);
    }
  }
  return "";
}

int run(const command_line& cl) {
  bool is_get = cl.command == "get";
  if (!is_get && cl.command != "check" && cl.command != "fmt" && cl.command != "min") {
    return usage("unknown command " + cl.command);
  }
  size_t needed = is_get ? 1 : 0;
  if (cl.operands.size() < needed || cl.operands.size() > needed + 1) {
    return usage("wrong number of operands for " + cl.command);
  }
  std::string path = cl.operands.size() > needed ? cl.operands.back() : "-";
  std::string name = path == "-" ? "<stdin>" : path;
  std::string input;
  if (!read_input(path, input)) return kUsage;
  auto doc = json::parse(input);
  if (!doc) {
    const json::error& e = doc.error();
    std::fprintf(stderr, "%s:%zu:%zu: %s\n", name.c_str(), e.line, e.column, e.message.c_str());
    return kInvalid;
  }
  if (cl.command == "check") return kOk;
  json::element target = doc->root();
  if (is_get) {
    auto found = json::at_pointer(target, cl.operands[0]);
    if (!found) {
      std::fprintf(stderr, "%s: %s: %s\n", name.c_str(), cl.operands[0].c_str(),
                   found.error().message.c_str());
      return kInvalid;
    }
    target = *found;
  }
  json::buffer out;
  (void)json::serialize(target, out, {.indent = cl.command == "fmt" ? cl.indent : 0});
  out.append("\n");
  std::fwrite(out.view().data(), 1, out.size(), stdout);
  return std::fflush(stdout) == 0 ? kOk : kUsage;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::fputs(kUsageText, stdout);
    return kOk;
  }
  command_line cl;
  if (std::string why = parse_args(argc, argv, cl); !why.empty()) return usage(why);
  return run(cl);
}
