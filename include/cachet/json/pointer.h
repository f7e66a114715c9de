// JSON Pointer (RFC 6901): "/a/b/0" addresses doc["a"]["b"][0]; "~1" stands for '/', "~0" for
// '~'; "" is the whole document; "-" as the last token of set() appends to an array.
#pragma once

#include <string_view>

#include "cachet/json/document.h"
#include "cachet/json/result.h"
#include "cachet/json/value.h"

namespace cachet::json {

// The element at `pointer` below `root`. Errors: invalid_pointer (syntax, or a non-numeric token
// on an array), no_such_key, index_out_of_bounds, type_mismatch (a token below a scalar).
result<element> at_pointer(const element& root, std::string_view pointer);

// The same over a mutable value; the pointer stays valid until the value changes.
result<value*> at_pointer(value& root, std::string_view pointer);

// Sets the value at `pointer`: replaces an existing member or item, adds a missing member to an
// existing object, appends at index size() or "-" of an existing array. "" replaces root.
status set_pointer(value& root, std::string_view pointer, value v);

// Removes the member (every duplicate) or item at `pointer`, which must exist; "" is an error.
status remove_pointer(value& root, std::string_view pointer);

}  // namespace cachet::json
