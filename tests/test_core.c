#include "test.h"

void register_core_tests(void) {}
