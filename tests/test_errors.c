#include "test.h"

void register_errors_tests(void) {}
