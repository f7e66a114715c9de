#include "store/hll.h"

#include <gtest/gtest.h>
