/* cmd_check.c - `racelab check SCENARIO FILE.c`: is FILE.c a fix of the
 * scenario's module?  It is built out of tree in every flavor the tools
 * need (a cache keyed by the content), then judged on: the module's
 * contract tests, every oracle under the scenario's load, every installed
 * detector, and a functional check that the module still does its job.
 * The submission is untrusted: every build and run happens in a sandbox
 * (sandbox.h).  Exit 0 accepted, 1 rejected, 2 usage, 3 environment. */
#include "check.h"
#include "contract_sources.h"
#include "options.h"
#include "check_show.h"
#include "cli.h"
#include "docroot.h"
#include "http_client.h"
#include "manifest.h"
#include "proc.h"
#include "sandbox.h"

#include "hang.h"
#include "screen.h"
#include "watchdog.h"

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage_head[] =
"usage: racelab check SCENARIO FILE.c [options]\n"
"Builds FILE.c as SCENARIO's module (SCENARIO: a name or a hunt case ID) and\n"
"judges it as a fix: contract tests, every oracle under the scenario's load,\n"
"the installed detectors, and a functional check.  FILE.c is untrusted: it\n"
"is screened (only the server's headers and system headers; nothing that\n"
"switches a detector off or runs outside the module's functions), then built\n"
"and run in a sandbox (docs/SECURITY.md).\n"
"\n";
/* the options between: cli/options.h's table */
static const char usage_tail[] =
"Weights (of 100, criteria that cannot run are weighted out): functional 15,\n"
"contract tests 20, oracles 20, tsan 25, helgrind 10, drd 10; a submission\n"
"that does not compile scores 0.\n"
"Exit: 0 fix accepted, 1 rejected, 2 usage error, 3 environment error.\n";

const char *const criterion_names[CR_COUNT] = {
    "build", "functional", "contract", "oracles", "tsan", "helgrind", "drd"};
const char *const criterion_titles[CR_COUNT] = {
    "compiles in every flavor", "the module still does its job",
    "the module's contract tests", "every oracle clean under the scenario's load",
    "ThreadSanitizer finds nothing", "Helgrind finds nothing", "DRD finds nothing"};
const int criterion_weights[CR_COUNT] = {0, 15, 20, 20, 25, 10, 10};

/* The detectors check has a criterion for: the one named like it, and
 * none (the oracles). */
static bool check_judges_with(int tool)
{
    for (int c = 0; c < CR_COUNT; c++)
        if (strcmp(criterion_names[c], tool_names[tool]) == 0)
            return true;
    return tool == TOOL_NONE;
}

enum { FL_RELEASE, FL_TSAN, FL_VALGRIND, FL_COUNT };
static const char *const flavor_names[FL_COUNT] = {"release", "tsan", "valgrind"};
static const char *const flavor_cc[FL_COUNT] = {"gcc", "clang", "gcc"};
static const char *const flavor_cflags[FL_COUNT] = {
    "-O2 -g", "-O1 -g -fsanitize=thread -fno-omit-frame-pointer",
    "-O1 -g -fno-omit-frame-pointer"};
static const char *const flavor_ldflags[FL_COUNT] = {"", "-fsanitize=thread", ""};

static bool quiet;

static void progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void progress(const char *fmt, ...)
{
    va_list ap;
    if (quiet)
        return;
    va_start(ap, fmt);
    fputs("racelab check: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The compiler flags of flavor FL with the server's headers from INC (the
 * tree's src/server for our own objects, the sandbox's staged copy for a
 * submission). */
static char *flags_of(int fl, const char *inc)
{
    /* -pipe: no assembler file in $TMPDIR that a compiler killed by
     * --check-timeout or ^C would leave behind */
    return xasprintf("-pipe -std=gnu11 -D_GNU_SOURCE -DRACELAB_FLAVOR='\"%s\"' -Wall -Wextra "
                     "-Wno-unused-parameter %s -I'%s'", flavor_names[fl],
                     flavor_cflags[fl], inc);
}

/* Hash of the server's sources and the flags: the core objects' key. */
static unsigned long long tree_hash(const char *source)
{
    static const unsigned char k[16] = "racelab-tree-key";
    char *dir = xasprintf("%s/src/server", source);
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    unsigned long long h = 0;

    for (int i = 0; i < n; i++) {
        if (str_ends_with(names[i]->d_name, ".c") || str_ends_with(names[i]->d_name, ".h")) {
            char *p = xasprintf("%s/%s", dir, names[i]->d_name);
            size_t len;
            char *data = read_file(p, &len);
            if (data) {
                h = h * 31 + siphash24(k, names[i]->d_name, strlen(names[i]->d_name));
                h = h * 31 + siphash24(k, data, len);
            }
            free(data);
            free(p);
        }
        free(names[i]);
    }
    if (n >= 0)
        free(names);
    for (int f = 0; f < FL_COUNT; f++)
        h = h * 31 + siphash24(k, flavor_cflags[f], strlen(flavor_cflags[f]));
    h = h * 31 + siphash24(k, "core-v2-prefix-map", 18);
    free(dir);
    return h;
}

/* The core and every module, compiled once per flavor (trusted code, our
 * own tree): CACHE/core-HASH/FLAVOR/NAME.o.  Returns the dir or NULL. */
static char *core_build(const char *cache, const char *source, int fl)
{
    char *dir = xasprintf("%s/core-%016llx/%s", cache, tree_hash(source),
                          flavor_names[fl]);
    char *ok = xasprintf("%s/.ok", dir);
    if (access(ok, F_OK) == 0) {
        free(ok);
        return dir;
    }
    char *parent = xasprintf("%s/core-%016llx", cache, tree_hash(source));
    char *tmp = xasprintf("%s.tmp.%d", dir, (int)getpid());
    mkdir(cache, 0755);
    mkdir(parent, 0755);
    rm_rf(tmp);
    mkdir(tmp, 0755);
    char *inc = xasprintf("%s/src/server", source);
    char *flags = flags_of(fl, inc);
    free(inc);
    /* -ffile-prefix-map: no path of the tree in a message or a report */
    char *cmd = xasprintf("cd '%s' && %s %s -ffile-prefix-map='%s/'= -c '%s'/src/server/*.c",
                          tmp, flavor_cc[fl], flags, source, source);
    char *argv[] = {"sh", "-c", cmd, NULL};
    int status = -1;
    char *out = proc_capture(argv, 300, &status);
    if (status != 0) {
        if (!proc_interrupted())    /* else stopped: the verdict says why */
            errorf("check: building the server core (%s) failed:\n%s", flavor_names[fl],
                   out ? out : "");
        free(out);
        rm_rf(tmp);
        free(dir);
        dir = NULL;
    } else {
        free(out);
        char *tok = xasprintf("%s/.ok", tmp);
        FILE *f = fopen(tok, "w");
        if (f)
            fclose(f);
        free(tok);
        if (rename(tmp, dir) < 0)       /* someone else was faster */
            rm_rf(tmp);
    }
    free(cmd); free(flags); free(tmp); free(parent); free(ok);
    return dir;
}

static int chown_root(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    if (lchown(p, 0, 0) < 0 && errno != ENOENT)
        return -1;      /* nftw stops: the caller reports the tree unowned */
    if (flag == FTW_D)
        chmod(p, 0755);
    return 0;
}

struct build {
    bool ok;
    char *dir;          /* SANDBOX/{bin,build}: FLAVOR/racelab-server-SCEN-fixed */
    char *log;          /* the compiler's messages */
    char *refused;      /* why the file is refused (screen.h), or NULL */
    char *exe;          /* the release server, under a random name */
};

/* A random file name: the submission cannot tell it is being graded from
 * the names of its executables. */
static char *random_name(const char *prefix)
{
    unsigned char r[6];
    if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
        for (size_t i = 0; i < sizeof r; i++)
            r[i] = (unsigned char)rand();
    return xasprintf("%s%02x%02x%02x%02x%02x%02x", prefix, r[0], r[1], r[2], r[3], r[4], r[5]);
}

static void give_to_slot(const struct sandbox *sb, const char *path)
{
    if (sb->uid >= 0 && chown(path, (uid_t)sb->uid, (gid_t)sb->uid) < 0)
        warnf("check: chown %s: %s", path, strerror(errno));
}

/* SANDBOX/inc: copies of the server's public headers, the only ones a
 * submission can include (the tree itself is not in its root).  NAMES gets
 * their file names.  0 or -1 (error printed). */
static int stage_headers(struct sandbox *sb, const char *source, struct strvec *names)
{
    char *dir = xasprintf("%s/src/server", source), *inc = xasprintf("%s/inc", sb->dir);
    struct dirent **ents;
    int n = scandir(dir, &ents, NULL, alphasort), rc = 0;

    sv_init(names);
    if (n < 0 || (mkdir(inc, 0755) < 0 && errno != EEXIST)) {
        errorf("check: staging the server's headers from %s: %s", dir, strerror(errno));
        rc = -1;
    }
    for (int i = 0; i < n; i++) {
        if (rc == 0 && str_ends_with(ents[i]->d_name, ".h")) {
            char *from = xasprintf("%s/%s", dir, ents[i]->d_name);
            char *to = xasprintf("%s/%s", inc, ents[i]->d_name);
            size_t len;
            char *data = read_file(from, &len);
            FILE *f = data ? fopen(to, "w") : NULL;
            if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
                errorf("check: staging %s: %s", from, strerror(errno));
                rc = -1;
            } else
                sv_push(names, ents[i]->d_name);
            free(data); free(from); free(to);
        }
        free(ents[i]);
    }
    if (n >= 0)
        free(ents);
    free(dir);
    free(inc);
    return rc;
}

/* Runs the shell command CMD in the sandbox (cwd CWD), output to LOG.
 * Returns 0 if it exited 0, 1 if not (*TEXT = its output), -1 on an
 * environment error (ERR). */
static int sandboxed_sh(struct sandbox *sb, const char *cmd, const char *cwd, const char *log,
                        double timeout, char **text, char *err, size_t errlen)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    struct sandbox_limits lim = {.nproc = 64, .as_mb = 4096, .cpu_s = 120,
                                 .fsize_mb = 256, .nofile = 256};
    int status = 0;
    bool to = false;

    if (text)
        *text = NULL;
    if (sandbox_run(sb, argv, NULL, cwd, &lim, timeout, log, &status, &to, err, errlen) < 0)
        return -1;
    if (text) {
        char *t = read_file(log, NULL);
        *text = xasprintf("%s%s", t ? t : "", to ? "(ran out of time)\n" : "");
        free(t);
    }
    return !to && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}

/* Screens the file as written and as preprocessed (in the sandbox, with
 * only the staged headers): 0 clean, 1 refused (*WHY), -1 environment. */
static int screen_submission(struct sandbox *sb, const char *module, const char *code,
                             size_t len, const struct strvec *headers, char **why)
{
    char err[256], *dir = xasprintf("%s/screen", sb->dir), *src = NULL, *cmd = NULL;
    char *out = NULL;
    int rc = 0;

    *why = screen_source(code, len, (const char *const *)headers->v, headers->n);
    if (*why)
        goto done;
    src = xasprintf("%s/%s.c", dir, module);
    FILE *f = mkdir(dir, 0755) == 0 ? fopen(src, "w") : NULL;
    if (!f || fwrite(code, 1, len, f) != len || fclose(f) != 0) {
        errorf("check: %s: %s", src, strerror(errno));
        rc = -1;
        goto done;
    }
    give_to_slot(sb, dir);
    cmd = xasprintf("gcc -E -std=gnu11 -D_GNU_SOURCE -I'%s/inc' %s.c -o %s.i", sb->dir,
                    module, module);
    char *log = xasprintf("%s/screen.log", sb->dir);
    int r = sandboxed_sh(sb, cmd, dir, log, 60, NULL, err, sizeof err);
    free(log);
    if (r < 0) {
        errorf("check: preprocessing: %s", err);
        rc = -1;
        goto done;
    }
    /* (a file that does not preprocess is told by the compiler next) */
    char *ipath = xasprintf("%s/%s.i", dir, module), *main = xasprintf("%s.c", module);
    out = r == 0 ? read_file(ipath, NULL) : NULL;
    if (out)
        *why = screen_preprocessed(out, main);
    free(ipath);
    free(main);
done:
    rm_rf(dir);
    free(dir); free(src); free(cmd); free(out);
    return rc < 0 ? -1 : *why ? 1 : 0;
}

static int libc_defines(const char *name)
{
    return dlsym(RTLD_DEFAULT, name) != NULL;
}

/* Screens the compiled release object: symbols and sections. */
static int screen_built(struct sandbox *sb, const struct build *b, const char *module,
                        char **why)
{
    char err[256], *nm = NULL, *secs = NULL;
    char *cmd1 = xasprintf("nm -P --defined-only release/%s.o", module);
    char *cmd2 = xasprintf("readelf -SW release/%s.o", module);
    char *log = xasprintf("%s/objscreen.log", sb->dir);
    int r1 = sandboxed_sh(sb, cmd1, b->dir, log, 60, &nm, err, sizeof err);
    int r2 = r1 < 0 ? -1 : sandboxed_sh(sb, cmd2, b->dir, log, 60, &secs, err, sizeof err);
    int rc = 0;

    *why = NULL;
    if (r1 < 0 || r2 < 0) {
        errorf("check: inspecting the object: %s", err);
        rc = -1;
    } else if (r1 || r2) {
        errorf("check: inspecting the object failed (nm/readelf from binutils):\n%s%s",
               r1 ? nm : "", r2 ? secs : "");
        rc = -1;
    } else
        *why = screen_object(nm, secs, libc_defines);
    unlink(log);
    free(log); free(cmd1); free(cmd2); free(nm); free(secs);
    return rc < 0 ? -1 : *why ? 1 : 0;
}

/* The cache's key of a submission: its content, scenario, module, tree. */
static char *build_key(const char *source, const char *scen, const char *module,
                       const char *code, size_t len)
{
    static const unsigned char k1[16] = "racelab-sub-key1", k2[16] = "racelab-sub-key2";
    /* (v2: built against the staged headers, in a private root) */
    char *keytxt = xasprintf("v2\n%s\n%s\n%llx\n", scen, module, tree_hash(source));
    char *id = xasprintf("%016llx%016llx",
                         siphash24(k1, code, len) ^ siphash24(k1, keytxt, strlen(keytxt)),
                         siphash24(k2, code, len) ^ siphash24(k2, keytxt, strlen(keytxt)));
    free(keytxt);
    return id;
}

/* A complete cached build (every flavor NEED): 1 and B filled (a failed
 * build's log, or a copy in the sandbox), 0 when something is missing,
 * -1 on an environment error. */
static int build_from_cache(struct sandbox *sb, const char *cdir, const bool need[FL_COUNT],
                            struct build *b)
{
    for (int fl = 0; fl < FL_COUNT; fl++) {
        if (!need[fl])
            continue;
        char *st = xasprintf("%s/%s.status", cdir, flavor_names[fl]);
        char *s = read_file(st, NULL);
        free(st);
        if (!s)
            return 0;
        bool ok = strncmp(s, "ok", 2) == 0;
        free(s);
        if (!ok) {
            char *lp = xasprintf("%s/%s.log", cdir, flavor_names[fl]);
            b->log = read_file(lp, NULL);
            free(lp);
            b->ok = false;
            return 1;
        }
    }
    b->dir = xasprintf("%s/bin", sb->dir);
    char *cp = xasprintf("cp -a '%s' '%s'", cdir, b->dir);
    int rc = system(cp) == 0 ? 1 : -1;
    if (rc < 0)
        errorf("check: %s: failed", cp);
    free(cp);
    b->ok = rc == 1;
    return rc;
}

/* Compiles and links flavor FL in TMP (sandboxed): 0 (B->ok, B->log
 * updated), -1 on an environment error. */
static int build_flavor(struct sandbox *sb, int fl, const char *tmp, const char *scen,
                        const char *module, char *core[FL_COUNT], struct build *b)
{
    static const char *const core_files[] = {"http", "path", "net", "options", "server",
                                             "main", "cache", "stats", "workqueue",
                                             "dispatch", "accesslog", "signals"};
    char *st = xasprintf("%s/%s.status", tmp, flavor_names[fl]);
    char *done = read_file(st, NULL), *inc = xasprintf("%s/inc", sb->dir);
    char *flags = flags_of(fl, inc), *cmd, *log, *text = NULL, err[256];
    struct strbuf objs;
    int rc = 0;

    free(inc);
    if (done && !strncmp(done, "ok", 2)) {
        free(done); free(st); free(flags);
        return 0;
    }
    free(done);
    sb_init(&objs);
    for (size_t i = 0; i < sizeof core_files / sizeof *core_files; i++)
        if (strcmp(core_files[i], module) != 0)
            sb_printf(&objs, " '%s/%s.o'", core[fl], core_files[i]);
    cmd = xasprintf("mkdir -p %s && %s %s -c %s.c -o %s/%s.o && "
                    "%s %s -o %s/racelab-server-%s-fixed %s/%s.o%s -lpthread",
                    flavor_names[fl], flavor_cc[fl], flags, module, flavor_names[fl], module,
                    flavor_cc[fl], flavor_ldflags[fl], flavor_names[fl], scen,
                    flavor_names[fl], module, objs.buf);
    log = xasprintf("%s/%s.log", tmp, flavor_names[fl]);
    int r = sandboxed_sh(sb, cmd, tmp, log, 180, &text, err, sizeof err);
    if (r < 0) {
        errorf("check: %s", err);
        rc = -1;
        b->ok = false;
    } else {
        if (r) {
            free(b->log);
            b->log = xstrdup(text);
            b->ok = false;
        }
        FILE *sf = fopen(st, "w");
        if (sf) {
            fputs(r == 0 ? "ok\n" : "fail\n", sf);
            fclose(sf);
        }
    }
    sb_free(&objs);
    free(text); free(cmd); free(flags); free(log); free(st);
    return rc;
}

/* Copies the build TMP into the cache dir CDIR (root's). */
static void build_store(const char *tmp, const char *cdir)
{
    char *ctmp = xasprintf("%s.tmp.%d", cdir, (int)getpid());
    char *cp = xasprintf("rm -rf '%s' && cp -a '%s' '%s'", ctmp, tmp, ctmp);
    if (system(cp) != 0)
        warnf("check: %s: failed (not cached)", cp);
    else if (rename(ctmp, cdir) < 0) {
        /* A check of the same file (two students with one file) may be
         * reading cdir: move it aside, do not delete it. */
        char *old = xasprintf("%s.old.%d", cdir, (int)getpid());
        if (rename(cdir, old) < 0 || rename(ctmp, cdir) < 0)
            rm_rf(ctmp);
        free(old);
    }
    free(cp);
    free(ctmp);
}

/* Gives the release server a random name (the runs reach it through a
 * link of the usual name, which it cannot see as its own): B->exe. */
static int randomize_exes(const char *scen, const bool need[FL_COUNT], struct build *b)
{
    for (int fl = 0; fl < FL_COUNT; fl++) {
        if (!need[fl])
            continue;
        char *usual = xasprintf("%s/%s/racelab-server-%s-fixed", b->dir, flavor_names[fl], scen);
        char *name = random_name("srv-");
        char *real = xasprintf("%s/%s/%s", b->dir, flavor_names[fl], name);
        int rc = rename(usual, real) < 0 || symlink(name, usual) < 0 ? -1 : 0;
        if (rc < 0)
            errorf("check: renaming %s: %s", usual, strerror(errno));
        if (fl == FL_RELEASE && rc == 0)
            b->exe = xstrdup(real);
        free(usual); free(name); free(real);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Builds the submission MODULE.c in the flavors NEED (sandboxed), cached
 * by content, after screening it.  Returns 0 (B filled: ok, failed or
 * refused), -1 on an environment error. */
static int submission_build(struct sandbox *sb, const char *cache, const char *source,
                            const char *scen, const char *module, const char *code,
                            size_t len, const bool need[FL_COUNT], char *core[FL_COUNT],
                            struct build *b)
{
    struct strvec headers;
    int rc;

    memset(b, 0, sizeof *b);
    if (stage_headers(sb, source, &headers) < 0) {
        sv_free(&headers);
        return -1;
    }
    rc = screen_submission(sb, module, code, len, &headers, &b->refused);
    sv_free(&headers);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    char *id = build_key(source, scen, module, code, len);
    char *cdir = xasprintf("%s/sub-%s", cache, id);
    rc = build_from_cache(sb, cdir, need, b);
    if (rc == 0) {
        /* The cache (root's) is never touched by the slot UID: the build
         * happens in the sandbox and is copied into the cache. */
        progress("building %s (%.12s)", check_show_file_name(), id);
        char *tmp = xasprintf("%s/build", sb->dir), *src = xasprintf("%s/build/%s.c", sb->dir,
                                                                       module);
        rm_rf(tmp);
        mkdir(cache, 0755);
        FILE *f = mkdir(tmp, 0755) == 0 ? fopen(src, "w") : NULL;
        if (!f || fwrite(code, 1, len, f) != len || fclose(f) != 0) {
            errorf("check: %s: %s", src, strerror(errno));
            rc = -1;
        } else {
            give_to_slot(sb, tmp);
            give_to_slot(sb, src);
            b->ok = true;
            for (int fl = 0; fl < FL_COUNT && b->ok && rc == 0; fl++)
                if (need[fl])
                    rc = build_flavor(sb, fl, tmp, scen, module, core, b);
            /* back to root before the cache keeps it: a file the slot UID
             * still owned could be changed by the next submission */
            if (nftw(tmp, chown_root, 16, FTW_PHYS) != 0 && rc == 0) {
                errorf("check: %s: cannot take the build back from the sandbox's UID: %s",
                       tmp, strerror(errno));
                rc = -1;
            }
            if (rc == 0)
                build_store(tmp, cdir);
        }
        b->dir = tmp;
        free(src);
    }
    free(cdir);
    free(id);
    if (rc < 0)
        return -1;
    if (b->ok && (rc = screen_built(sb, b, module, &b->refused)) != 0)
        return rc < 0 ? -1 : 0;
    if (b->ok && randomize_exes(scen, need, b) < 0)
        return -1;
    return 0;
}

/* --- the functional check ---------------------------------------------- */

struct func_load {
    int port;
    int requests;
    unsigned nfiles;
    int ok, errors;
    int stats_every;            /* every Nth request is GET /-/stats (0: none) */
    int stats_ok;               /* /-/stats answered */
    char err[256];
    atomic_long *completed;     /* shared: requests answered, any client */
    atomic_long *in_flight;     /* shared: requests sent, not yet answered
                                   nor failed */
    atomic_bool *stop;          /* shared: the check gave up on the server */
};

static void *func_client(void *arg)
{
    struct func_load *l = arg;
    struct http_conn c;
    char err[256];
    bool connected = false;

    for (int i = 0; i < l->requests && !atomic_load(l->stop); i++) {
        unsigned n = (unsigned)(i % 5);
        char req[128];
        struct http_resp r = {0};
        bool stats = l->stats_every > 0 && i % l->stats_every == l->stats_every - 1;
        if (!connected) {
            if (http_connect(&c, l->port, 5, err, sizeof err) != HTTP_OK) {
                snprintf(l->err, sizeof l->err, "connect: %.200s", err);
                l->errors++;
                return NULL;
            }
            connected = true;
        }
        int len = stats ? snprintf(req, sizeof req, "GET /-/stats HTTP/1.1\r\nHost: x\r\n\r\n")
                        : snprintf(req, sizeof req, "GET /f/%u.html HTTP/1.1\r\nHost: x\r\n\r\n", n);
        atomic_fetch_add(l->in_flight, 1);
        bool answered = http_send(&c, req, (size_t)len, err, sizeof err) == HTTP_OK &&
                        http_read(&c, false, &r, err, sizeof err) == HTTP_OK;
        atomic_fetch_sub(l->in_flight, 1);
        if (!answered) {
            snprintf(l->err, sizeof l->err, "GET /f/%u.html: %.200s", n, err);
            l->errors++;
            http_resp_free(&r);
            http_close(&c);
            connected = false;
            continue;
        }
        atomic_fetch_add(l->completed, 1);
        if (stats) {
            /* /-/stats under load: the module's other side (its lock
             * against the request path's) */
            if (r.status == 200)
                l->stats_ok++;
            else {
                snprintf(l->err, sizeof l->err, "GET /-/stats under load: status %d", r.status);
                l->errors++;
            }
            if (r.close) {
                http_close(&c);
                connected = false;
            }
            http_resp_free(&r);
            continue;
        }
        size_t want = docroot_size(n);
        char *body = xmalloc(want + 1);
        docroot_fill(n, body, want);
        if (r.status != 200 || r.body_len != want || memcmp(r.body, body, want) != 0) {
            snprintf(l->err, sizeof l->err, "GET /f/%u.html: status %d, %zu bytes "
                     "(expected 200, %zu bytes of the file)", n, r.status, r.body_len, want);
            l->errors++;
        } else
            l->ok++;
        free(body);
        if (r.close) {
            http_close(&c);
            connected = false;
        }
        http_resp_free(&r);
    }
    if (connected)
        http_close(&c);
    return NULL;
}

static bool stats_get(int port, long long *req, long long *hits, long long *entries,
                      char *err, size_t errlen)
{
    struct http_resp r = {0};
    bool ok = http_get(port, "/-/stats", 5, &r, err, errlen) == HTTP_OK && r.status == 200 &&
              r.body && json_number(r.body, "requests", req) &&
              json_number(r.body, "cache_hits", hits) &&
              json_number(r.body, "cache_entries", entries);
    if (!ok && !err[0])
        snprintf(err, errlen, "GET /-/stats: status %d, body '%.120s'", r.status,
                 r.body ? r.body : "");
    http_resp_free(&r);
    return ok;
}

/* The server of the functional check. */
struct fserver {
    pid_t pid;              /* what sandbox_spawn returned (the ns init) */
    int outfd, port, netns; /* netns: racelab's own, to go back to */
    char *errlog;
    double t0;
    int status;
    bool exited;
};

/* Enters the network namespace of the sandboxed PID (loopback only, the
 * server listens there); FS->netns keeps ours.  0 or -1. */
static int netns_enter(struct fserver *fs)
{
    char *p = xasprintf("/proc/%d/ns/net", (int)fs->pid);
    int fd = open(p, O_RDONLY | O_CLOEXEC), rc = -1;
    free(p);
    fs->netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fs->netns >= 0)
        rc = setns(fd, CLONE_NEWNET);
    if (fd >= 0)
        close(fd);
    return rc;
}

static void netns_leave(struct fserver *fs)
{
    if (fs->netns >= 0) {
        if (setns(fs->netns, CLONE_NEWNET) < 0)
            warnf("check: setns back to racelab's network: %s", strerror(errno));
        close(fs->netns);
        fs->netns = -1;
    }
}

/* The stderr tail of the server, for the evidence. */
static char *stderr_tail(const struct fserver *fs)
{
    char *tail = read_file(fs->errlog, NULL);
    size_t tl = tail ? strlen(tail) : 0;
    char *r = xasprintf("%s%s", tl ? "; its stderr: " : "", tl ? tail + (tl > 400 ? tl - 400 : 0)
                                                              : "");
    free(tail);
    return r;
}

/* Starts the server and waits for "listening on 127.0.0.1:PORT" (10 s);
 * a server that dies first crashed at start, and says how. */
static bool server_start(struct sandbox *sb, const char *exe, const struct scenario *s,
                         const char *www, struct fserver *fs, struct strbuf *ev)
{
    struct strvec argv;
    char err[512] = "", line[256] = "";
    size_t n = 0;

    sv_init(&argv);
    sv_push(&argv, exe);
    sv_push(&argv, "--host");
    sv_push(&argv, "127.0.0.1");
    sv_push(&argv, "--port");
    sv_push(&argv, "0");
    sv_push(&argv, "--root");
    sv_push(&argv, www);
    char *args = str_replace(s->args ? s->args : "", "{tmp}", sb->dir);
    sv_split(&argv, args, true);
    free(args);
    int efd = open(fs->errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    struct sandbox_limits lim = {.nproc = 256, .as_mb = 4096, .cpu_s = 60,
                                 .fsize_mb = 64, .nofile = 1024};
    fs->t0 = now_mono();
    fs->pid = sandbox_spawn(sb, argv.v, NULL, NULL, &lim, -1, efd, &fs->outfd, err, sizeof err);
    if (efd >= 0)
        close(efd);
    sv_free(&argv);
    if (fs->pid < 0) {
        sb_printf(ev, "could not start the server: %s", err);
        return false;
    }
    double end = fs->t0 + 10;
    while (now_mono() < end && n < sizeof line - 1 && !strchr(line, '\n')) {
        struct pollfd pf = {fs->outfd, POLLIN, 0};
        line[n] = '\0';
        if (sandbox_wait(fs->pid, 0, &fs->status)) {
            fs->exited = true;
            break;
        }
        if (poll(&pf, 1, 100) <= 0)
            continue;
        ssize_t k = read(fs->outfd, line + n, sizeof line - 1 - n);
        if (k <= 0) {
            usleep(10000);  /* closed: the next wait tells how it ended */
            continue;
        }
        n += (size_t)k;
        line[n] = '\0';
    }
    line[n] = '\0';
    char *p = strstr(line, "listening on "), *colon = p ? strrchr(p, ':') : NULL;
    if (colon && (fs->port = atoi(colon + 1)) > 0)
        return true;
    char *tail = stderr_tail(fs), d[64];
    if (fs->exited) {
        proc_describe(fs->status, d, sizeof d);
        sb_printf(ev, "the server %s at start, %.1f s after it was started, before it "
                  "listened%s", WIFSIGNALED(fs->status) ? "crashed" : "exited",
                  now_mono() - fs->t0, tail);
        sb_printf(ev, " (%s)", d);
    } else
        sb_printf(ev, "the server did not start listening within 10 s (still running)%s",
                  tail);
    free(tail);
    return false;
}

/* What a stalled server's threads do (sample S): stuck, with the wait-for
 * cycle from gdb, or busy. */
static void stall_describe(pid_t main, const struct thread_sample *s, bool stuck,
                           const char *srcdir, struct strbuf *ev)
{
    sb_printf(ev, "%d thread%s, %d waiting on a futex, CPU %s: %s\n", s->threads,
              s->threads == 1 ? "" : "s", s->futex_waits, stuck ? "still" : "moving",
              stuck ? "stuck (deadlock)" : "busy, not blocked");
    if (stuck) {
        char *rep = hang_report(main, true, srcdir);
        sb_printf(ev, "%s\n", rep);
        free(rep);
    }
}

/* /-/stats did not answer: sample the server twice, 0.5 s apart. */
static void stall_diagnose(const struct fserver *fs, const char *srcdir, struct strbuf *ev)
{
    struct thread_sample a, b;
    pid_t main = sandbox_main_pid(fs->pid);
    if (!thread_sample(main, &a))
        return;
    usleep(500000);
    if (!thread_sample(main, &b))
        return;
    sb_puts(ev, "; STALLED: ");
    stall_describe(main, &b, b.cpu_ticks == a.cpu_ticks && b.futex_waits > 0, srcdir, ev);
}

/* Load with a watchdog: no request answered for 2 s while some are
 * outstanding is a stall; with the CPU clock still and threads waiting on
 * futexes it is stuck (the wait-for cycle from gdb goes in EV), else
 * slow or busy.  A pause with nothing outstanding is the clients' own (a
 * loaded machine), never the server's.  True when the load ran to its
 * end. */
static bool load_watch(struct fserver *fs, struct func_load *load, int clients,
                       atomic_long *completed, atomic_long *in_flight,
                       atomic_bool *stop, const char *srcdir, struct strbuf *ev)
{
    pthread_t th[clients];
    bool joined[clients];       /* a joined thread's id may be reused: never
                                   join it twice */
    long last = 0;
    double last_at = now_mono();
    struct thread_sample a = {0}, b;
    bool have_a = false, stuck = false;

    for (int i = 0; i < clients; i++) {
        joined[i] = false;
        pthread_create(&th[i], NULL, func_client, &load[i]);
    }
    for (int alive = clients; alive > 0;) {
        usleep(250000);
        alive = 0;
        for (int i = 0; i < clients; i++) {
            if (!joined[i])     /* EBUSY: still running; anything else: gone */
                joined[i] = pthread_tryjoin_np(th[i], NULL) != EBUSY;
            alive += !joined[i];
        }
        if (alive == 0)
            break;
        long c = atomic_load(completed);
        double now = now_mono();
        if (c != last || atomic_load(in_flight) == 0) {
            last = c;
            last_at = now;
            have_a = false;
            continue;
        }
        pid_t main = sandbox_main_pid(fs->pid);
        if (!have_a) {
            have_a = thread_sample(main, &a);
            continue;
        }
        if (now - last_at < 2 || !thread_sample(main, &b))
            continue;
        stuck = b.cpu_ticks == a.cpu_ticks && b.futex_waits > 0;
        sb_printf(ev, "STALLED: no request answered for %.1f s after %ld; ", now - last_at, c);
        stall_describe(main, &b, stuck, srcdir, ev);
        atomic_store(stop, true);
        kill(-fs->pid, SIGKILL);
        kill(fs->pid, SIGKILL);
        for (int i = 0; i < clients; i++)
            if (!joined[i])
                pthread_join(th[i], NULL);
        return false;
    }
    return true;
}

/* Reads /-/stats, loads the server, reads it again; the module did its
 * job when the counts add up.  *FATAL when the server stopped answering. */
static bool server_load(struct fserver *fs, const struct scenario *s, const char *srcdir,
                        struct strbuf *ev, bool *fatal)
{
    enum { CLIENTS = 4, PER = 60 };
    long long r1, r2, r3, h2, h3, e2, e3;
    char err[512] = "";
    struct func_load load[CLIENTS];
    atomic_long completed = 0, in_flight = 0;
    atomic_bool stop = false;

    if (!stats_get(fs->port, &r1, &h2, &e2, err, sizeof err) ||
        !stats_get(fs->port, &r2, &h2, &e2, err, sizeof err)) {
        sb_printf(ev, "/-/stats does not answer: %s", err);
        stall_diagnose(fs, srcdir, ev);
        return false;
    }
    long long self = r2 - r1;  /* does a /-/stats request count itself? */
    for (int i = 0; i < CLIENTS; i++) {
        memset(&load[i], 0, sizeof load[i]);
        load[i].port = fs->port;
        load[i].requests = PER;
        load[i].completed = &completed;
        load[i].in_flight = &in_flight;
        load[i].stop = &stop;
        load[i].stats_every = i == 0 ? 4 : 0;
    }
    bool ran = load_watch(fs, load, CLIENTS, &completed, &in_flight, &stop, srcdir, ev);
    int ok = 0, errors = 0, stats_ok = 0;
    const char *first_err = NULL;
    for (int i = 0; i < CLIENTS; i++) {
        stats_ok += load[i].stats_ok;
        ok += load[i].ok;
        errors += load[i].errors;
        if (load[i].errors && !first_err)
            first_err = load[i].err;
    }
    if (!ran)
        return false;
    *fatal = false;
    if (!stats_get(fs->port, &r3, &h3, &e3, err, sizeof err)) {
        sb_printf(ev, "/-/stats does not answer after %d requests: %s", ok, err);
        stall_diagnose(fs, srcdir, ev);
        *fatal = true;
        return false;
    }
    bool good = errors == 0;
    int files = CLIENTS * PER - PER / 4;
    sb_printf(ev, "%d of %d GETs answered correctly by %d clients (and %d of %d GET /-/stats "
              "among them)", ok, files, CLIENTS, stats_ok, PER / 4);
    if (errors)
        sb_printf(ev, "; %d failed (%s)", errors, first_err);
    long long counted = r3 - r2 - self - self * stats_ok;
    sb_printf(ev, "; /-/stats requests +%lld (expected +%d)", counted, ok);
    if (counted != ok) {
        good = false;
        sb_puts(ev, " MISMATCH");
    }
    if (!strcmp(s->module, "cache")) {
        sb_printf(ev, "; cache_hits +%lld, cache_entries %lld (5 files requested "
                  "%d times: expected hits >= %d, entries >= 1)", h3 - h2, e3, ok, ok / 2);
        if (h3 - h2 < ok / 2 || e3 < 1) {
            good = false;
            sb_puts(ev, " CACHE NOT CACHING");
        }
    }
    return good;
}

/* SIGTERM: a graceful shutdown is exit 0 within 3 s. */
static bool server_stop(struct fserver *fs, struct strbuf *ev)
{
    char d[64];
    kill(fs->pid, SIGTERM);
    if (!sandbox_wait(fs->pid, 3, &fs->status)) {
        sb_puts(ev, "; no exit within 3 s of SIGTERM (shutdown hangs)");
        return false;
    }
    fs->exited = true;
    proc_describe(fs->status, d, sizeof d);
    if (!WIFEXITED(fs->status) || WEXITSTATUS(fs->status) != 0) {
        sb_printf(ev, "; SIGTERM: %s (expected exit 0)", d);
        return false;
    }
    sb_puts(ev, "; graceful shutdown: exit 0");
    return true;
}

/* Starts the release build, loads it with a known number of requests,
 * reads /-/stats, shuts it down.  Returns true if the module did its job;
 * *FATAL when the server did not even start or answer (no point in
 * running the detectors then). */
static bool functional_check(struct sandbox *sb, const char *exe, const char *srcdir,
                             const struct scenario *s, struct strbuf *ev, bool *fatal,
                             int *escaped)
{
    char *www = xasprintf("%s/www", sb->dir), err[512] = "";
    const char *cm = s->args ? strstr(s->args, "--cache-mb") : NULL;
    long mb = cm ? atol(cm + 10 + strspn(cm + 10, " =")) : 1;
    struct fserver fs = {.pid = -1, .outfd = -1, .netns = -1};
    bool pass = false;

    *fatal = true;
    *escaped = 0;
    fs.errlog = xasprintf("%s/functional.stderr", sb->dir);
    if (docroot_create(www, docroot_files_for_cache(mb < 1 ? 1 : mb), err, sizeof err) < 0) {
        sb_printf(ev, "docroot: %s", err);
        goto out;
    }
    if (!server_start(sb, exe, s, www, &fs, ev))
        goto out;
    if (netns_enter(&fs) < 0) {
        sb_printf(ev, "racelab could not enter the sandbox's network: %s", strerror(errno));
        goto out;
    }
    pass = server_load(&fs, s, srcdir, ev, fatal);
    if (!*fatal)
        pass = server_stop(&fs, ev) && pass;
out:
    netns_leave(&fs);
    if (fs.pid > 0 && !fs.exited) {
        kill(-fs.pid, SIGKILL);
        kill(fs.pid, SIGKILL);
        sandbox_wait(fs.pid, 10, &fs.status);
    } else if (fs.exited)
        *escaped = sandbox_last_left();
    if (fs.outfd >= 0)
        close(fs.outfd);
    /* The server is gone: whatever it left running (it died with the
     * sandbox's namespace) was started by the submission and escaped it
     * (fork, setsid, SIGTERM ignored). */
    usleep(20000);
    *escaped += sandbox_count(sb);
    if (*escaped > 0) {
        sb_printf(ev, "%s%d process%s started by the submission outlived the server "
                  "(fork/setsid): killed", ev->len ? "; " : "", *escaped,
                  *escaped == 1 ? "" : "es");
        pass = false;
        *fatal = true;
    }
    sandbox_kill_all(sb);
    free(fs.errlog);
    free(www);
    return pass;
}

/* --- contract tests ----------------------------------------------------- */

/* How many tests a suite has: its cmocka_unit_test*() entries. */
static int contract_count(const char *test)
{
    char *src = read_file(test, NULL);
    int n = 0;
    for (char *p = src; p && (p = strstr(p, "cmocka_unit_test")); p++)
        n++;
    free(src);
    return n;
}

/* Compiles the suite (our own code) outside the sandbox into
 * SANDBOX/contract/suite.o.  0, or -1 (EV says why). */
static int contract_compile(struct sandbox *sb, const char *source, const char *test,
                            struct strbuf *ev)
{
    char *inc = xasprintf("%s/src/server", source), *flags = flags_of(FL_RELEASE, inc);
    char *cmd = xasprintf("gcc %s -ffile-prefix-map='%s/'= -I'%s/tests/contract' -c '%s' "
                          "-o '%s/contract/suite.o'", flags, source, source, test, sb->dir);
    char *argv[] = {"sh", "-c", cmd, NULL};
    int status = -1;
    char *out = proc_capture(argv, 120, &status);

    if (status != 0)
        sb_printf(ev, "the contract suite itself does not compile (racelab's tree):\n%s",
                  out ? out : "");
    free(out); free(cmd); free(flags); free(inc);
    return status == 0 ? 0 : -1;
}

struct suite_run {
    int status;
    bool timed_out, hung;
    double seconds;
    char *hang;             /* the hang report, or NULL */
};

/* Runs the suite EXE in the sandbox: at most LIMIT seconds, and a watchdog
 * that calls it stuck once every thread has waited on a futex without CPU
 * progress for 3 s (a slow suite keeps its CPU clock moving). */
static int contract_run(struct sandbox *sb, const char *dir, const char *exe, const char *log,
                        const char *srcdir, double limit, struct suite_run *r, char *err,
                        size_t errlen)
{
    char *argv[] = {(char *)exe, NULL};
    /* 512 tasks: a thread-per-connection fix (thread-leak's detach) has
     * 100 handlers alive in a suite's burst, and a detached handler that
     * has signalled it is done still counts until it has exited, which on
     * a loaded machine overlaps the next burst (a cap of 128 rejected the
     * reference fix in CI).  The pids cgroup (768) still stops a bomb. */
    struct sandbox_limits lim = {.nproc = 512, .as_mb = 4096, .cpu_s = (long)limit + 5,
                                 .fsize_mb = 64, .nofile = 256};
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    struct block_watch w;
    double t0 = now_mono();
    pid_t pid;

    memset(r, 0, sizeof *r);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", log, strerror(errno));
        return -1;
    }
    pid = sandbox_spawn(sb, argv, NULL, dir, &lim, fd, -1, NULL, err, errlen);
    close(fd);
    if (pid < 0)
        return -1;
    block_watch_init(&w, 3);
    while (!sandbox_wait(pid, BLOCK_WATCH_PERIOD, &r->status)) {
        struct thread_sample ts;
        double now = now_mono();
        if (now - t0 > limit)
            r->timed_out = true;
        else if (block_watch_poll(&w, sandbox_main_pid(pid), false, false, now, &ts)) {
            r->hung = true;
            r->hang = hang_report(sandbox_main_pid(pid), true, srcdir);
        }
        if (r->timed_out || r->hung || proc_interrupted()) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            sandbox_wait(pid, 10, &r->status);
            break;
        }
    }
    r->seconds = now_mono() - t0;
    sandbox_kill_all(sb);
    return 0;
}

/* The test that was running when the suite stopped: the last
 * "[ RUN      ] name" without its "[       OK ]". */
static char *contract_current(const char *out)
{
    const char *run = NULL;
    for (const char *p = out; p && (p = strstr(p, "[ RUN      ] ")); p++)
        run = p + 13;
    if (!run)
        return NULL;
    size_t n = strcspn(run, "\n");
    char *name = xasprintf("%.*s", (int)n, run);
    char *ok = xasprintf("[       OK ] %s", name);
    bool done = strstr(run, ok) != NULL;
    free(ok);
    if (done) {
        free(name);
        return NULL;
    }
    return name;
}

/* Evidence or nothing: passed only on cmocka's own summary for every test
 * the suite has, no FAILED, and a normal exit 0. */
static enum criterion_state contract_judge(const char *out, int expected,
                                           const struct suite_run *r, struct strbuf *ev)
{
    char want[64], d[64];
    const char *crash = out ? strstr(out, "exception: ") : NULL;
    char *cur = out ? contract_current(out) : NULL;
    bool passed;

    snprintf(want, sizeof want, "[  PASSED  ] %d test(s).", expected);
    passed = out && strstr(out, want) && !strstr(out, "[  FAILED  ]") && !r->timed_out &&
             !r->hung && WIFEXITED(r->status) && WEXITSTATUS(r->status) == 0;
    proc_describe(r->status, d, sizeof d);
    if (r->hung)
        sb_printf(ev, "stuck: every thread of the suite waited on a lock with no CPU "
                  "progress for 3 s%s%s (%.1f s in); the wait-for cycle:\n%s\n",
                  cur ? ", in " : "", cur ? cur : "", r->seconds, r->hang ? r->hang : "");
    else if (r->timed_out)
        sb_printf(ev, "still running after %.0f s (busy, not blocked)%s%s\n", r->seconds,
                  cur ? ", in " : "", cur ? cur : "");
    else if (WIFSIGNALED(r->status))
        sb_printf(ev, "the suite crashed: %s after %.1f s%s%s\n", d, r->seconds,
                  cur ? ", in " : "", cur ? cur : "");
    if (crash) {
        /* "exception: Segmentation fault(11)" then "[  FAILED  ] test" */
        const char *what = crash + 11, *paren = strchr(what, '(');
        const char *failed = strstr(crash, "[  FAILED  ] ");
        int wl = paren && paren < what + strcspn(what, "\n") ? (int)(paren - what)
                                                             : (int)strcspn(what, "\n");
        sb_printf(ev, "a test crashed: %.*s: %.*s (signal %d)\n",
                  failed ? (int)strcspn(failed + 13, "\n") : 4, failed ? failed + 13 : "test",
                  wl, what, paren ? atoi(paren + 1) : 0);
    }
    if (!passed && !r->hung && !r->timed_out && !WIFSIGNALED(r->status) &&
        !(out && strstr(out, "[  FAILED  ]")))
        sb_printf(ev, "no evidence the suite ran: cmocka's summary \"%s\" is missing "
                  "(%s)\n", want, d);
    size_t n = out ? strlen(out) : 0;
    sb_printf(ev, "%s", out ? out + (n > 1500 ? n - 1500 : 0) : "");
    free(cur);
    return passed ? CR_PASS : CR_FAIL;
}

/* tests/contract/contract_MODULE.c, linked with the submission's release
 * object and only what the suite needs besides (tests/contract/sources.ini,
 * as the servers' objects of this build), under
 * a random name, run in the sandbox. */
static enum criterion_state contract_check(struct sandbox *sb, const char *source,
                                           const char *module, const struct build *b,
                                           char *const core[FL_COUNT], struct strbuf *ev)
{
    char *test = xasprintf("%s/tests/contract/contract_%s.c", source, module);
    char *dir = xasprintf("%s/contract", sb->dir), *exe = random_name("t");
    char *cmd = NULL, *log = xasprintf("%s/contract.log", sb->dir), *out = NULL, err[256];
    enum criterion_state st = CR_FAIL;
    struct suite_run r = {0};

    if (access(test, R_OK) != 0) {
        sb_printf(ev, "not available: no tests/contract/contract_%s.c in this tree", module);
        st = CR_NA;
        goto out;
    }
    if (mkdir(dir, 0755) < 0 || contract_compile(sb, source, test, ev) < 0)
        goto out;
    give_to_slot(sb, dir);
    /* the suite's other sources (tests/contract/sources.ini), as the
     * server objects built once for every check */
    struct strvec extras;
    struct strbuf extra_o;
    sv_init(&extras);
    sb_init(&extra_o);
    if (contract_extra_sources(source, module, &extras, err, sizeof err) < 0) {
        sb_printf(ev, "%s", err);
        sv_free(&extras);
        goto out;
    }
    for (size_t i = 0; i < extras.n; i++) {
        const char *base = strrchr(extras.v[i], '/');
        base = base ? base + 1 : extras.v[i];
        sb_printf(&extra_o, " '%s/%.*s.o'", core[FL_RELEASE], (int)strlen(base) - 2, base);
    }
    sv_free(&extras);
    cmd = xasprintf("gcc -o %s suite.o '%s/release/%s.o'%s -lcmocka -lpthread", exe, b->dir,
                    module, extra_o.buf ? extra_o.buf : "");
    sb_free(&extra_o);
    int rl = sandboxed_sh(sb, cmd, dir, log, 120, &out, err, sizeof err);
    if (rl != 0) {
        if (rl < 0)
            sb_printf(ev, "could not link the suite: %s", err);
        else
            sb_printf(ev, "the suite does not link with your %s.c:\n%s", module, out);
        goto out;
    }
    free(out);
    out = NULL;
    char *path = xasprintf("%s/%s", dir, exe);
    int rr = contract_run(sb, dir, path, log, b->dir, 60, &r, err, sizeof err);
    free(path);
    if (rr < 0) {
        sb_printf(ev, "could not run the suite: %s", err);
        goto out;
    }
    out = read_file(log, NULL);
    st = contract_judge(out, contract_count(test), &r, ev);
out:
    free(r.hang); free(out); free(cmd); free(log); free(exe); free(dir); free(test);
    return st;
}

/* --- detectors and oracles: a child `racelab run` per tool ------------- */

/* SANDBOX/tree: what `racelab run` needs of the source tree (every
 * scenario's manifest, the suppression files) and racelab itself; the
 * tree's sources, reference fixes and solutions stay out of the sandbox. */
static int stage_tree(struct sandbox *sb, const char *source)
{
    char *cmd = xasprintf(
        "set -e; t='%s/tree'; mkdir -p \"$t/sanitizers\"; cp '%s'/sanitizers/*.supp \"$t/sanitizers/\"; "
        "cd '%s/scenarios'; for m in */manifest.ini; do mkdir -p \"$t/scenarios/${m%%/*}\"; "
        "cp \"$m\" \"$t/scenarios/$m\"; done; cp '%s' \"$t/racelab\"; chmod -R a+rX \"$t\"",
        sb->dir, source, source, runner_self_exe);
    char *argv[] = {"sh", "-c", cmd, NULL};
    int status = -1;
    char *out = proc_capture(argv, 60, &status);
    if (status != 0)
        errorf("check: staging the harness into the sandbox failed:\n%s", out ? out : "");
    free(out);
    free(cmd);
    return status == 0 ? 0 : -1;
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The harness's kept session dirs (SANDBOX/racelab.XXXXXX), in *V. */
static void sessions_list(const struct sandbox *sb, struct strvec *v)
{
    DIR *d = opendir(sb->dir);
    struct dirent *e;
    sv_init(v);
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, "racelab.", 8))
            sv_push_own(v, xasprintf("%s/%s", sb->dir, e->d_name));
    if (d)
        closedir(d);
}

static void sessions_remove(const struct sandbox *sb)
{
    struct strvec v;
    sessions_list(sb, &v);
    for (size_t i = 0; i < v.n; i++)
        rm_rf(v.v[i]);
    sv_free(&v);
}

/* Evidence or nothing: every run of a detector must show the detector's
 * own completion marker.  Valgrind: its XML closed (</valgrindoutput>,
 * written when the guest exits through its exit path); TSan: the program
 * ended through exit() (status 0, or TSan's own exitcode 66), not a
 * signal or an _exit from elsewhere.  EV says which run lacked it. */
static bool detector_completed(const struct sandbox *sb, const char *tool, json_t *cell,
                               long runs, struct strbuf *ev)
{
    json_t *r;
    size_t i;
    int complete = 0;
    bool vg = strcmp(tool, "tsan") != 0;

    size_t number = 1;      /* a record may stand for more runs ("folded") */
    json_array_foreach(json_object_get(cell, "runs_detail"), i, r) {
        long sig = (long)json_integer_value(json_object_get(r, "signal"));
        long ex = (long)json_integer_value(json_object_get(r, "exit_status"));
        long also = (long)json_integer_value(json_object_get(r, "folded"));
        if (!vg && sig == 0 && (ex == 0 || ex == 66))
            complete += 1 + (int)also;
        else if (!vg)
            sb_printf(ev, "\n  run %zu: no evidence TSan completed: the server ended by %s %ld, "
                      "not through exit() (0, or 66 when TSan reported)", number,
                      sig ? "signal" : "exit status", sig ? sig : ex);
        number += 1 + (size_t)also;
    }
    if (vg) {
        struct strvec v;
        sessions_list(sb, &v);
        for (size_t k = 0; k < v.n; k++)
            for (long n = 0; n < runs * 4; n++) {
                char *x = xasprintf("%s/run-%ld/vg.xml", v.v[k], n);
                char *xml = read_file(x, NULL);
                if (xml && strstr(xml, "</valgrindoutput>"))
                    complete++;
                else if (xml)
                    sb_printf(ev, "\n  run %ld: no evidence %s completed: its XML report is "
                              "not closed (</valgrindoutput> missing)", n + 1, tool);
                free(xml);
                free(x);
            }
        sv_free(&v);
    }
    if (complete < runs)
        sb_printf(ev, "\n  %s completed in %d of %ld runs: a run without the detector's own "
                  "completion marker is the submission's failure", tool, complete, runs);
    return complete >= runs;
}

/* Whether the cell of one tool passes its criterion.  The judge decided
 * (cell_judge, "status" and "grounds"): tool none passes with the cell (a
 * fixed cell passes only when no oracle, hang, crash or finding); a
 * detector's criterion is what the detector saw, so it fails on the
 * grounds "findings" (beyond a documented false positive), "hang" and
 * "crash", not on the oracles, which have a criterion of their own. */
static bool cell_pass(json_t *cell, bool none)
{
    const char *st_name = jstr(cell, "status") ? jstr(cell, "status") : "";
    bool pass = !strcmp(st_name, "pass");
    json_t *g;
    size_t i;

    if (none)
        return pass;
    pass = strcmp(st_name, "error") != 0 && json_is_array(json_object_get(cell, "grounds"));
    json_array_foreach(json_object_get(cell, "grounds"), i, g)
        if (json_is_string(g) && (!strcmp(json_string_value(g), "findings") ||
                                  !strcmp(json_string_value(g), "hang") ||
                                  !strcmp(json_string_value(g), "crash")))
            pass = false;
    return pass;
}

/* racelab run SCEN --variant fixed --tool TOOL ... --json JSON: the
 * harness command line one tool criterion runs in the sandbox, with the
 * sandbox's copy of racelab (TREE/racelab) and its tree. */
static void tool_check_argv(struct strvec *argv, const char *tree, const char *scen,
                            const char *tool, const char *subdir, long runs,
                            double duration, double timeout, long jobs, long seed,
                            const char *json)
{
    sv_init(argv);
    sv_push_own(argv, xasprintf("%s/racelab", tree));
    sv_push(argv, "run");
    sv_push(argv, scen);
    sv_push(argv, "--variant");
    sv_push(argv, "fixed");
    sv_push(argv, "--tool");
    sv_push(argv, tool);
    sv_push(argv, "--runs");
    sv_push_own(argv, xasprintf("%ld", runs));
    sv_push(argv, "--duration");
    sv_push_own(argv, xasprintf("%g", duration));
    sv_push(argv, "--jobs");
    sv_push_own(argv, xasprintf("%ld", jobs));
    sv_push(argv, "--seed");
    sv_push_own(argv, xasprintf("%ld", seed));
    if (timeout > 0) {
        sv_push(argv, "--timeout");
        sv_push_own(argv, xasprintf("%g", timeout));
    }
    sv_push(argv, "--no-early-stop");
    sv_push(argv, "--keep-tmp");     /* the detectors' own outputs: evidence */
    sv_push(argv, "--quiet");
    sv_push(argv, "--source-dir");
    sv_push(argv, tree);
    sv_push(argv, "--build-dir");
    sv_push(argv, subdir);
    sv_push(argv, "--json");
    sv_push(argv, json);
}

static enum criterion_state tool_check(struct sandbox *sb, const char *scen, const char *module,
                                       const char *symptom, const char *tool, const char *subdir, long runs,
                                       double duration, double timeout, long jobs, long seed,
                                       const struct paths *p, struct strbuf *ev)
{
    char *json = xasprintf("%s/%s.json", sb->dir, tool);
    char *log = xasprintf("%s/%s.log", sb->dir, tool);
    struct strvec argv;
    char err[256];
    int status = 0;
    bool to = false;
    enum criterion_state st = CR_FAIL;
    bool none = !strcmp(tool, "none");

    char *tree = xasprintf("%s/tree", sb->dir);
    tool_check_argv(&argv, tree, scen, tool, subdir, runs, duration, timeout, jobs, seed,
                    json);
    /* TSan and Valgrind reserve terabytes of address space: no RLIMIT_AS
     * for them (the memory cgroup, where there is one, still applies). */
    /* A racelab built with ASan or TSan (the asan/tsan flavors) reserves
     * terabytes of shadow itself. */
    const char *volatile flavor = RACELAB_FLAVOR;
    bool sanitized = strcmp(flavor, "release") != 0 && strcmp(flavor, "valgrind") != 0;
    struct sandbox_limits lim = {.nproc = 512, .as_mb = none && !sanitized ? 8192 : 0,
                                 .cpu_s = 600,
                                 .fsize_mb = 256, .nofile = 4096};
    bool vg = !strcmp(tool, "helgrind") || !strcmp(tool, "drd");
    double budget = (double)runs * (duration + (timeout > 0 ? timeout : (vg ? 200 : 70))) /
                        (double)(jobs > 0 ? jobs : 1) + 30;
    char *env[] = {NULL, NULL};
    const char *tso = getenv("TSAN_OPTIONS");
    if (tso)
        env[0] = xasprintf("TSAN_OPTIONS=%s", tso);
    progress("%s: %ld run%s of %g s", tool, runs, runs == 1 ? "" : "s", duration);
    if (sandbox_run(sb, argv.v, env, NULL, &lim, budget, log, &status, &to, err, sizeof err) < 0) {
        sb_printf(ev, "could not run the harness: %s", err);
        goto out;
    }
    char *text = read_file(json, NULL);
    json_t *root = text ? json_loads(text, 0, NULL) : NULL;
    json_t *cell = json_array_get(json_object_get(root, "results"), 0);
    free(text);
    if (!cell) {
        char *l = read_file(log, NULL);
        size_t n = l ? strlen(l) : 0;
        char d[64];
        proc_describe(status, d, sizeof d);
        sb_printf(ev, "the harness wrote no report (%s%s)%s%s", to ? "timed out, " : "", d,
                  n ? ": " : "", n ? l + (n > 800 ? n - 800 : 0) : "");
        free(l);
        json_decref(root);
        goto out;
    }
    (void)module;
    check_show_cell(json, tool, ev);
    bool pass = cell_pass(cell, none);
    if (!none && !detector_completed(sb, tool, cell, runs, ev))
        pass = false;
    st = pass ? CR_PASS : CR_FAIL;
    json_decref(root);
out:
    sessions_remove(sb);
    free(tree);
    free(env[0]);
    sv_free(&argv);
    free(json);
    free(log);
    return st;
}

/* --- reports ------------------------------------------------------------ */

struct verdict {
    const char *name, *scenario, *file;
    struct criterion cr[CR_COUNT];
    double score;
    bool accepted;
    char *reason;
    char *zero;         /* why the score is 0 whatever passed, or NULL */
};

static double score_of(struct verdict *v)
{
    int avail = 0, got = 0;
    if (v->cr[CR_BUILD].state != CR_PASS || v->zero)
        return 0;
    for (int i = 0; i < CR_COUNT; i++) {
        if (v->cr[i].state == CR_NA)
            continue;
        avail += criterion_weights[i];
        if (v->cr[i].state == CR_PASS)
            got += criterion_weights[i];
    }
    return avail ? 100.0 * got / avail : 0;
}

static double max_of(const struct verdict *v, int i)
{
    int avail = 0;
    for (int k = 0; k < CR_COUNT; k++)
        if (v->cr[k].state != CR_NA)
            avail += criterion_weights[k];
    return v->cr[i].state == CR_NA || !avail ? 0 : 100.0 * criterion_weights[i] / avail;
}

static const char *state_name(enum criterion_state s)
{
    return s == CR_PASS ? "pass" : s == CR_FAIL ? "fail" : "n/a";
}

static int write_reports(const struct verdict *v, const char *json, const char *junit,
                         const char *gs)
{
    int rc = 0;
    if (json) {
        json_t *o = json_object(), *arr = json_array();
        json_object_set_new(o, "name", json_string(v->name));
        json_object_set_new(o, "scenario", json_string(v->scenario));
        json_object_set_new(o, "file", json_string(v->file));
        json_object_set_new(o, "accepted", json_boolean(v->accepted));
        json_object_set_new(o, "verdict", json_string(v->accepted ? "accepted" : "rejected"));
        json_object_set_new(o, "score", json_real(v->score));
        json_object_set_new(o, "reason", json_string(v->reason ? v->reason : ""));
        for (int i = 0; i < CR_COUNT; i++)
            json_array_append_new(arr, json_pack("{s:s, s:s, s:i, s:f, s:s, s:s}",
                                                 "name", criterion_names[i],
                                                 "title", criterion_titles[i],
                                                 "weight", criterion_weights[i],
                                                 "max_score", max_of(v, i),
                                                 "state", state_name(v->cr[i].state),
                                                 "evidence", v->cr[i].evidence ?
                                                 v->cr[i].evidence : ""));
        json_object_set_new(o, "criteria", arr);
        if (json_dump_file(o, json, JSON_INDENT(2)) < 0) {
            errorf("--json %s: cannot write", json);
            rc = -1;
        }
        json_decref(o);
    }
    if (gs) {
        json_t *o = json_object(), *tests = json_array();
        json_object_set_new(o, "score", json_real(v->score));
        json_object_set_new(o, "max_score", json_real(100));
        json_object_set_new(o, "visibility", json_string("visible"));
        json_object_set_new(o, "stdout_visibility", json_string("visible"));
        json_object_set_new(o, "output", json_string(v->reason ? v->reason : ""));
        for (int i = 0; i < CR_COUNT; i++) {
            double mx = max_of(v, i);
            char *name = xasprintf("%s: %s", criterion_names[i], criterion_titles[i]);
            json_t *t = json_pack("{s:s, s:f, s:f, s:s, s:s, s:s}", "name", name,
                                  "score", v->cr[i].state == CR_PASS && v->score > 0 ? mx : 0.0,
                                  "max_score", mx,
                                  "output", v->cr[i].evidence ? v->cr[i].evidence : "",
                                  "visibility", "visible",
                                  "status", v->cr[i].state == CR_FAIL ? "failed" : "passed");
            free(name);
            json_array_append_new(tests, t);
        }
        json_object_set_new(o, "tests", tests);
        if (json_dump_file(o, gs, JSON_INDENT(2)) < 0) {
            errorf("--gradescope %s: cannot write", gs);
            rc = -1;
        }
        json_decref(o);
    }
    if (junit) {
        FILE *f = fopen(junit, "w");
        int fails = 0, skips = 0;
        if (!f) {
            errorf("--junit %s: %s", junit, strerror(errno));
            return -1;
        }
        for (int i = 0; i < CR_COUNT; i++) {
            fails += v->cr[i].state == CR_FAIL;
            skips += v->cr[i].state == CR_NA;
        }
        fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
                "<testsuite name=\"racelab check ");
        rl_xml_escape(f, v->scenario);
        fprintf(f, ": ");
        rl_xml_escape(f, v->name);
        fprintf(f, "\" tests=\"%d\" failures=\"%d\" skipped=\"%d\">\n", CR_COUNT, fails, skips);
        for (int i = 0; i < CR_COUNT; i++) {
            fprintf(f, "  <testcase classname=\"");
            rl_xml_escape(f, v->name);
            fprintf(f, "\" name=\"%s\">", criterion_names[i]);
            if (v->cr[i].state != CR_PASS) {
                fprintf(f, v->cr[i].state == CR_FAIL ? "<failure message=\"" : "<skipped message=\"");
                rl_xml_escape(f, criterion_titles[i]);
                fprintf(f, "\">");
                rl_xml_escape(f, v->cr[i].evidence);
                fprintf(f, v->cr[i].state == CR_FAIL ? "</failure>" : "</skipped>");
            } else {
                fprintf(f, "<system-out>");
                rl_xml_escape(f, v->cr[i].evidence);
                fprintf(f, "</system-out>");
            }
            fprintf(f, "</testcase>\n");
        }
        fprintf(f, "</testsuite>\n</testsuites>\n");
        if (fclose(f) != 0)
            rc = -1;
    }
    return rc;
}

char *check_cache_dir(const struct paths *p, const char *flag)
{
    const char *env = getenv("RACELAB_CACHE_DIR");
    if (flag)
        return xstrdup(flag);
    if (env && *env)
        return xstrdup(env);
    char *root = build_root_of(p), *c = xasprintf("%s/check-cache", root);
    free(root);
    return c;
}

/* Builds the core objects for the flavors the tools need; grade calls it
 * once before its checks start, so they do not all build it at once. */
int check_prepare(const struct paths *p, const char *cache, const bool need[3])
{
    mkdir(cache, 0755);
    for (int fl = 0; fl < FL_COUNT; fl++)
        if (need[fl]) {
            char *d = core_build(cache, p->source, fl);
            if (!d)
                return -1;
            free(d);
        }
    return 0;
}

struct check_opts {
    bool tools[TOOL_COUNT], tools_set, keep, share;
    long runs, jobs, seed;
    double duration, timeout, check_timeout;
    const char *json, *junit, *gs, *html, *name, *cache_flag;
    const char *scen_arg, *file;
};

/* The command line: -1 to go on, else the exit code. */
static int check_parse(int argc, char **argv, struct paths *p, struct check_opts *o)
{
    /* the options: cli/options.h's table, with check's defaults */
    struct cli_opts opt;
    int prc;

    memset(o, 0, sizeof *o);
    options_init(&opt);
    opt.runs = 2;
    opt.jobs = 1;
    opt.seed = 1;
    opt.duration = 2;
    opt.check_timeout = 900;
    prc = options_parse(OC_CHECK, argc, argv, &opt, false, usage_head, usage_tail);
    if (prc != 0) {
        options_free(&opt);
        return prc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    options_paths(&opt, p);
    for (int t = 0; t < TOOL_COUNT; t++)
        if (opt.tools[t] && !check_judges_with(t)) {
            errorf("--tool: no criterion for tool '%s' (check judges with: tsan, "
                   "helgrind, drd, none)", tool_names[t]);
            options_free(&opt);
            return EXIT_USAGE;
        }
    memcpy(o->tools, opt.tools, sizeof o->tools);
    o->tools_set = opt.given[OPT_TOOL];
    o->keep = opt.keep;
    o->share = opt.share;
    o->check_timeout = opt.check_timeout;
    quiet = opt.quiet;
    o->runs = opt.runs;
    o->jobs = opt.jobs;
    o->seed = opt.seed;
    o->duration = opt.duration;
    o->timeout = opt.timeout;
    o->json = opt.out.json;
    o->junit = opt.out.junit;
    o->gs = opt.gradescope;
    o->html = opt.out.html;
    o->name = opt.name;
    o->cache_flag = opt.cache_dir;
    options_free(&opt);         /* no list options in check: nothing owned */
    if (argc - optind != 2) {
        errorf("check: expected SCENARIO FILE.c (racelab check stats-counter my-stats.c)");
        return EXIT_USAGE;
    }
    o->scen_arg = argv[optind];
    o->file = argv[optind + 1];
    return -1;
}

/* Which tools: asked for, or every installed one.  0 or EXIT_ENV. */
static int check_tools(struct check_opts *o)
{
    char *clang = which("clang"), *vg = which("valgrind"), *gcc = which("gcc");
    int rc = 0;

    if (!gcc) {
        errorf("check: gcc is not installed (apt-get install gcc)");
        rc = EXIT_ENV;
    } else if (!o->tools_set) {
        o->tools[TOOL_NONE] = true;
        o->tools[TOOL_TSAN] = clang != NULL;
        o->tools[TOOL_HELGRIND] = o->tools[TOOL_DRD] = vg != NULL;
    } else if ((o->tools[TOOL_TSAN] && !clang) ||
               ((o->tools[TOOL_HELGRIND] || o->tools[TOOL_DRD]) && !vg)) {
        const char *what = o->tools[TOOL_TSAN] && !clang ? "clang" : "valgrind";
        errorf("check: %s is not installed (apt-get install %s)", what, what);
        rc = EXIT_ENV;
    }
    if (rc == 0)
        detectors_prepare(o->tools);
    free(clang);
    free(vg);
    free(gcc);
    return rc;
}

/* Opens the sandbox and stages what the submission's builds and runs need
 * (the server's objects, the harness): 0 or EXIT_ENV. */
static int check_stage(struct sandbox *sb, const struct paths *p, const char *cache,
                       const bool need[FL_COUNT], char *core[FL_COUNT])
{
    char err[512];

    if (check_prepare(p, cache, need) < 0)
        return EXIT_ENV;
    for (int fl = 0; fl < FL_COUNT; fl++)
        if (need[fl])
            core[fl] = core_build(cache, p->source, fl);
    if (sandbox_open(sb, NULL, err, sizeof err) < 0) {
        errorf("check: %s", err);
        return EXIT_ENV;
    }
    /* The server's objects, staged into the sandbox: the slot UID cannot
     * reach the cache (it is not in the sandbox's root). */
    for (int fl = 0; fl < FL_COUNT; fl++) {
        if (!core[fl])
            continue;
        char *staged = xasprintf("%s/core-%s", sb->dir, flavor_names[fl]);
        char *cp = xasprintf("cp -a '%s' '%s' && chmod -R a+rX '%s'", core[fl], staged, staged);
        int r = system(cp);
        if (r != 0)
            errorf("check: %s: failed", cp);
        free(cp);
        free(core[fl]);
        core[fl] = staged;
        if (r != 0)
            return EXIT_ENV;
    }
    return stage_tree(sb, p->source) < 0 ? EXIT_ENV : 0;
}

/* How sure a clean statistical criterion is: over N runs, a problem that
 * shows in a fraction q of runs is missed with probability (1-q)^N; at 95%
 * confidence a clean result rules out q >= 1 - 0.05^(1/N). */
static void statistical_note(struct strbuf *ev, long runs, bool pass)
{
    double q = 1 - pow(0.05, 1.0 / (double)runs);
    if (pass)
        sb_printf(ev, "\n  (statistical: clean in %ld run%s; at 95%% confidence this rules out "
                  "only problems that show in %.0f%% of runs or more)", runs,
                  runs == 1 ? "" : "s", 100 * q);
    else
        sb_printf(ev, "\n  (a finding is proof: seen once is enough; a clean re-run would not "
                  "clear it)");
}

/* The detector each run criterion runs under. */
static const int tool_of[CR_COUNT] = {[CR_ORACLES] = TOOL_NONE, [CR_TSAN] = TOOL_TSAN,
                                      [CR_HELGRIND] = TOOL_HELGRIND, [CR_DRD] = TOOL_DRD};

/* The check was stopped (--check-timeout, a signal) while criterion C ran:
 * what it saw is what stopping it did (a server "hanging" at shutdown, a
 * suite cut short), so it has no result; the later ones were not run. */
static void stopped_at(struct verdict *v, struct strbuf ev[], int c, const bool tools[])
{
    v->cr[c].state = CR_NA;
    sb_free(&ev[c]);
    sb_init(&ev[c]);
    sb_puts(&ev[c], "stopped while it ran (--check-timeout or a signal): no result");
    for (int k = c + 1; k < CR_COUNT; k++) {
        if (k >= CR_ORACLES && !tools[tool_of[k]])
            continue;       /* "not asked for" / "not installed" already */
        v->cr[k].state = CR_NA;
        sb_puts(&ev[k], "not run: the check was stopped before it");
    }
}

/* A run criterion whose tool is not in this check: n/a, and why. */
static void not_asked(struct verdict *v, struct strbuf ev[], const struct check_opts *o)
{
    for (int c = CR_ORACLES; c <= CR_DRD; c++)
        if (!o->tools[tool_of[c]]) {
            v->cr[c].state = CR_NA;
            sb_printf(&ev[c], "not available: %s",
                      o->tools_set ? "not asked for (--tool)" :
                      tool_of[c] == TOOL_TSAN ? "clang is not installed"
                                              : "valgrind is not installed");
        }
}

/* --check-timeout fell while the server's objects or the submission were
 * built: V's criteria (check_judge did not finish them; cmd_check sets the
 * timed-out verdict itself). */
static void stopped_building(struct verdict *v, const struct check_opts *o)
{
    struct strbuf ev[CR_COUNT];
    for (int i = 0; i < CR_COUNT; i++) {
        sb_init(&ev[i]);
        free(v->cr[i].evidence);
        v->cr[i].evidence = NULL;
    }
    not_asked(v, ev, o);
    stopped_at(v, ev, CR_BUILD, o->tools);
    for (int i = 0; i < CR_COUNT; i++)
        v->cr[i].evidence = sb_steal(&ev[i]);
}

/* Every criterion but the build, on a submission that built. */
static void judge_built(struct sandbox *sb, const struct check_opts *o, const struct paths *p,
                        const char *scen, const struct scenario *s, const struct build *b,
                        char *const core[FL_COUNT], struct verdict *v, struct strbuf ev[])
{
    bool fatal = false;
    int escaped = 0;

    not_asked(v, ev, o);
    progress("functional check");
    v->cr[CR_FUNCTIONAL].state = functional_check(sb, b->exe, b->dir, s, &ev[CR_FUNCTIONAL],
                                                  &fatal, &escaped) ? CR_PASS : CR_FAIL;
    if (proc_interrupted()) {
        stopped_at(v, ev, CR_FUNCTIONAL, o->tools);
        return;
    }
    /* Zero, with the reason: a server that does not start or answer
     * (spins, crashes, deadlocks), or one that leaves processes behind. */
    if (escaped > 0)
        v->zero = xasprintf("the submission started %d process%s that outlived the server "
                            "(fork/setsid): score 0", escaped, escaped == 1 ? "" : "es");
    else if (fatal)
        v->zero = xstrdup("the server did not start, crashed, or stopped answering (see "
                          "functional): score 0");
    const char *skip = escaped ? "not run: the submission leaves processes behind"
                               : "not run: the server did not start or answer";
    if (fatal)
        sb_puts(&ev[CR_CONTRACT], skip);
    else {
        progress("contract tests");
        v->cr[CR_CONTRACT].state = contract_check(sb, p->source, s->module, b, core,
                                                  &ev[CR_CONTRACT]);
        if (proc_interrupted()) {
            stopped_at(v, ev, CR_CONTRACT, o->tools);
            return;
        }
        if (v->cr[CR_CONTRACT].state == CR_PASS)
            sb_puts(&ev[CR_CONTRACT], "\n(statistical where a test runs threads: one run "
                    "of the suite; a failure is proof)");
    }
    for (int c = CR_ORACLES; c <= CR_DRD; c++) {
        int t = tool_of[c];
        if (!o->tools[t])
            continue;
        if (fatal) {
            sb_puts(&ev[c], skip);
            continue;
        }
        v->cr[c].state = tool_check(sb, scen, s->module, s->symptom, tool_names[t], b->dir,
                                    o->runs, o->duration, o->timeout, o->jobs, o->seed, p,
                                    &ev[c]);
        if (proc_interrupted()) {
            stopped_at(v, ev, c, o->tools);
            return;
        }
        statistical_note(&ev[c], o->runs, v->cr[c].state == CR_PASS);
    }
}

/* The verdict's reason, acceptance and score from the criteria. */
static void verdict_finish(struct sandbox *sb, struct verdict *v, struct strbuf ev[])
{
    if (v->zero && !v->reason)
        v->reason = xstrdup(v->zero);
    if (!v->reason) {
        struct strbuf why;
        sb_init(&why);
        for (int i = 0; i < CR_COUNT; i++)
            if (v->cr[i].state == CR_FAIL)
                sb_printf(&why, "%s%s", why.len ? ", " : "failed: ", criterion_names[i]);
        v->reason = sb_steal(&why);
        if (!v->reason[0]) {
            free(v->reason);
            v->reason = xstrdup("every criterion passed");
        }
    }
    int left = sandbox_kill_all(sb);
    if (left > 0)
        sb_printf(&ev[CR_FUNCTIONAL], "%s(%d process%s of the submission were still alive at "
                  "the end and were killed)", ev[CR_FUNCTIONAL].len ? "\n" : "", left,
                  left == 1 ? "" : "es");
    for (int i = 0; i < CR_COUNT; i++) {
        char *e = sb_steal(&ev[i]);
        v->cr[i].evidence = check_show_scrub(e);     /* a hunt case names nothing */
        free(e);
    }
    v->accepted = v->cr[CR_BUILD].state == CR_PASS && !v->zero;
    for (int i = 0; i < CR_COUNT; i++)
        if (v->cr[i].state == CR_FAIL)
            v->accepted = false;
    v->score = score_of(v);
}

static void print_verdict(const struct verdict *v, const char *shown, const char *file)
{
    printf("racelab check %s %s: %s, score %.0f/100\n", shown, file,
           v->accepted ? "ACCEPTED" : "REJECTED", v->score);
    if (v->reason)
        printf("  (%s)\n", v->reason);
    for (int i = 0; i < CR_COUNT; i++) {
        printf("  %-4s %-10s (%2d) %s\n", v->cr[i].state == CR_PASS ? "pass" :
               v->cr[i].state == CR_FAIL ? "FAIL" : "n/a", criterion_names[i],
               criterion_weights[i], criterion_titles[i]);
        for (char *line = v->cr[i].evidence, *nl; line && *line; line = nl) {
            nl = strchr(line, '\n');
            printf("         %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
            if (nl)
                nl++;
        }
    }
    fflush(stdout);
}

/* Builds and judges CODE in the open sandbox: fills V.  0, or EXIT_ENV. */
static int check_judge(struct sandbox *sb, const struct check_opts *o, const struct paths *p,
                       const char *cache, const char *scen, const struct scenario *s,
                       const char *code, size_t len, const bool need[FL_COUNT],
                       char *core[FL_COUNT], struct verdict *v)
{
    struct build b;
    struct strbuf ev[CR_COUNT];

    for (int i = 0; i < CR_COUNT; i++)
        v->cr[i].state = CR_FAIL;
    if (submission_build(sb, cache, p->source, scen, s->module, code, len, need, core, &b) < 0)
        return EXIT_ENV;
    for (int i = 0; i < CR_COUNT; i++)
        sb_init(&ev[i]);
    if (b.refused) {
        sb_printf(&ev[CR_BUILD], "refused: %s", b.refused);
        for (int i = 1; i < CR_COUNT; i++)
            sb_puts(&ev[i], "not run: the submission was refused");
        v->reason = xasprintf("refused: %s", b.refused);
        v->zero = xstrdup(v->reason);
    } else if (!b.ok) {
        sb_printf(&ev[CR_BUILD], "%s.c does not compile:\n%s", s->module, b.log ? b.log : "");
        for (int i = 1; i < CR_COUNT; i++)
            sb_puts(&ev[i], "not run: the submission does not compile");
        v->reason = xstrdup("does not compile");
    } else {
        v->cr[CR_BUILD].state = CR_PASS;
        sb_printf(&ev[CR_BUILD], "built as %s in %s%s%s; sandbox: %s", check_show_file_name(),
                  need[0] ? "release" : "", need[1] ? ", tsan" : "", need[2] ? ", valgrind" : "",
                  sandbox_describe(sb));
        judge_built(sb, o, p, scen, s, &b, core, v, ev);
    }
    verdict_finish(sb, v, ev);
    free(b.dir);
    free(b.log);
    free(b.refused);
    free(b.exe);
    return 0;
}

/* SCENARIO (a name or a hunt case) into S: -1 to go on, else the exit. */
static int check_scenario(const struct check_opts *o, const struct paths *p, const char **scen,
                          struct scenario *s)
{
    char err[512];
    *scen = hunt_resolve(o->scen_arg, p);
    char *sdir = xasprintf("%s/scenarios/%s", p->source, *scen);
    int rc = -1;
    if (strchr(*scen, '/') || scenario_load(s, sdir, "manifest.ini", err, sizeof err) < 0) {
        if (access(sdir, F_OK) == 0 && !strchr(*scen, '/')) {
            errorf("%s", err);
            rc = EXIT_ENV;
        } else {
            errorf("check: unknown scenario '%s' (racelab list shows them)", o->scen_arg);
            rc = EXIT_USAGE;
        }
    }
    free(sdir);
    return rc;
}

int cmd_check(int argc, char **argv, struct paths *p)
{
    struct check_opts o;
    struct outputs outs = {0};
    struct scenario s = {0};
    const char *scen;
    char *code = NULL, *cache = NULL, *core[FL_COUNT] = {0};
    size_t len;
    int rc = check_parse(argc, argv, p, &o);

    if (rc >= 0)
        return rc;
    umask(022);     /* the sandbox's files must be readable by its UID */
    if ((rc = check_scenario(&o, p, &scen, &s)) >= 0) {
        scenario_free(&s);
        return rc;
    }
    check_show_begin(o.file, s.module, scen, s.bug_class, scen != o.scen_arg ? o.scen_arg : NULL);
    rc = EXIT_USAGE;
    if (!(code = read_file(o.file, &len))) {
        errorf("check: %s: %s", o.file, strerror(errno));
        goto out;
    }
    outs.json = o.json;
    outs.junit = o.junit;
    outs.html = o.gs;     /* only checked for writability */
    struct outputs page = {.html = o.html};
    rc = EXIT_ENV;
    if (outputs_check(&outs) < 0 || outputs_check(&page) < 0 || check_tools(&o) != 0)
        goto out;
    bool need[FL_COUNT] = {true, o.tools[TOOL_TSAN], o.tools[TOOL_HELGRIND] || o.tools[TOOL_DRD]};
    cache = check_cache_dir(p, o.cache_flag);
    struct sandbox sb = {.uid = -1, .lock_fd = -1};
    struct verdict v = {.name = o.name ? o.name : o.file, .scenario = o.scen_arg, .file = o.file};
    /* The whole check's limit (every wait inside is bounded too): what
     * grade does to a check that runs too long, for a check alone. */
    proc_deadline(o.check_timeout);
    bool judged = check_stage(&sb, p, cache, need, core) == 0 &&
                  check_judge(&sb, &o, p, cache, scen, &s, code, len, need, core, &v) == 0;
    int stop = proc_interrupted();      /* read once: the verdict and rc agree */
    if (!judged && stop != SIGALRM) {
        sandbox_close(&sb);
        goto out;
    }
    if (!judged)
        stopped_building(&v, &o);       /* the limit fell while it built */
    if (stop == SIGALRM) {
        v.accepted = false;
        v.score = 0;
        free(v.reason);
        v.reason = xasprintf("check timed out after %g s (--check-timeout): score 0",
                             o.check_timeout);
    }
    print_verdict(&v, scen != o.scen_arg ? o.scen_arg : scen, o.file);
    rc = stop == SIGALRM ? EXIT_FAILED : stop ? EXIT_INTERRUPTED
         : v.accepted ? EXIT_OK : EXIT_FAILED;
    if (!o.share)
        umask(077);     /* reports: the grader's and the student's only */
    if (write_reports(&v, o.json, o.junit, o.gs) < 0)
        rc = EXIT_ENV;
    if (o.html && check_show_html(o.html, scen != o.scen_arg ? o.scen_arg : scen, v.accepted,
                                  v.score, v.reason, v.cr) < 0)
        rc = EXIT_ENV;
    if (o.keep)
        progress("kept %s", sb.dir);
    else
        sandbox_close(&sb);
    for (int i = 0; i < CR_COUNT; i++)
        free(v.cr[i].evidence);
    free(v.reason);
    free(v.zero);
out:
    check_show_end();
    for (int fl = 0; fl < FL_COUNT; fl++)
        free(core[fl]);
    free(cache);
    free(code);
    scenario_free(&s);
    return rc;
}
