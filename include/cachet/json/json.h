// cachet::json: everything (parse, element views, writer, mutable value, JSON Pointer, struct
// mapping). Include the individual headers to compile less.
#pragma once

#include "cachet/json/document.h"
#include "cachet/json/mapping.h"
#include "cachet/json/pointer.h"
#include "cachet/json/result.h"
#include "cachet/json/value.h"
#include "cachet/json/writer.h"
