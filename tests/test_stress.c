#include "test.h"

void register_stress_tests(void) {}
