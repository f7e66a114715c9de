// (being written)
#include "store/bits.h"
