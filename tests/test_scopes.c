#include "test.h"

void register_scopes_tests(void) {}
