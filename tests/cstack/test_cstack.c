/* Standalone test of the stack slicing primitive (Stackless/platf).
 * No Python here: contexts, switches, deep stacks, values, FP state and
 * threads.  Prints "PASS: name" per test; exits non-zero on the first
 * failure.  Built natively and, for AArch64, under qemu-user (run.sh). */

#include "cstack.h"

#include <fenv.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CHECK(cond)                                                     \
    do {                                                                \
        if (!(cond)) {                                                  \
            fprintf(stderr, "FAIL: %s:%d: %s\n", __FILE__, __LINE__,    \
                    #cond);                                             \
            exit(1);                                                    \
        }                                                               \
    } while (0)

static int passed;                      /* PASS lines printed */

static void
pass(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    flockfile(stdout);
    fputs("PASS: ", stdout);
    vprintf(fmt, ap);
    fputc('\n', stdout);
    __atomic_add_fetch(&passed, 1, __ATOMIC_SEQ_CST);
    funlockfile(stdout);
    va_end(ap);
}

/* Where every context of a thread starts: near the top of the thread's
   stack, above all frames that switch. */
static _Thread_local char *stack_top;
static _Thread_local _PySlp_CStack main_cs;

static void *
switch_to(_PySlp_CStack *from, _PySlp_CStack *to, void *value)
{
    void *got = _PySlp_cstack_switch(from, to, value);
    CHECK(got != NULL);
    return got;
}

/* --- ping-pong with values ------------------------------------------- */

/* Values crossing a switch must not point into a suspended context's
   stack (its bytes are elsewhere then): these messages are static. */
static _Thread_local long to_pong, to_main;
static _Thread_local _PySlp_CStack pong_cs;

static void
pong(void *value, void *arg)
{
    long n = *(long *)arg;
    long *v = value;
    for (long i = 0; i < n; i++) {
        CHECK(v == &to_pong && *v == 2 * i);
        to_main = *v + 1;
        v = switch_to(&pong_cs, &main_cs, &to_main);
    }
    to_main = -1;
    switch_to(NULL, &main_cs, &to_main);   /* finished: never saved */
    CHECK(!"a finished context was resumed");
}

static void
test_ping_pong(void)
{
    static _Thread_local long n;
    n = 100000;
    CHECK(_PySlp_cstack_init(&pong_cs, stack_top, pong, &n) == 0);
    to_pong = 0;
    long *r = switch_to(&main_cs, &pong_cs, &to_pong);
    for (long i = 0; i < n; i++) {
        CHECK(r == &to_main && *r == 2 * i + 1);
        to_pong = *r + 1;
        r = switch_to(&main_cs, &pong_cs, &to_pong);
    }
    CHECK(*r == -1);
    _PySlp_cstack_clear(&pong_cs);
    pass("ping-pong, %ld round trips with values", n);
}

/* --- many contexts with deep, checked stacks ------------------------- */

#define NCTX 64
#define ROUNDS 20

typedef struct {
    _PySlp_CStack cs;
    int id;
    int depth;
    double acc;             /* floating point state carried across */
    int done;
} worker;

static _Thread_local worker workers[NCTX];

static unsigned char
pattern(int id, int level, int i)
{
    return (unsigned char)(id * 31 + level * 7 + i);
}

/* Recurse, with a filled local array per level; at the bottom switch
   back to main several times; on the way up check every level's array.
   The double keeps a value in a callee-saved FP register. */
static __attribute__((noinline)) double
descend(worker *w, int level, double x)
{
    unsigned char local[200];
    for (int i = 0; i < (int)sizeof local; i++) {
        local[i] = pattern(w->id, level, i);
    }
    double y = x * 1.5 + level;
    if (level < w->depth) {
        y += descend(w, level + 1, y);
    }
    else {
        for (int r = 0; r < ROUNDS; r++) {
            double keep = y + r;
            switch_to(&w->cs, &main_cs, w);
            CHECK(keep == y + r);
        }
    }
    for (int i = 0; i < (int)sizeof local; i++) {
        CHECK(local[i] == pattern(w->id, level, i));
    }
    return y;
}

static void
worker_main(void *value, void *arg)
{
    worker *w = arg;
    CHECK(value == w);
    w->acc = descend(w, 0, w->id);
    w->done = 1;
    switch_to(NULL, &main_cs, w);
    CHECK(!"a finished context was resumed");
}

static double
expected_acc(int id, int depth)
{
    /* The same recursion without switching. */
    double ys[1024] = {0};
    double x = id;
    for (int level = 0; level <= depth; level++) {
        ys[level] = x * 1.5 + level;
        x = ys[level];
    }
    double y = ys[depth];
    for (int level = depth - 1; level >= 0; level--) {
        y = ys[level] + y;
    }
    return y;
}

static void
test_many_deep(void)
{
    srand(12345);
    for (int i = 0; i < NCTX; i++) {
        worker *w = &workers[i];
        w->id = i;
        w->depth = 1 + rand() % 300;        /* up to ~80 KB of stack */
        w->done = 0;
        CHECK(_PySlp_cstack_init(&w->cs, stack_top, worker_main, w) == 0);
    }
    /* Round robin from main until every worker is done. */
    int alive = NCTX, switches = 0;
    while (alive) {
        alive = 0;
        for (int i = 0; i < NCTX; i++) {
            worker *w = &workers[i];
            if (w->done) {
                continue;
            }
            worker *back = switch_to(&main_cs, &w->cs, w);
            CHECK(back == w);
            switches++;
            alive += !w->done;
        }
    }
    for (int i = 0; i < NCTX; i++) {
        CHECK(workers[i].acc == expected_acc(i, workers[i].depth));
        _PySlp_cstack_clear(&workers[i].cs);
    }
    pass("%d contexts, recursion up to 300 deep, %d switches, "
           "every frame intact", NCTX, switches);
}

/* --- a very deep stack ------------------------------------------------ */

static _PySlp_CStack deep_cs;

static __attribute__((noinline)) long
deep(int level, int max)
{
    volatile char pad[256];
    pad[0] = (char)level;
    long r = level;
    if (level < max) {
        r += deep(level + 1, max);
    }
    else {
        for (int i = 0; i < 50; i++) {
            switch_to(&deep_cs, &main_cs, &deep_cs);
        }
    }
    CHECK(pad[0] == (char)level);
    return r;
}

static void
deep_main(void *value, void *arg)
{
    (void)value;
    static long result;
    result = deep(0, *(int *)arg);
    switch_to(NULL, &main_cs, &result);
}

static void
test_deep(void)
{
    static int max = 4000;                   /* about 1.5 MB of stack */
    CHECK(_PySlp_cstack_init(&deep_cs, stack_top, deep_main, &max) == 0);
    void *r = switch_to(&main_cs, &deep_cs, &max);
    int n = 0;
    while (r == &deep_cs) {
        n++;
        r = switch_to(&main_cs, &deep_cs, &max);
    }
    CHECK(n == 50);
    CHECK(*(long *)r == (long)max * (max + 1) / 2);
    _PySlp_cstack_clear(&deep_cs);
    pass("%d frames deep (%zu KB slice), 50 switches", max,
           (size_t)(max * 300) / 1024);
}

/* --- floating point control state is per context -------------------- */

static _PySlp_CStack fp_cs;

static void
fp_main(void *value, void *arg)
{
    (void)value;
    (void)arg;
    CHECK(fesetround(FE_UPWARD) == 0);
    switch_to(&fp_cs, &main_cs, &fp_cs);
    CHECK(fegetround() == FE_UPWARD);        /* ours again */
    static int done;
    switch_to(NULL, &main_cs, &done);
}

static void
test_fp_control(void)
{
    CHECK(fegetround() == FE_TONEAREST);
    CHECK(_PySlp_cstack_init(&fp_cs, stack_top, fp_main, NULL) == 0);
    switch_to(&main_cs, &fp_cs, &fp_cs);
    CHECK(fegetround() == FE_TONEAREST);     /* main's is untouched */
    switch_to(&main_cs, &fp_cs, &fp_cs);
    CHECK(fegetround() == FE_TONEAREST);
    _PySlp_cstack_clear(&fp_cs);
    pass("rounding mode belongs to its context");
}

/* --- each thread switches on its own stack --------------------------- */

static void *
thread_main(void *arg)
{
    stack_top = __builtin_frame_address(0);   /* above every switch */
    _PySlp_cstack_init_running(&main_cs, stack_top);
    test_ping_pong();
    test_many_deep();
    _PySlp_cstack_clear(&main_cs);          /* its buffer for saving */
    *(int *)arg = 1;
    return NULL;
}

static void
test_threads(void)
{
    pthread_t t[2];
    int ok[2] = {0, 0};
    for (int i = 0; i < 2; i++) {
        CHECK(pthread_create(&t[i], NULL, thread_main, &ok[i]) == 0);
    }
    for (int i = 0; i < 2; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        CHECK(ok[i]);
    }
    pass("two threads switching at once");
}

/* --- speed (reported, never asserted) -------------------------------- */

static _PySlp_CStack bench_cs;

static void
bench_main(void *value, void *arg)
{
    (void)arg;
    for (;;) {
        value = switch_to(&bench_cs, &main_cs, value);
    }
}

static void
report_speed(void)
{
    long n = 1000000;
    CHECK(_PySlp_cstack_init(&bench_cs, stack_top, bench_main, NULL) == 0);
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (long i = 0; i < n; i++) {
        switch_to(&main_cs, &bench_cs, &n);
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
    printf("info: %.1f M switches/s between two shallow contexts\n",
           2 * n / s / 1e6);
    _PySlp_cstack_clear(&bench_cs);
}

int
main(int argc, char **argv)
{
    (void)argv;
    stack_top = __builtin_frame_address(0);   /* above every switch */
    _PySlp_cstack_init_running(&main_cs, stack_top);
    test_ping_pong();
    test_many_deep();
    test_deep();
    test_fp_control();
    test_threads();
    if (argc < 2) {
        report_speed();
    }
    _PySlp_cstack_clear(&main_cs);
    printf("%d passed, 0 failed\n", passed);
    return 0;
}
