// (being written)
#include "store/strings.h"
