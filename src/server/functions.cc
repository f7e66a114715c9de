// The function library registry (functions.h); the Lua side is in scripting.cc.
#include "server/functions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <unordered_map>

#include "resp/parser.h"
#include "server/args.h"
#include "server/rdb.h"
#include "server/scripting.h"

namespace cachet::server {
namespace {

// Estimated bookkeeping bytes per library and per function (map nodes, control blocks).
constexpr size_t kLibraryOverhead = 160;
constexpr size_t kFunctionOverhead = 112;

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<const Library>, std::less<>> libraries;  // by name
  // By lowercase name: FCALL finds functions case-insensitively, as Redis does.
  std::unordered_map<std::string, FoundFunction> functions;
  size_t bytes = 0;
  std::atomic<uint64_t> generation{0};  // flushes
  std::atomic<uint64_t> version{0};     // removals
  std::unordered_map<uint64_t, const Library*> by_id;
  std::atomic<uint64_t> next_id{1};
};

Registry& registry() {
  static Registry r;
  return r;
}

size_t library_bytes(const Library& library) {
  size_t n = kLibraryOverhead + library.name.size() + library.code.size();
  for (const auto& f : library.functions) {
    n += kFunctionOverhead + f->name.size() + (f->description ? f->description->size() : 0);
  }
  return n;
}

// Adds a library and its functions (the caller holds r.mutex and checked every name).
void link(Registry& r, std::shared_ptr<const Library> library) {
  for (const auto& f : library->functions) {
    r.functions[lowercase(f->name)] = FoundFunction{library, f.get()};
  }
  r.bytes += library_bytes(*library);
  r.by_id.emplace(library->id, library.get());
  r.libraries.emplace(library->name, std::move(library));
}

// Removes every library (the caller holds r.mutex).
void clear(Registry& r) {
  r.libraries.clear();
  r.functions.clear();
  r.by_id.clear();
  r.bytes = 0;
  r.generation.fetch_add(1, std::memory_order_release);
  r.version.fetch_add(1, std::memory_order_release);
}

// Removes a library and its functions (the caller holds r.mutex).
void unlink(Registry& r, const Library& library) {
  std::erase_if(r.functions, [&](const auto& kv) { return kv.second.library.get() == &library; });
  r.bytes -= library_bytes(library);
  r.by_id.erase(library.id);
  r.libraries.erase(library.name);
  r.version.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const Library> find_library(Registry& r, std::string_view name) {
  auto it = r.libraries.find(name);
  return it == r.libraries.end() ? nullptr : it->second;
}

// The first function of `library` that another library than those in `replaced` already has:
// Redis's "Function x already exists" (the caller holds r.mutex).
std::string function_collision(Registry& r, const Library& library,
                               std::span<const std::shared_ptr<const Library>> replaced) {
  for (const auto& f : library.functions) {
    auto it = r.functions.find(lowercase(f->name));
    if (it == r.functions.end()) continue;
    bool is_replaced = std::any_of(replaced.begin(), replaced.end(), [&](const auto& old) {
      return old.get() == it->second.library.get();
    });
    if (!is_replaced) return fmt::format("ERR Function {} already exists", f->name);
  }
  return "";
}

// The metadata checks before any code runs: metadata, library name, engine.
std::optional<LibraryMetadata> prepare(std::string_view code, std::string& error) {
  std::optional<LibraryMetadata> meta{std::in_place};
  if (std::string text = parse_library_metadata(code, *meta); !text.empty()) {
    error = "ERR " + text;
    return std::nullopt;
  }
  if (!valid_function_name(meta->name)) {
    error =
        "ERR Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long";
    return std::nullopt;
  }
  if (!iequals(meta->engine, "lua")) {
    error = fmt::format("ERR Engine '{}' not found", meta->engine);
    return std::nullopt;
  }
  return meta;
}

// Evaluates the library on this thread and builds it (not yet in the registry).
std::shared_ptr<Library> evaluate(const LibraryMetadata& meta, std::string_view code,
                                  const store::Clock& clock, std::string& error) {
  uint64_t id = registry().next_id.fetch_add(1, std::memory_order_relaxed);
  LibraryEval eval = evaluate_library(id, meta.body, clock);
  if (eval.error.empty() && eval.functions.empty()) eval.error = "ERR No functions registered";
  if (!eval.error.empty()) {
    forget_library(id);
    error = std::move(eval.error);
    return nullptr;
  }
  auto library = std::make_shared<Library>();
  library->id = id;
  library->name = meta.name;
  library->code = std::string(code);
  library->functions = std::move(eval.functions);
  std::sort(library->functions.begin(), library->functions.end(),
            [](const auto& a, const auto& b) { return a->name < b->name; });
  return library;
}

// Reads one library record of a DUMP payload (either of Redis 7.0's record types) into `code`;
// returns Redis's error text, empty on success.
std::string read_library_code(rdb::Reader& in, uint8_t type, std::string& code) {
  if (type == rdb::kOpcodeFunction2) {
    auto payload = in.string();
    if (!payload) return "ERR Failed loading library payload";
    code = std::move(*payload);
    return "";
  }
  // 7.0-rc1/rc2: name, engine, description (with a presence flag), code without metadata.
  auto name = in.string();
  if (!name) return "ERR Failed loading library name";
  auto engine = in.string();
  if (!engine) return "ERR Failed loading engine name";
  auto has_description = in.length();
  if (!has_description) return "ERR Failed loading library description indicator";
  if (*has_description && !in.string()) return "ERR Failed loading library description";
  auto blob = in.string();
  if (!blob) return "ERR Failed loading library blob";
  code = fmt::format("#!{} name={}\n{}", *engine, *name, *blob);
  return "";
}

// Reads and evaluates every library of a verified payload; Redis's error text on failure.
std::string read_payload(std::string_view payload, const store::Clock& clock,
                         std::vector<std::shared_ptr<const Library>>& out) {
  rdb::Reader in(payload.substr(0, payload.size() - rdb::kFooterSize));
  while (in.remaining() > 0) {
    auto type = in.type();
    if (type != rdb::kOpcodeFunction && type != rdb::kOpcodeFunction2) {
      return "ERR given type is not a function";
    }
    std::string code;
    std::string error = read_library_code(in, *type, code);
    if (!error.empty()) return error;
    auto meta = prepare(code, error);
    if (!meta) return error;
    for (const auto& other : out) {
      if (other->name == meta->name) {
        return fmt::format("ERR Library '{}' already exists", meta->name);
      }
    }
    auto library = evaluate(*meta, code, clock, error);
    if (!library) return error;
    for (const auto& f : library->functions) {
      for (const auto& other : out) {
        for (const auto& g : other->functions) {
          if (iequals(f->name, g->name)) {
            return fmt::format("ERR Function {} already exists", f->name);
          }
        }
      }
    }
    out.push_back(std::move(library));
  }
  return "";
}

// Adds restored libraries under APPEND or REPLACE (Redis's libraryJoin).
std::string join(Registry& r, std::span<const std::shared_ptr<const Library>> restored,
                 bool replace) {
  std::vector<std::shared_ptr<const Library>> replaced;
  for (const auto& library : restored) {
    auto old = find_library(r, library->name);
    if (!old) continue;
    if (!replace) return fmt::format("ERR Library {} already exists", library->name);
    replaced.push_back(std::move(old));
  }
  for (const auto& library : restored) {
    if (std::string error = function_collision(r, *library, replaced); !error.empty()) {
      return error;
    }
  }
  for (const auto& old : replaced) unlink(r, *old);
  for (const auto& library : restored) link(r, library);
  return "";
}

}  // namespace

std::string parse_library_metadata(std::string_view code, LibraryMetadata& meta) {
  if (!code.starts_with("#!")) return "Missing library metadata";
  size_t eol = code.find('\n');
  std::vector<std::string> parts;
  if (eol == std::string_view::npos || !resp::split_inline_args(code.substr(0, eol), parts) ||
      parts.empty()) {
    return "Invalid library metadata";
  }
  meta = LibraryMetadata{.engine = parts[0].substr(2), .name = {}, .body = code.substr(eol)};
  bool named = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    std::string_view part = parts[i];
    if (!iequals(part.substr(0, 5), "name=")) {
      return fmt::format("Invalid metadata value given: {}", part);
    }
    if (std::exchange(named, true)) {
      return "Invalid metadata value, name argument was given multiple times";
    }
    meta.name = std::string(part.substr(5));
  }
  return named ? "" : "Library name was not given";
}

bool valid_function_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

LoadOutcome load_library(std::string_view code, bool replace, const store::Clock& clock) {
  Registry& r = registry();
  std::string error;
  auto meta = prepare(code, error);
  if (!meta) return {"", error};
  auto exists = [&] {
    std::lock_guard lock(r.mutex);
    return find_library(r, meta->name) != nullptr;
  };
  if (!replace && exists()) {
    return {"", fmt::format("ERR Library '{}' already exists", meta->name)};
  }
  auto library = evaluate(*meta, code, clock, error);
  if (!library) return {"", error};
  std::lock_guard lock(r.mutex);
  std::vector<std::shared_ptr<const Library>> replaced;
  if (auto old = find_library(r, meta->name)) replaced.push_back(std::move(old));
  if (!replace && !replaced.empty()) {  // loaded meanwhile by another client
    error = fmt::format("ERR Library '{}' already exists", meta->name);
  } else {
    error = function_collision(r, *library, replaced);
  }
  if (!error.empty()) {
    forget_library(library->id);
    return {"", error};
  }
  for (const auto& old : replaced) unlink(r, *old);
  link(r, library);
  return {meta->name, ""};
}

bool delete_library(std::string_view name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto library = find_library(r, name);
  if (!library) return false;
  unlink(r, *library);
  return true;
}

void flush_functions() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  clear(r);
}

std::vector<std::shared_ptr<const Library>> list_libraries() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::vector<std::shared_ptr<const Library>> out;
  out.reserve(r.libraries.size());
  for (const auto& [name, library] : r.libraries) out.push_back(library);
  return out;
}

FoundFunction find_function(std::string_view name) {
  Registry& r = registry();
  std::string key = lowercase(name);
  std::lock_guard lock(r.mutex);
  auto it = r.functions.find(key);
  return it == r.functions.end() ? FoundFunction{} : it->second;
}

std::string dump_functions() {
  std::string out;
  for (const auto& library : list_libraries()) {
    out.push_back(static_cast<char>(rdb::kOpcodeFunction2));
    rdb::append_string(out, library->code);
  }
  rdb::append_footer(out);
  return out;
}

std::string restore_functions(std::string_view payload, RestorePolicy policy,
                              const store::Clock& clock) {
  if (!rdb::verify_payload(payload)) return "ERR DUMP payload version or checksum are wrong";
  std::vector<std::shared_ptr<const Library>> restored;
  std::string error = read_payload(payload, clock, restored);
  if (error.empty()) {
    Registry& r = registry();
    std::lock_guard lock(r.mutex);
    if (policy == RestorePolicy::kFlush) {
      clear(r);
      for (const auto& library : restored) link(r, library);
      return "";
    }
    error = join(r, restored, policy == RestorePolicy::kReplace);
  }
  if (!error.empty()) {
    for (const auto& library : restored) forget_library(library->id);
  }
  return error;
}

uint64_t function_generation() { return registry().generation.load(std::memory_order_acquire); }

uint64_t library_version() { return registry().version.load(std::memory_order_acquire); }

bool library_loaded(uint64_t id) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  return r.by_id.contains(id);
}

FunctionCounts function_counts() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  FunctionCounts counts{.libraries = r.libraries.size(), .functions = 0, .bytes = r.bytes};
  for (const auto& [name, library] : r.libraries) counts.functions += library->functions.size();
  return counts;
}

}  // namespace cachet::server
