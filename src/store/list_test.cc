#include "store/list.h"

#include <gtest/gtest.h>
