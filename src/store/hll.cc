// (being written)
#include "store/hll.h"
