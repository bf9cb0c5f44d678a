/* SPDX-License-Identifier: MIT */
/* Stand-in for <zephyr/kernel.h> (see ../../README.md). */
#ifndef ZEPHYR_KERNEL_STUB_H
#define ZEPHYR_KERNEL_STUB_H
#include <stdint.h>

typedef struct { int64_t ticks; } k_timeout_t;
#define K_MSEC(ms) ((k_timeout_t){(int64_t)(ms)})
#define K_FOREVER ((k_timeout_t){-1})

struct k_spinlock { int locked; };
typedef struct { unsigned int key; } k_spinlock_key_t;
k_spinlock_key_t k_spin_lock(struct k_spinlock *l);
void k_spin_unlock(struct k_spinlock *l, k_spinlock_key_t key);

struct k_sem { unsigned int count, limit; };
#define K_SEM_DEFINE(name, initial_count, count_limit) \
    struct k_sem name = {(initial_count), (count_limit)}
int k_sem_take(struct k_sem *sem, k_timeout_t timeout);
void k_sem_give(struct k_sem *sem);

int64_t k_uptime_get(void);
uint32_t k_uptime_get_32(void);
#endif
