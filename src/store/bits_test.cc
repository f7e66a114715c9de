#include "store/bits.h"

#include <gtest/gtest.h>
