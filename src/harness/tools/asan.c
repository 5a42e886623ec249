/* asan.c - AddressSanitizer + UndefinedBehaviorSanitizer (+ LeakSanitizer)
 * as a detector: the asan build (clang -fsanitize=address,undefined
 * -fno-sanitize-recover=undefined), ASAN_OPTIONS with a log per process
 * (RUN/asan.PID), the runtime's own failures, the text reports
 * (report/asan_report.c).
 *
 * Options, and why:
 * - halt_on_error=1: the build has no -fsanitize-recover=address, so ASan
 *   stops at its first error whatever we ask; saying so keeps a user's
 *   ASAN_OPTIONS from promising otherwise.  The program then exits with
 *   exitcode=66 (report_exit): that exit is the tool's, not a crash.
 *   UBSan errors stop it too (-fno-sanitize-recover=undefined).
 * - detect_leaks=1: a server that shuts down cleanly frees what it
 *   allocated (docs/ARCHITECTURE.md), so a leak at exit is a finding.
 *   LSan runs at exit only: runs killed (hang, early stop) have none.
 * - log_path=RUN/asan: the report in a file per process, away from the
 *   program's stderr; UBSan writes through the same log.
 * - print_stacktrace=1 (UBSAN_OPTIONS): UBSan's stack, matched like ASan's.
 * - external_symbolizer_path: llvm-symbolizer, so frames have file:line.
 * - suppressions: sanitizers/asan.supp if it exists, or --suppressions.
 * The user's own ASAN_OPTIONS / UBSAN_OPTIONS come last and win.
 */
#include "detector.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* llvm-symbolizer: $ASAN_SYMBOLIZER_PATH, clang 14's, or one in $PATH. */
static char *symbolizer(void)
{
    static const char *const known[] = {
        "/usr/bin/llvm-symbolizer-14", "/usr/lib/llvm-14/bin/llvm-symbolizer", NULL};
    const char *env = getenv("ASAN_SYMBOLIZER_PATH");

    if (env && *env)
        return xstrdup(env);
    for (const char *const *k = known; *k; k++)
        if (is_executable(*k))
            return xstrdup(*k);
    return which("llvm-symbolizer");
}

static void asan_command(const struct detector_run *run, struct strvec *argv,
                         struct strvec *env)
{
    const char *user = getenv("ASAN_OPTIONS"), *ubuser = getenv("UBSAN_OPTIONS");
    char *sym = symbolizer(), *supp;
    struct strbuf o;

    (void)argv;         /* the runtime is linked in: no wrapper */
    sb_init(&o);
    sb_printf(&o, "ASAN_OPTIONS=log_path=%s/asan exitcode=66 halt_on_error=1 "
              "detect_leaks=1 print_suppressions=1", run->tmp);
    if (sym)
        sb_printf(&o, " external_symbolizer_path=%s", sym);
    supp = run->suppressions ? xstrdup(run->suppressions)
                             : xasprintf("%s/sanitizers/asan.supp", run->source);
    if (access(supp, R_OK) == 0)
        sb_printf(&o, " suppressions=%s", supp);
    free(supp);
    if (user && *user)
        sb_printf(&o, " %s", user);
    sv_push_own(env, sb_steal(&o));
    sv_push_own(env, xasprintf("UBSAN_OPTIONS=print_stacktrace=1 "
                               "report_error_type=1%s%s", ubuser && *ubuser ? " " : "",
                               ubuser && *ubuser ? ubuser : ""));
    free(sym);
}

/* The runtime's own failures: a CHECK of its own, a fatal error, bad
 * options, no shadow memory, LSan unable to stop the world. */
static char *asan_health(const struct detector_run *run, bool finished)
{
    static const char *const needles[] = {   /* the cause first */
        "ERROR: Invalid value for", "ERROR: Can't open file",
        "AddressSanitizer CHECK failed", "LeakSanitizer CHECK failed",
        "Sanitizer CHECK failed", "AddressSanitizer: failed to",
        "ERROR: AddressSanitizer failed to", "Shadow memory range interleaves",
        "AddressSanitizer: ERROR: ",        /* flag parsing */
        "LeakSanitizer has encountered a fatal error",
        "LeakSanitizer does not work under ptrace",
        "ERROR: External symbolizer path is set to", NULL};

    (void)finished;     /* failures are lines, whenever they appear */
    return detector_failure_line(run, "asan.", needles);
}

static int asan_parse(const struct detector_run *run, struct finding_list *out,
                      bool partial, char *err, size_t errlen)
{
    return detector_parse_logs(run, "asan.", asan_parse_file, out, partial,
                               err, errlen);
}

static off_t asan_report_bytes(const struct detector_run *run)
{
    return detector_log_bytes(run, "asan.");
}

/* A signal ASan caught and reported before exiting
 * ("AddressSanitizer:DEADLYSIGNAL", "ERROR: AddressSanitizer: SEGV"). */
static int asan_deadly_signal(const struct detector_run *run)
{
    static const char *const which_sig[] = {
        "AddressSanitizer: SEGV", "AddressSanitizer: BUS", "AddressSanitizer: FPE",
        "AddressSanitizer: ILL", "AddressSanitizer: ABRT",
        "AddressSanitizer: stack-overflow", "AddressSanitizer:DEADLYSIGNAL", NULL};
    char *line = detector_failure_line(run, "asan.", which_sig);
    int sig;

    if (!line)
        return 0;
    sig = strstr(line, ": SEGV") || strstr(line, "stack-overflow") ? SIGSEGV
        : strstr(line, ": BUS") ? SIGBUS : strstr(line, ": FPE") ? SIGFPE
        : strstr(line, ": ILL") ? SIGILL : strstr(line, ": ABRT") ? SIGABRT : -1;
    free(line);
    return sig;
}

const struct detector detector_asan = {
    .name = "asan",
    .label = "ASan",
    .title = "AddressSanitizer + UBSan (clang -fsanitize=address,undefined): "
             "use after free, other memory errors, leaks, undefined behavior",
    .flavor = "asan",
    .build_mark = "__asan_init",
    .build_hint = "clang -fsanitize=address,undefined",
    .refuses_mark = NULL,
    .kinds = 1u << FINDING_USE_AFTER_FREE | 1u << FINDING_MEMORY_ERROR |
             1u << FINDING_LEAK | 1u << FINDING_UNDEFINED,
    .by_default = false,        /* asan is also the harness-under-ASan build:
                                   its presence is no request; --tool asan */
    .reports = true,
    .hang_factor = 2, .slow_factor = 3,
    .startup_seconds = 20, .shutdown_seconds = 5, .timeout_extra = 60,
    .gdb_attach = true,
    .preload_chaos = false,     /* its interceptors, in the executable, shadow
                                   the preload as TSan's do */
    .report_exit = 66,
    .command = asan_command,
    .health = asan_health,
    .parse = asan_parse,
    .report_bytes = asan_report_bytes,
    .deadly_signal = asan_deadly_signal,
};
