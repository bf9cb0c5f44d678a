/* Linked into the firmware example's QEMU build (not part of the example):
 * under `-icount sleep=off`, where emulated time jumps ahead while the core
 * waits in WFI, QEMU 7.2 lets the core sleep past the first timer deadline to
 * a later one unless some deadline is near. The MPS2 board's dual timer,
 * counting with a 100 us period and its interrupt off, keeps one near; the
 * example never sees it. Emulated time then follows the instructions alone,
 * so every run prints the same times, whatever the host's speed or load. */
#include <stdint.h>

#define REG(a) (*(volatile uint32_t *)(a))
#define DUAL1_LOAD REG(0x40002000u) /* CMSDK dual timer, first counter */
#define DUAL1_CTRL REG(0x40002008u) /* bit 7 enable, 6 periodic, 1 32-bit */

__attribute__((constructor)) static void qemu_keepalive(void) {
    DUAL1_CTRL = 0;
    DUAL1_LOAD = 2500u - 1u; /* 100 us at 25 MHz */
    DUAL1_CTRL = 0x80u | 0x40u | 0x02u;
}
