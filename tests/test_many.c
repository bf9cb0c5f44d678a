#include "test.h"

void register_many_tests(void) {}
