// Redis 7.0 functions: the process-wide registry of Lua libraries that FUNCTION LOAD, DELETE,
// FLUSH, LIST, STATS, DUMP and RESTORE manage and FCALL / FCALL_RO look functions up in. Names,
// rules, order of checks and error texts are Redis 7.0's.
//
// Libraries are shared by every worker thread; each thread runs them in its own interpreter
// (scripting.h: evaluate_library, run_function). A library has an id that is never reused: a
// thread's interpreter knows which libraries it has evaluated by id and evaluates any other on
// its first FCALL. Removing a library (DELETE, LOAD REPLACE, RESTORE REPLACE) bumps the version:
// each thread then drops the removed libraries' functions from its interpreter before its next
// function (the other libraries keep their Lua state, as in Redis). FLUSH and RESTORE FLUSH bump
// the generation too: each thread rebuilds its function interpreter, which frees it whole.
//
// Thread-safety: every function here may be called from any worker thread; the registry has one
// mutex, never held while Lua runs.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/clock.h"

namespace cachet::server {

// One function a library registered. Immutable once registered, except the lock hint.
struct FunctionInfo {
  std::string name;
  std::optional<std::string> description;
  uint32_t flags = 0;  // ScriptFlag bits (scripting.h); kScriptShebang is always set
  // Set when a run touched a key outside its declared keys: later runs lock every shard.
  mutable std::atomic<bool> needs_full_lock{false};
};

// A loaded library: immutable.
struct Library {
  uint64_t id = 0;   // unique in the process, never reused
  std::string name;  // letters, digits and underscores
  std::string code;  // the payload as loaded, shebang line included
  std::vector<std::unique_ptr<FunctionInfo>> functions;  // sorted by name
};

// What FCALL runs: the function and the library that keeps it alive.
struct FoundFunction {
  std::shared_ptr<const Library> library;
  const FunctionInfo* function = nullptr;
};

// The parts of `#!<engine> name=<name>` that Redis's functionExtractLibMetaData reads; `body` is
// the code after the shebang line, starting with its newline (so line numbers match).
struct LibraryMetadata {
  std::string engine;
  std::string name;
  std::string_view body;
};
// Parses the metadata line into `meta`; returns Redis's error text without the "ERR " prefix,
// empty on success.
std::string parse_library_metadata(std::string_view code, LibraryMetadata& meta);
// Letters, digits and underscores, at least one (library and function names).
bool valid_function_name(std::string_view name);

// FUNCTION LOAD [REPLACE]: the library's name, or Redis's error reply text ("ERR ...").
struct LoadOutcome {
  std::string name;
  std::string error;
};
LoadOutcome load_library(std::string_view code, bool replace, const store::Clock& clock);
// FUNCTION DELETE: false when there is no such library.
bool delete_library(std::string_view name);
// FUNCTION FLUSH (and RESTORE FLUSH): removes every library.
void flush_functions();
// FUNCTION LIST: the libraries sorted by name.
std::vector<std::shared_ptr<const Library>> list_libraries();
// FCALL: the function of this name (case-insensitive, as Redis), or an empty result.
FoundFunction find_function(std::string_view name);
// FUNCTION DUMP: every library as an RDB function record, then the DUMP footer.
std::string dump_functions();
// FUNCTION RESTORE: returns Redis's error reply text, empty on success.
enum class RestorePolicy { kAppend, kReplace, kFlush };
std::string restore_functions(std::string_view payload, RestorePolicy policy,
                              const store::Clock& clock);

// Bumped by FLUSH and RESTORE FLUSH (see above).
uint64_t function_generation();
// Bumped whenever a library is removed (see above).
uint64_t library_version();
// Whether the library with this id is loaded.
bool library_loaded(uint64_t id);

// FUNCTION STATS and INFO memory: the number of libraries and functions, and the bytes the
// registry holds (used_memory_functions).
struct FunctionCounts {
  size_t libraries = 0;
  size_t functions = 0;
  size_t bytes = 0;
};
FunctionCounts function_counts();

}  // namespace cachet::server
