#include "store/set.h"

#include <gtest/gtest.h>
