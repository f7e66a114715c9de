#include "store/set.h"

namespace cachet::store::set {

void destroy(Entry*) {}
size_t heap_bytes(const Entry*) { return 0; }

}  // namespace cachet::store::set
