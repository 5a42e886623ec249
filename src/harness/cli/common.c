/* common.c - what run, matrix and stress share: paths, outputs, the
 * session temp dir, folding runs into cells, the gate. */
#include "cli.h"
#include "manifest.h"
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void paths_init(struct paths *p)
{
    const char *env = getenv("RACELAB_SOURCE_DIR");
    p->source = env && *env ? env : RACELAB_SOURCE_DIR;
    p->build_root = NULL;
}

static int check_one(const char *flag, const char *path)
{
    struct stat st;
    bool existed;
    int fd;

    if (!path)
        return 0;
    existed = stat(path, &st) == 0;
    if (existed && S_ISDIR(st.st_mode)) {
        errorf("%s %s: is a directory", flag, path);
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) {
        errorf("%s %s: cannot write: %s", flag, path, strerror(errno));
        return -1;
    }
    close(fd);
    if (!existed)
        unlink(path);   /* created only to test; the writer makes it later */
    return 0;
}

int outputs_check(const struct outputs *o)
{
    if (check_one("--json", o->json) < 0 || check_one("--junit", o->junit) < 0 ||
        check_one("--sarif", o->sarif) < 0 || check_one("--html", o->html) < 0)
        return -1;
    return 0;
}

int outputs_write(const struct outputs *o, const struct cell_result *cells,
                  size_t n, const char *command)
{
    char err[512];
    int rc = 0;

    if (o->json && write_json(o->json, cells, n, command, err, sizeof err) < 0) {
        errorf("--json %s: %s", o->json, err);
        rc = -1;
    }
    if (o->junit && write_junit(o->junit, cells, n, err, sizeof err) < 0) {
        errorf("--junit %s: %s", o->junit, err);
        rc = -1;
    }
    if (o->sarif && write_sarif(o->sarif, cells, n, err, sizeof err) < 0) {
        errorf("--sarif %s: %s", o->sarif, err);
        rc = -1;
    }
    if (o->html && write_html(o->html, cells, n, err, sizeof err) < 0) {
        errorf("--html %s: %s", o->html, err);
        rc = -1;
    }
    return rc;
}

char *session_create(void)
{
    const char *t = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/racelab.XXXXXX", t && *t ? t : "/tmp");

    if (!mkdtemp(tmpl)) {
        errorf("mkdtemp %s: %s", tmpl, strerror(errno));
        free(tmpl);
        return NULL;
    }
    return tmpl;
}

void cell_collect(struct cell_result *c, struct job *jobs, size_t njobs,
                  size_t cell)
{
    size_t count = 0;

    for (size_t i = 0; i < njobs; i++)
        count += jobs[i].cell == cell && !jobs[i].skipped;
    c->runs = xcalloc(count + 1, sizeof *c->runs);
    c->nruns = 0;
    for (size_t i = 0; i < njobs; i++) {
        struct run_output *o = &jobs[i].out;
        const struct run_spec *sp = &jobs[i].spec;

        if (jobs[i].cell != cell || jobs[i].skipped)
            continue;
        /* The report library folds the run's findings into the cell and
         * scores them; the runner's own per-finding match (o->tp) served
         * early stop and the progress line, and is recomputed there. */
        o->rec.nfindings = o->rec.true_positives = o->rec.false_positives = 0;
        if (cell_result_add_run(c, &o->rec, &o->findings, sp->locs, sp->nlocs,
                                sp->match_depth ? sp->match_depth
                                                : RUNNER_MATCH_DEPTH) < 0) {
            errorf("out of memory collecting findings");
            abort();
        }
        c->runs[c->nruns++] = o->rec;       /* moved: strings now the cell's */
        memset(&o->rec, 0, sizeof o->rec);
        run_output_free(o);
    }
    cell_result_summarize(c);
}

char *command_line(int argc, char **argv, const char *sub)
{
    struct strbuf sb;

    sb_init(&sb);
    sb_printf(&sb, "racelab %s", sub);
    for (int i = 1; i < argc; i++) {
        bool quote = strpbrk(argv[i], " \t'\"$") != NULL;
        sb_printf(&sb, quote ? " '%s'" : " %s", argv[i]);
    }
    return sb_steal(&sb);
}

bool opt_long(const char *flag, const char *val, long min, long max, long *out)
{
    if (parse_long(val, min, max, out))
        return true;
    errorf("%s: expected an integer from %ld to %ld, got '%s'", flag, min, max, val);
    return false;
}

bool opt_seconds(const char *flag, const char *val, double *out)
{
    if (parse_seconds(val, out))
        return true;
    errorf("%s: expected a positive number of seconds, got '%s'", flag, val);
    return false;
}

int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

void check_tsan_aslr(void)
{
    static bool done;
    char *s;
    long bits;

    if (done)
        return;
    done = true;
    s = read_file("/proc/sys/vm/mmap_rnd_bits", NULL);
    if (!s)
        return;
    bits = atol(s);
    free(s);
    if (bits > 28) {
        char *setarch = which("setarch");
        if (setarch) {
            warnf("vm.mmap_rnd_bits is %ld (> 28): clang 14's TSan cannot place "
                  "its shadow memory; running TSan programs under 'setarch -R' "
                  "(or: sysctl vm.mmap_rnd_bits=28)", bits);
            runner_tsan_setarch = true;
        } else
            warnf("vm.mmap_rnd_bits is %ld (> 28) and setarch is missing: TSan "
                  "programs may fail to start (sysctl vm.mmap_rnd_bits=28)", bits);
        free(setarch);
    }
}

bool binary_has_tsan(const char *path)
{
    size_t n;
    char *data = read_file(path, &n);
    bool yes;

    if (!data)
        return false;
    yes = memmem(data, n, "__tsan_init", 11) != NULL;
    free(data);
    return yes;
}

/* One KEY=VALUE of a --chaos spec; prints the error naming the key. */
/* The controlled scheduler's own keys (src/sched/explore.c, rl_spec_parse;
 * docs/CHAOS.md): steps=K, points=all|races|sync, detect=N for pct and
 * random; dfs with preemptions=P | delays=D, points=, max=N, detect=N,
 * force=POINT@TID,...  Only racelab cc programs act on them. */
static bool sched_key_ok(const char *strategy, const char *kv, size_t klen, const char *v)
{
    char *end;
    bool dfs = !strcmp(strategy, "dfs"), num = *v && strtoull(v, &end, 10) < (1ull << 40) &&
                                                 *end == '\0' && *v != '-';
    if (!strcmp(strategy, "none"))
        return false;
    if (klen == 5 && !strncmp(kv, "steps", 5) && !dfs)
        return num;
    if (klen == 6 && !strncmp(kv, "detect", 6))
        return num;
    if (klen == 6 && !strncmp(kv, "points", 6))
        return !strcmp(v, "all") || !strcmp(v, "races") || !strcmp(v, "sync");
    if (dfs && ((klen == 11 && !strncmp(kv, "preemptions", 11)) ||
                (klen == 6 && !strncmp(kv, "delays", 6)) || (klen == 3 && !strncmp(kv, "max", 3))))
        return num;
    if (dfs && klen == 5 && !strncmp(kv, "force", 5))
        return *v != '\0' && strspn(v, "0123456789@,") == strlen(v);
    return false;
}

static bool chaos_key_ok(const char *strategy, const char *kv)
{
    const char *eq = strchr(kv, '=');
    size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
    const char *v = eq ? eq + 1 : "";
    char *end;

    if (klen == 4 && !strncmp(kv, "seed", 4)) {
        errno = 0;
        unsigned long long x = strtoull(v, &end, 10);
        (void)x;
        if (*v && *end == '\0' && errno == 0 && *v != '-')
            return true;
        errorf("--chaos: seed=%s: expected a non-negative integer", v);
        return false;
    }
    if (!strcmp(strategy, "random") && klen == 1 && kv[0] == 'p') {
        double p = strtod(v, &end);
        if (*v && *end == '\0' && p > 0 && p <= 1)
            return true;
        errorf("--chaos: p=%s: expected a probability in (0, 1]", v);
        return false;
    }
    if (!strcmp(strategy, "pct") && klen == 5 && !strncmp(kv, "depth", 5)) {
        long d = strtol(v, &end, 10);
        if (*v && *end == '\0' && d >= 1 && d <= 16)
            return true;
        errorf("--chaos: depth=%s: expected a bug depth from 1 to 16", v);
        return false;
    }
    if (sched_key_ok(strategy, kv, klen, v))
        return true;
    static const char *const ours[] = { "steps", "detect", "points", "preemptions",
                                        "delays", "max", "force" };
    for (size_t i = 0; i < sizeof ours / sizeof *ours; i++)
        if (klen == strlen(ours[i]) && !strncmp(kv, ours[i], klen) &&
            strcmp(strategy, "none") && (strcmp(strategy, "dfs") || i > 0) &&
            (!strcmp(strategy, "dfs") || i < 3)) {
            errorf("--chaos: %s: bad value (points=all|races|sync; force=POINT@TID,...; "
                   "the others a non-negative integer)", kv);
            return false;
        }
    errorf("--chaos: unknown key '%.*s' for %s (keys: seed%s)", (int)klen, kv,
           strategy, !strcmp(strategy, "random") ? ", p, steps, points, detect"
                     : !strcmp(strategy, "pct") ? ", depth, steps, points, detect"
                     : !strcmp(strategy, "dfs") ? ", preemptions, delays, points, max, "
                                                  "detect, force" : "");
    return false;
}

bool chaos_spec_ok(const char *spec)
{
    char buf[256], *save = NULL, *tok, *strategy;

    if (strlen(spec) >= sizeof buf || !*spec) {
        errorf("--chaos: expected random[:seed=N][:p=P], pct[:seed=N][:depth=D] "
               "or none, got '%s'", spec);
        return false;
    }
    strcpy(buf, spec);
    strategy = strtok_r(buf, ":", &save);
    if (!strategy || (strcmp(strategy, "random") && strcmp(strategy, "pct") &&
                      strcmp(strategy, "dfs") && strcmp(strategy, "none"))) {
        errorf("--chaos: unknown strategy '%s' (expected random[:seed=N][:p=P], "
               "pct[:seed=N][:depth=D] or none)", strategy ? strategy : spec);
        return false;
    }
    while ((tok = strtok_r(NULL, ":", &save)) != NULL)
        if (!chaos_key_ok(strategy, tok))
            return false;
    return true;
}

char *chaos_preload_path(void)
{
    char *dir = xstrdup(runner_self_exe), *slash = strrchr(dir, '/'), *p;

    if (slash)
        *slash = '\0';
    p = xasprintf("%s/librlchaos.so", slash ? dir : ".");
    free(dir);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}
