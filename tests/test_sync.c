#include "test.h"

void register_sync_tests(void) {}
