#include "store/list.h"

namespace cachet::store::list {

void destroy(Entry*) {}
size_t heap_bytes(const Entry*) { return 0; }

}  // namespace cachet::store::list
