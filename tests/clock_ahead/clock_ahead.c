/* Moves the wall clock of a whole process (and of the processes it starts) ahead by
 * CLOCK_AHEAD_SECONDS, for `make test-ahead`: a test that depends on what today is fails the day
 * it is written, not the day its date goes by.
 *
 * Only the wall clock moves. The monotonic clock, sleeps and timed waits are left alone, which is
 * why this is not Debian's libfaketime: its 0.9.10 either fakes CLOCK_MONOTONIC too (then every
 * Python lock with a timeout waits for ever, since sem_clockwait is not intercepted) or breaks
 * time.sleep (clock_nanosleep with an absolute monotonic deadline answers EINVAL).
 *
 * Build: cc -shared -fPIC -O2 -o clock_ahead.so clock_ahead.c -ldl
 * Use:   CLOCK_AHEAD_SECONDS=63072000 LD_PRELOAD=/path/clock_ahead.so python -m pytest
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long long ahead_seconds(void)
{
    static long long seconds = -1;
    if (seconds < 0) {
        const char *text = getenv("CLOCK_AHEAD_SECONDS");
        seconds = text ? atoll(text) : 0;
        if (seconds < 0)
            seconds = 0;
    }
    return seconds;
}

static int is_wall_clock(clockid_t clock)
{
    return clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE || clock == CLOCK_TAI;
}

int clock_gettime(clockid_t clock, struct timespec *now)
{
    static int (*real_clock_gettime)(clockid_t, struct timespec *);
    if (!real_clock_gettime)
        real_clock_gettime = dlsym(RTLD_NEXT, "clock_gettime");
    int result = real_clock_gettime(clock, now);
    if (result == 0 && is_wall_clock(clock))
        now->tv_sec += ahead_seconds();
    return result;
}

int gettimeofday(struct timeval *restrict now, void *restrict zone)
{
    static int (*real_gettimeofday)(struct timeval *restrict, void *restrict);
    if (!real_gettimeofday)
        real_gettimeofday = dlsym(RTLD_NEXT, "gettimeofday");
    int result = real_gettimeofday(now, zone);
    if (result == 0)
        now->tv_sec += ahead_seconds();
    return result;
}

time_t time(time_t *now)
{
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    if (now)
        *now = wall.tv_sec;
    return wall.tv_sec;
}
