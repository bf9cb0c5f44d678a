/* SPDX-License-Identifier: MIT */
/* Stand-in for "esp_timer.h" of ESP-IDF (see ../README.md). */
#ifndef ESP_TIMER_STUB_H
#define ESP_TIMER_STUB_H
#include <stdint.h>
int64_t esp_timer_get_time(void);
#endif
