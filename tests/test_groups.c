#include "test.h"

void register_groups_tests(void) {}
