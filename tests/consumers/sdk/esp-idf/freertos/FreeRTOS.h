/* SPDX-License-Identifier: MIT */
/* Stand-in for "freertos/FreeRTOS.h" of ESP-IDF (see ../../README.md). */
#ifndef FREERTOS_STUB_H
#define FREERTOS_STUB_H
#include <stdint.h>

typedef uint32_t TickType_t;
typedef int BaseType_t;
#define pdTRUE ((BaseType_t)1)
#define pdFALSE ((BaseType_t)0)
#define portMAX_DELAY ((TickType_t)0xffffffffUL)
#define portTICK_PERIOD_MS ((TickType_t)10)
#define pdMS_TO_TICKS(ms) ((TickType_t)((ms) / portTICK_PERIOD_MS))

typedef struct { uint32_t owner, count; } portMUX_TYPE;
#define portMUX_INITIALIZER_UNLOCKED {0xB33FFFFFu, 0}
void vPortEnterCritical(portMUX_TYPE *mux);
void vPortExitCritical(portMUX_TYPE *mux);
#define portENTER_CRITICAL_SAFE(mux) vPortEnterCritical(mux)
#define portEXIT_CRITICAL_SAFE(mux) vPortExitCritical(mux)
#define portYIELD_FROM_ISR(woken) ((void)(woken))
#endif
