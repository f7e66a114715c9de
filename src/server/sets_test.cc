#include "server/test_session.h"
