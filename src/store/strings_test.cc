#include "store/strings.h"

#include <gtest/gtest.h>
