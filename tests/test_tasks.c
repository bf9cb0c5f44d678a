#include "test.h"

void register_tasks_tests(void) {}
