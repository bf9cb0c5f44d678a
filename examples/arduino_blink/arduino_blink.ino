/* SPDX-License-Identifier: MIT */
/* aio_timeout.h on an Arduino Uno: a blinking LED and a serial reader, each
 * waiting with a timeout, cancelled from loop() when the session is over.
 *
 *   - The LED task blinks every 500 ms, without drift (it sleeps until the
 *     next instant of its period); a 'p' on the serial line pauses it until
 *     the next byte (an event wait with a 5 s timeout: then it goes on).
 *   - The reader waits for each byte with a 2 s timeout and says so when none
 *     came. It polls the serial buffer every 10 ms (Arduino's Serial has no
 *     interrupt hook of its own).
 *   - loop() steps the tasks (a super-loop, as the Arduino core wants) and
 *     cancels both after 5 s, midway between two of the reader's timeouts;
 *     their cleanup turns the LED off and says why.
 *     Then the board sleeps.
 *
 * Install: the repository is an Arduino library (library.properties at its
 * root): copy it to your sketchbook's libraries/ folder, or add it as a ZIP.
 * The sketch includes aio_timeout_core.h, the core alone (no sockets,
 * threads or processes: a board has none); <aio_timeout.h> builds it the same. */
#define AIO_TIMEOUT_IMPLEMENTATION
#define AIO_STATIC
#define AIO_TIME_32   /* millis() ticks */
#define AIO_NO_STDLIB /* no hosted C library inside the header */
/* Interrupts masked around the ready queue, the flag register saved. */
#define AIO_CRITICAL_ENTER() do { uint8_t aio_sreg = SREG; cli()
#define AIO_CRITICAL_EXIT() SREG = aio_sreg; } while (0)
#include <aio_timeout_core.h>
#include <avr/sleep.h>

static aio_time board_clock(void *ctx) {
    (void)ctx;
    return millis();
}

static aio_loop loop_;
static aio_timer timers[4];
static aio_event resume; /* set by the reader after a pause */
static bool paused;

static void say(const char *what) {
    Serial.print('[');
    Serial.print(millis());
    Serial.print(" ms] ");
    Serial.println(what);
}

struct led_t {
    aio_task task;
    aio_time next;
    aio_status rc;
    bool on;
};
static led_t led;

static aio_status led_task(aio_task *t) {
    led_t *s = AIO_SELF(t, led_t);
    AIO_BEGIN(t);
    s->next = aio_now();
    for (;;) {
        if (paused) {
            say("led: paused");
            AIO_EVENT_WAIT(t, s->rc, &resume, AIO_SEC(5));
            aio_event_clear(&resume);
            paused = false;
            say(s->rc == AIO_ETIMEDOUT ? "led: no word for 5 s, blinking again" : "led: resumed");
            s->next = aio_now();
        }
        s->next += AIO_MS(500);
        AIO_SLEEP_UNTIL(t, s->next);
        s->on = !s->on;
        digitalWrite(LED_BUILTIN, s->on ? HIGH : LOW);
    }
    AIO_FINALLY(t);
    digitalWrite(LED_BUILTIN, LOW);
    say(AIO_STATUS(t) == AIO_ECANCELED ? "led: cancelled, off" : "led: stopped");
    AIO_END(t);
}

struct reader_t {
    aio_task task;
    aio_timeout wait;
    int bytes, silences;
};
static reader_t reader;

static aio_status reader_task(aio_task *t) {
    reader_t *s = AIO_SELF(t, reader_t);
    AIO_BEGIN(t);
    for (;;) {
        AIO_TIMEOUT(t, &s->wait, AIO_SEC(2)) {
            while (Serial.available() == 0) AIO_SLEEP(t, AIO_MS(10));
        }
        if (aio_timeout_status(&s->wait) == AIO_ETIMEDOUT) {
            s->silences++;
            say("reader: nothing for 2 s");
            continue;
        }
        s->bytes++;
        if (Serial.read() == 'p') paused = true;
        else if (paused) aio_event_set(&resume);
    }
    AIO_FINALLY(t);
    Serial.print("[");
    Serial.print(millis());
    Serial.print(" ms] reader: cancelled after ");
    Serial.print(s->bytes);
    Serial.print(" bytes and ");
    Serial.print(s->silences);
    Serial.println(" silences");
    AIO_END(t);
}

void setup() {
    pinMode(LED_BUILTIN, OUTPUT);
    Serial.begin(115200);
    aio_loop_init(&loop_, timers, 4);
    aio_loop_set_clock(&loop_, board_clock, NULL);
    aio_spawn(&led.task, led_task);
    aio_spawn(&reader.task, reader_task);
    say("app: blinking; send 'p' to pause");
}

void loop() {
    static bool over;
    aio_step(&loop_);
    if (!over && millis() >= 5000) { /* the session is over (not as a timeout ends) */
        over = true;
        aio_cancel(&led.task);
        aio_cancel(&reader.task);
    }
    if (over && aio_task_done(&led.task) && aio_task_done(&reader.task)) {
        say("app: session over; the board sleeps");
        Serial.flush();
        aio_loop_destroy(&loop_);
        set_sleep_mode(SLEEP_MODE_PWR_DOWN);
        cli();
        sleep_enable();
        sleep_cpu();
    }
}
