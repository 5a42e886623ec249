/* common.c - what run, matrix and stress share: paths, outputs, the
 * session temp dir, folding runs into cells, the gate. */
#include "cli.h"
#include "manifest.h"
#include "proc.h"

#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* PREFIX/share/racelab beside PREFIX/bin/racelab, if it has sanitizers/
 * (kept for the process: paths.source points into it). */
static const char *installed_data_dir(void)
{
    static char dir[PATH_MAX];
    char exe[PATH_MAX], *slash, *probe, *share;
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    bool ok;

    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    if (!(slash = strrchr(exe, '/')))
        return NULL;
    *slash = '\0';
    share = xasprintf("%s/../share/racelab", exe);
    ok = realpath(share, dir) != NULL;      /* ENOENT: not installed */
    free(share);
    if (!ok)
        return NULL;
    probe = xasprintf("%s/sanitizers/tsan.supp", dir);
    ok = access(probe, R_OK) == 0;
    free(probe);
    return ok ? dir : NULL;
}

void paths_init(struct paths *p)
{
    const char *env = getenv("RACELAB_SOURCE_DIR"), *inst;

    if (env && *env)
        p->source = env;
    else if ((inst = installed_data_dir()))
        p->source = inst;
    else
        p->source = RACELAB_SOURCE_DIR;
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
    close(fd);          /* nothing was written: no error to lose */
    if (!existed)
        unlink(path);   /* created only to test; the writer makes it later
                           (and a leftover empty file is harmless) */
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
    for (size_t i = 0; i < njobs; i++) {
        struct run_output *o = &jobs[i].out;
        const struct run_spec *sp = &jobs[i].spec;

        if (jobs[i].cell != cell || jobs[i].skipped)
            continue;
        /* The report library folds the run's findings into the cell and
         * scores them; the runner's own per-finding match (o->tp) served
         * early stop and the progress line, and is recomputed there. */
        o->rec.nfindings = o->rec.true_positives = o->rec.false_positives = 0;
        if (sp->repro && !o->rec.repro)
            o->rec.repro = xstrdup(sp->repro);
        if (cell_result_add_run(c, &o->rec, &o->findings, sp->locs, sp->nlocs,
                                sp->match_depth ? sp->match_depth
                                                : RUNNER_MATCH_DEPTH) < 0) {
            errorf("out of memory collecting findings");
            abort();
        }
        /* A clean run is kept as its record: the command that repeats it
         * and the scheduler's decisions serve only runs that found
         * something; past RUNS_KEPT records, clean runs fold into one, so
         * --runs 100000 does not keep 100000 of them. */
        if (o->rec.outcome == RUN_CLEAN && !o->rec.symptom && !o->rec.oracles) {
            free(o->rec.repro);
            free(o->rec.schedule);
            o->rec.repro = o->rec.schedule = NULL;
        }
        if (cell_result_keep_run(c, &o->rec) < 0) {  /* moved: strings now the cell's */
            errorf("out of memory collecting runs");
            abort();
        }
        run_output_free(o);
    }
    cell_judge(c);
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

int small_command_options(const char *sub, int argc, char **argv, struct paths *p,
                          const char *usage, int *next)
{
    int i = 1;

    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--help")) {
            fputs(usage, stdout);
            return EXIT_OK;
        }
        if (!strcmp(argv[i], "--source-dir") && i + 1 < argc) {
            p->source = argv[i + 1];
            i += 2;
            continue;
        }
        errorf("%s: unknown option '%s'", sub, argv[i]);
        return EXIT_USAGE;
    }
    *next = i;
    return -1;
}

int default_jobs(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}


char *racelab_lib_path(const char *name)
{
    char *dir = xstrdup(runner_self_exe ? runner_self_exe : "."), *p;
    char *slash = strrchr(dir, '/');

    if (slash)
        *slash = '\0';
    p = xasprintf("%s/%s", slash ? dir : ".", name);
    if (access(p, R_OK) != 0) {
        free(p);
        p = xasprintf("%s/../lib/racelab/%s", slash ? dir : ".", name);
    }
    free(dir);
    if (access(p, R_OK) == 0)
        return p;
    free(p);
    return NULL;
}

char *chaos_preload_path(void)
{
    return racelab_lib_path("librlchaos.so");
}
