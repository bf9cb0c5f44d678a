/* SPDX-License-Identifier: MIT */
/* Stand-in for "freertos/task.h" of ESP-IDF (see ../../README.md). */
#ifndef FREERTOS_TASK_STUB_H
#define FREERTOS_TASK_STUB_H
#include "freertos/FreeRTOS.h"

typedef struct tskTaskControlBlock *TaskHandle_t;
TaskHandle_t xTaskGetCurrentTaskHandle(void);
uint32_t ulTaskNotifyTake(BaseType_t xClearCountOnExit, TickType_t xTicksToWait);
BaseType_t xTaskNotifyGive(TaskHandle_t xTaskToNotify);
void vTaskNotifyGiveFromISR(TaskHandle_t xTaskToNotify, BaseType_t *pxHigherPriorityTaskWoken);
#endif
