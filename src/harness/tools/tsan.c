/* tsan.c - ThreadSanitizer as a detector: clang -fsanitize=thread builds,
 * TSAN_OPTIONS with a log per process (RUN/tsan.PID), the runtime's own
 * failures quoted from its output, the text reports (report/tsan_report.c). */
#include "detector.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

/* Set by tsan_prepare(): wrap TSan programs in `setarch $(uname -m) -R`. */
static bool tsan_setarch;

/* clang 14's TSan cannot place its shadow memory when mmap_rnd_bits is
 * above 28: say so once, and run TSan programs without ASLR. */
static void tsan_prepare(void)
{
    static bool done;
    char *s;
    long bits;

    if (done)
        return;
    done = true;
    s = read_file("/proc/sys/vm/mmap_rnd_bits", NULL);
    if (!s)
        return;         /* no such sysctl: nothing to work around */
    bits = atol(s);
    free(s);
    if (bits > 28) {
        char *setarch = which("setarch");
        if (setarch) {
            warnf("vm.mmap_rnd_bits is %ld (> 28): clang 14's TSan cannot place "
                  "its shadow memory; running TSan programs under 'setarch -R' "
                  "(or: sysctl vm.mmap_rnd_bits=28)", bits);
            tsan_setarch = true;
        } else
            warnf("vm.mmap_rnd_bits is %ld (> 28) and setarch is missing: TSan "
                  "programs may fail to start (sysctl vm.mmap_rnd_bits=28)", bits);
        free(setarch);
    }
}

static void tsan_command(const struct detector_run *run, struct strvec *argv,
                         struct strvec *env)
{
    const char *user = getenv("TSAN_OPTIONS");
    struct strbuf o;
    char *supp;

    sb_init(&o);
    sb_printf(&o, "TSAN_OPTIONS=log_path=%s/tsan halt_on_error=0 "
              "report_signal_unsafe=1 second_deadlock_stack=1 history_size=4 "
              "exitcode=66 print_suppressions=1", run->tmp);
    /* TSan takes one suppressions file: the user's wins */
    supp = run->suppressions ? xstrdup(run->suppressions)
                             : xasprintf("%s/sanitizers/tsan.supp", run->source);
    if (access(supp, R_OK) == 0)
        sb_printf(&o, " suppressions=%s", supp);
    free(supp);
    if (user && *user)
        sb_printf(&o, " %s", user);
    sv_push_own(env, sb_steal(&o));
    if (tsan_setarch) {
        struct utsname u;
        if (uname(&u) < 0)
            snprintf(u.machine, sizeof u.machine, "x86_64");
        sv_push(argv, "setarch");
        sv_push(argv, u.machine);
        sv_push(argv, "-R");
    }
}

static char *tsan_health(const struct detector_run *run, bool finished)
{
    static const char *const needles[] = {
        "CHECK failed", "FATAL: ThreadSanitizer", "ThreadSanitizer: failed",
        "ThreadSanitizer: ERROR:",      /* "Flag parsing failed." */
        "ThreadSanitizer: unexpected memory mapping", NULL};

    (void)finished;     /* TSan's failures are lines, whenever they appear */
    return detector_failure_line(run, "tsan.", needles);
}

static int tsan_parse(const struct detector_run *run, struct finding_list *out,
                      bool partial, char *err, size_t errlen)
{
    return detector_parse_logs(run, "tsan.", tsan_parse_file, out, partial,
                               err, errlen);
}

static off_t tsan_report_bytes(const struct detector_run *run)
{
    return detector_log_bytes(run, "tsan.");
}

/* TSan turns a SEGV into a report and an exit; its log or the program's
 * stderr says so ("ThreadSanitizer:DEADLYSIGNAL"). */
static int tsan_deadly_signal(const struct detector_run *run)
{
    static const char *const deadly[] = {"DEADLYSIGNAL", NULL};
    static const char *const which_sig[] = {
        "ThreadSanitizer: SEGV", "ThreadSanitizer: ABRT", "ThreadSanitizer: BUS",
        "ThreadSanitizer: FPE", NULL};
    char *line = detector_failure_line(run, "tsan.", deadly);
    int sig = -1;

    if (!line)
        return 0;
    free(line);
    line = detector_failure_line(run, "tsan.", which_sig);
    if (line)
        sig = strstr(line, "SEGV") ? SIGSEGV : strstr(line, "ABRT") ? SIGABRT
            : strstr(line, "BUS") ? SIGBUS : SIGFPE;
    free(line);
    return sig;
}

const struct detector detector_tsan = {
    .name = "tsan",
    .label = "TSan",
    .title = "ThreadSanitizer (clang -fsanitize=thread): data races, lock-order "
             "inversions, thread leaks, signal-unsafe calls, mutex misuse",
    .flavor = "tsan",
    .build_mark = "__tsan_init",
    .build_hint = "clang -fsanitize=thread",
    .kinds = 1u << FINDING_DATA_RACE | 1u << FINDING_LOCK_ORDER |
             1u << FINDING_THREAD_LEAK | 1u << FINDING_USE_AFTER_FREE |
             1u << FINDING_SIGNAL_UNSAFE | 1u << FINDING_UNLOCK_UNLOCKED |
             1u << FINDING_DESTROY_LOCKED | 1u << FINDING_PTHREAD_MISUSE |
             1u << FINDING_OTHER,
    .by_default = true,
    .reports = true,
    .hang_factor = 2, .slow_factor = 5,
    .startup_seconds = 20, .shutdown_seconds = 3, .timeout_extra = 60,
    .gdb_attach = true,
    .sleeper_thread = true,
    .preload_chaos = false,     /* its interceptors shadow the preload */
    .report_exit = 66,
    .prepare = tsan_prepare,
    .command = tsan_command,
    .health = tsan_health,
    .parse = tsan_parse,
    .report_bytes = tsan_report_bytes,
    .deadly_signal = tsan_deadly_signal,
};
