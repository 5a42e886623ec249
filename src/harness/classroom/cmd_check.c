/* cmd_check.c - `racelab check SCENARIO FILE.c`: is FILE.c a fix of the
 * scenario's module?  It is built out of tree in every flavor the tools
 * need (a cache keyed by the content), then judged on: the module's
 * contract tests, every oracle under the scenario's load, every installed
 * detector, and a functional check that the module still does its job.
 * The submission is untrusted: every build and run happens in a sandbox
 * (sandbox.h).  Exit 0 accepted, 1 rejected, 2 usage, 3 environment. */
#include "check.h"
#include "check_show.h"
#include "cli.h"
#include "docroot.h"
#include "http_client.h"
#include "manifest.h"
#include "proc.h"
#include "sandbox.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab check SCENARIO FILE.c [options]\n"
"Builds FILE.c as SCENARIO's module (SCENARIO: a name or a hunt case ID) and\n"
"judges it as a fix: contract tests, every oracle under the scenario's load,\n"
"the installed detectors, and a functional check.  FILE.c is untrusted: it\n"
"is built and run in a sandbox (docs/SECURITY.md).\n"
"\n"
"  --tool LIST         tsan, helgrind, drd, none (default: the installed ones)\n"
"  --runs N            runs per tool (default 2)\n"
"  --duration SECONDS  load per run (default 2)\n"
"  --timeout SECONDS   limit per harness run (default: racelab run's)\n"
"  --jobs N            runs in parallel (default 1)\n"
"  --seed N            load seed (default 1: every submission sees the same load)\n"
"  --json FILE --junit FILE --gradescope FILE   reports (Gradescope results.json)\n"
"  --html FILE         the verdict as a page: each finding's two sites side by\n"
"                      side with your source lines, each deadlock's cycle drawn\n"
"  --name NAME         the submission's name in reports (default: FILE)\n"
"  --cache-dir DIR     build cache (default $RACELAB_CACHE_DIR, else\n"
"                      BUILD/check-cache)\n"
"  --keep-tmp          keep the sandbox dir\n"
"  --quiet             no progress on stderr\n"
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

void xml_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<') fputs("&lt;", f);
        else if (c == '>') fputs("&gt;", f);
        else if (c == '&') fputs("&amp;", f);
        else if (c == '"') fputs("&quot;", f);
        else if (c < 0x20 && c != '\n' && c != '\t') fprintf(f, "&#x%x;", c);
        else fputc(c, f);
    }
}

static char *flags_of(int fl, const char *source)
{
    return xasprintf("-std=gnu11 -D_GNU_SOURCE -DRACELAB_FLAVOR='\"%s\"' -Wall -Wextra "
                     "-Wno-unused-parameter %s -I'%s/src/server'", flavor_names[fl],
                     flavor_cflags[fl], source);
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
    char *flags = flags_of(fl, source);
    char *cmd = xasprintf("cd '%s' && %s %s -c '%s'/src/server/*.c", tmp,
                          flavor_cc[fl], flags, source);
    char *argv[] = {"sh", "-c", cmd, NULL};
    int status = -1;
    char *out = proc_capture(argv, 300, &status);
    if (status != 0) {
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
    if (lchown(p, 0, 0) < 0) {}
    if (flag == FTW_D)
        chmod(p, 0755);
    return 0;
}

struct build {
    bool ok;
    char *dir;          /* CACHE/sub-KEY: FLAVOR/racelab-server-SCEN-fixed */
    char *log;          /* the compiler's messages */
};

/* Builds the submission MODULE.c in the flavors FL (sandboxed), cached by
 * content.  Returns 0 (B filled, ok or not), -1 on an environment error. */
static int submission_build(struct sandbox *sb, const char *cache, const char *source,
                            const char *scen, const char *module, const char *code,
                            size_t len, const bool need[FL_COUNT], char *core[FL_COUNT],
                            struct build *b)
{
    static const unsigned char k1[16] = "racelab-sub-key1", k2[16] = "racelab-sub-key2";
    unsigned long long th = tree_hash(source);
    char *keytxt = xasprintf("%s\n%s\n%llx\n", scen, module, th);
    struct strbuf id;
    int rc = 0;

    sb_init(&id);
    sb_printf(&id, "%016llx%016llx", siphash24(k1, code, len) ^ siphash24(k1, keytxt, strlen(keytxt)),
              siphash24(k2, code, len) ^ siphash24(k2, keytxt, strlen(keytxt)));
    free(keytxt);
    memset(b, 0, sizeof *b);
    /* The cache (root's, maybe under a private dir) is never touched by
     * the slot UID: builds happen in the sandbox and are copied into the
     * cache; the runs use a copy in the sandbox. */
    char *cdir = xasprintf("%s/sub-%s", cache, id.buf);
    for (int fl = 0; fl < FL_COUNT; fl++) {
        if (!need[fl])
            continue;
        char *st = xasprintf("%s/%s.status", cdir, flavor_names[fl]);
        char *s = read_file(st, NULL);
        free(st);
        if (!s)
            goto build;
        bool ok = strncmp(s, "ok", 2) == 0;
        free(s);
        if (!ok) {
            char *lp = xasprintf("%s/%s.log", cdir, flavor_names[fl]);
            b->log = read_file(lp, NULL);
            free(lp);
            b->ok = false;
            b->dir = cdir;
            sb_free(&id);
            return 0;
        }
    }
    b->dir = xasprintf("%s/bin", sb->dir);
    {
        char *cp = xasprintf("cp -a '%s' '%s'", cdir, b->dir);
        if (system(cp) != 0) {
            errorf("check: %s: failed", cp);
            rc = -1;
        }
        free(cp);
    }
    b->ok = rc == 0;
    free(cdir);
    sb_free(&id);
    return rc;

build:
    progress("building %s (%s)", check_show_file_name(), id.buf);
    {
        char *tmp = xasprintf("%s/build", sb->dir);
        rm_rf(tmp);
        mkdir(cache, 0755);
        if (mkdir(tmp, 0755) < 0) {
            errorf("check: mkdir %s: %s", tmp, strerror(errno));
            free(tmp);
            sb_free(&id);
            return -1;
        }
        /* what an earlier partial build left (other flavors) */
        {
            char *cp = xasprintf("cp -a '%s'/. '%s'/ 2>/dev/null; true", cdir, tmp);
            if (system(cp) != 0) {}
            free(cp);
        }
        char *src = xasprintf("%s/%s.c", tmp, module);
        FILE *f = fopen(src, "w");
        if (!f || fwrite(code, 1, len, f) != len) {
            errorf("check: %s: %s", src, strerror(errno));
            if (f) fclose(f);
            free(src); free(tmp); sb_free(&id);
            return -1;
        }
        fclose(f);
        if (sb->uid >= 0) {
            if (chown(tmp, (uid_t)sb->uid, (gid_t)sb->uid) < 0 ||
                chown(src, (uid_t)sb->uid, (gid_t)sb->uid) < 0) {}
        }
        b->ok = true;
        for (int fl = 0; fl < FL_COUNT && b->ok; fl++) {
            if (!need[fl])
                continue;
            char *st = xasprintf("%s/%s.status", tmp, flavor_names[fl]);
            char *done = read_file(st, NULL);
            if (done && !strncmp(done, "ok", 2)) {
                free(done);
                free(st);
                continue;
            }
            free(done);
            char *flags = flags_of(fl, source);
            struct strbuf objs;
            sb_init(&objs);
            static const char *const core_files[] = {"http", "path", "net", "options",
                                                     "server", "main", "cache", "stats",
                                                     "workqueue", "dispatch", "accesslog",
                                                     "signals"};
            for (size_t i = 0; i < sizeof core_files / sizeof *core_files; i++)
                if (strcmp(core_files[i], module) != 0)
                    sb_printf(&objs, " '%s/%s.o'", core[fl], core_files[i]);
            char *cmd = xasprintf(
                "mkdir -p %s && %s %s -c %s.c -o %s/%s.o && "
                "%s %s -o %s/racelab-server-%s-fixed %s/%s.o%s -lpthread",
                flavor_names[fl], flavor_cc[fl], flags, module, flavor_names[fl], module,
                flavor_cc[fl], flavor_ldflags[fl], flavor_names[fl], scen,
                flavor_names[fl], module, objs.buf);
            char *argv[] = {"sh", "-c", cmd, NULL};
            char *log = xasprintf("%s/%s.log", tmp, flavor_names[fl]);
            struct sandbox_limits lim = {.nproc = 64, .as_mb = 4096, .cpu_s = 120,
                                         .fsize_mb = 256, .nofile = 256};
            int status = 0;
            bool to = false;
            char err[256];
            if (sandbox_run(sb, argv, NULL, tmp, &lim, 180, log, &status, &to, err,
                            sizeof err) < 0) {
                errorf("check: %s", err);
                rc = -1;
                b->ok = false;
            } else {
                bool ok = !to && WIFEXITED(status) && WEXITSTATUS(status) == 0;
                if (!ok) {
                    char *text = read_file(log, NULL);
                    b->log = xasprintf("%s%s", text ? text : "",
                                       to ? "(the compiler ran out of time: 180 s)\n" : "");
                    free(text);
                    b->ok = false;
                }
                FILE *sf = fopen(st, "w");
                if (sf) {
                    fputs(ok ? "ok\n" : "fail\n", sf);
                    fclose(sf);
                }
            }
            sb_free(&objs);
            free(cmd); free(flags); free(log); free(st);
        }
        nftw(tmp, chown_root, 16, FTW_PHYS);
        if (rc == 0) {
            char *ctmp = xasprintf("%s.tmp.%d", cdir, (int)getpid());
            char *cp = xasprintf("rm -rf '%s' && cp -a '%s' '%s'", ctmp, tmp, ctmp);
            if (system(cp) != 0)
                warnf("check: %s: failed (not cached)", cp);
            else if (rename(ctmp, cdir) < 0) {
                /* A check of the same file (two students with one file)
                 * may be reading cdir: move it aside, do not delete it. */
                char *old = xasprintf("%s.old.%d", cdir, (int)getpid());
                if (rename(cdir, old) < 0 || rename(ctmp, cdir) < 0)
                    rm_rf(ctmp);
                free(old);
            }
            free(cp);
            free(ctmp);
        }
        b->dir = tmp;
        tmp = NULL;
        free(src);
        free(tmp);
    }
    free(cdir);
    sb_free(&id);
    return rc;
}

/* --- the functional check ---------------------------------------------- */

struct func_load {
    int port;
    int requests;
    unsigned nfiles;
    int ok, errors;
    char err[256];
};

static void *func_client(void *arg)
{
    struct func_load *l = arg;
    struct http_conn c;
    char err[256];
    bool connected = false;

    for (int i = 0; i < l->requests; i++) {
        unsigned n = (unsigned)(i % 5);
        char req[128];
        struct http_resp r = {0};
        if (!connected) {
            if (http_connect(&c, l->port, 5, err, sizeof err) != HTTP_OK) {
                snprintf(l->err, sizeof l->err, "connect: %.200s", err);
                l->errors++;
                return NULL;
            }
            connected = true;
        }
        int len = snprintf(req, sizeof req, "GET /f/%u.html HTTP/1.1\r\nHost: x\r\n\r\n", n);
        if (http_send(&c, req, (size_t)len, err, sizeof err) != HTTP_OK ||
            http_read(&c, false, &r, err, sizeof err) != HTTP_OK) {
            snprintf(l->err, sizeof l->err, "GET /f/%u.html: %.200s", n, err);
            l->errors++;
            http_resp_free(&r);
            http_close(&c);
            connected = false;
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

/* Starts the release build, loads it with a known number of requests,
 * reads /-/stats, shuts it down.  Returns true if the module did its job;
 * *FATAL when the server did not even start or answer (no point in
 * running the detectors then). */
static bool functional_check(struct sandbox *sb, const char *exe, const struct scenario *s,
                             struct strbuf *ev, bool *fatal, int *escaped)
{
    char *www = xasprintf("%s/www", sb->dir), err[512] = "";
    long mb = 1;
    const char *cm = s->args ? strstr(s->args, "--cache-mb") : NULL;
    struct strvec argv;
    int outfd = -1, port = 0, status = 0;
    bool pass = false;
    pid_t pid;
    enum { CLIENTS = 4, PER = 60 };

    *fatal = true;
    if (cm)
        mb = atol(cm + 10 + strspn(cm + 10, " ="));
    if (docroot_create(www, docroot_files_for_cache(mb < 1 ? 1 : mb), err, sizeof err) < 0) {
        sb_printf(ev, "docroot: %s", err);
        free(www);
        return false;
    }
    sv_init(&argv);
    sv_push(&argv, exe);
    sv_push(&argv, "--host");
    sv_push(&argv, "127.0.0.1");
    sv_push(&argv, "--port");
    sv_push(&argv, "0");
    sv_push(&argv, "--root");
    sv_push(&argv, www);
    {
        char *args = str_replace(s->args ? s->args : "", "{tmp}", sb->dir);
        sv_split(&argv, args, true);
        free(args);
    }
    char *errlog = xasprintf("%s/functional.stderr", sb->dir);
    int efd = open(errlog, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    struct sandbox_limits lim = {.nproc = 256, .as_mb = 4096, .cpu_s = 60,
                                 .fsize_mb = 64, .nofile = 1024};
    pid = sandbox_spawn(sb, argv.v, NULL, NULL, &lim, -1, efd, &outfd, err, sizeof err);
    if (efd >= 0)
        close(efd);
    sv_free(&argv);
    if (pid < 0) {
        sb_printf(ev, "could not start the server: %s", err);
        goto out;
    }
    {
        /* "listening on 127.0.0.1:PORT" within 10 s */
        char line[256];
        size_t n = 0;
        double end = now_mono() + 10;
        while (now_mono() < end && n < sizeof line - 1) {
            struct pollfd pf = {outfd, POLLIN, 0};
            if (poll(&pf, 1, 100) <= 0)
                continue;
            ssize_t k = read(outfd, line + n, sizeof line - 1 - n);
            if (k <= 0)
                break;
            n += (size_t)k;
            line[n] = '\0';
            if (strchr(line, '\n'))
                break;
        }
        line[n] = '\0';
        char *p = strstr(line, "listening on ");
        char *colon = p ? strrchr(p, ':') : NULL;
        if (!colon || (port = atoi(colon + 1)) <= 0) {
            char *tail = read_file(errlog, NULL);
            size_t tl = tail ? strlen(tail) : 0;
            sb_printf(ev, "the server did not start listening within 10 s%s%s",
                      tl ? "; its stderr: " : "", tl ? tail + (tl > 400 ? tl - 400 : 0) : "");
            free(tail);
            goto out;
        }
    }
    {
        long long r1, r2, r3, h2, h3, e2, e3;
        if (!stats_get(port, &r1, &h2, &e2, err, sizeof err) ||
            !stats_get(port, &r2, &h2, &e2, err, sizeof err)) {
            sb_printf(ev, "/-/stats does not answer: %s", err);
            goto out;
        }
        long long self = r2 - r1;  /* does a /-/stats request count itself? */
        struct func_load load[CLIENTS];
        pthread_t th[CLIENTS];
        for (int i = 0; i < CLIENTS; i++) {
            memset(&load[i], 0, sizeof load[i]);
            load[i].port = port;
            load[i].requests = PER;
            pthread_create(&th[i], NULL, func_client, &load[i]);
        }
        int ok = 0, errors = 0;
        const char *first_err = NULL;
        for (int i = 0; i < CLIENTS; i++) {
            pthread_join(th[i], NULL);
            ok += load[i].ok;
            errors += load[i].errors;
            if (load[i].errors && !first_err)
                first_err = load[i].err;
        }
        *fatal = false;
        if (!stats_get(port, &r3, &h3, &e3, err, sizeof err)) {
            sb_printf(ev, "/-/stats does not answer after %d requests: %s", ok, err);
            *fatal = true;
            goto out;
        }
        bool good = errors == 0;
        sb_printf(ev, "%d of %d GETs answered correctly by %d clients", ok, CLIENTS * PER,
                  CLIENTS);
        if (errors)
            sb_printf(ev, "; %d failed (%s)", errors, first_err);
        long long counted = r3 - r2 - self;
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
        /* graceful shutdown */
        kill(pid, SIGTERM);
        if (!sandbox_wait(pid, 3, &status)) {
            sb_puts(ev, "; no exit within 3 s of SIGTERM (shutdown hangs)");
            good = false;
        } else {
            char d[64];
            proc_describe(status, d, sizeof d);
            if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                sb_printf(ev, "; SIGTERM: %s (expected exit 0)", d);
                good = false;
            } else
                sb_puts(ev, "; graceful shutdown: exit 0");
            pid = -1;
        }
        pass = good;
    }
out:
    if (pid > 0) {
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
    }
    if (outfd >= 0)
        close(outfd);
    /* The server is gone: whatever of the slot UID still lives was started
     * by the submission and escaped it (fork, setsid, SIGTERM ignored). */
    usleep(20000);
    *escaped = sandbox_count(sb);
    if (*escaped > 0) {
        sb_printf(ev, "%s%d process%s started by the submission outlived the server "
                  "(fork/setsid): killed", ev->len ? "; " : "", *escaped,
                  *escaped == 1 ? "" : "es");
        pass = false;
        *fatal = true;
    }
    sandbox_kill_all(sb);
    free(errlog);
    free(www);
    return pass;
}

/* --- contract tests ----------------------------------------------------- */

/* The sources a module's contract suite links besides the module itself
 * (tests/contract/README.md; RACELAB_CONTRACT_EXTRA_<module> in
 * cmake/racelab.cmake): the other modules it calls are stubbed inside the
 * suite, except that dispatch feeds its pool through the real work queue. */
static const char *contract_extra(const char *module)
{
    return strcmp(module, "dispatch") == 0 ? "src/server/workqueue.c" : NULL;
}

/* tests/contract/contract_MODULE.c, linked with the submission and only
 * what the suite needs besides (contract_extra()), as the README's compile
 * line does; never with the server's other objects, which the suite stubs
 * itself (linking them gives duplicate symbols). */
static enum criterion_state contract_check(struct sandbox *sb, const char *source,
                                           const char *module, const char *code, size_t len,
                                           struct strbuf *ev)
{
    char *test = xasprintf("%s/tests/contract/contract_%s.c", source, module);
    enum criterion_state st = CR_NA;

    if (access(test, R_OK) != 0) {
        sb_printf(ev, "not available: no tests/contract/contract_%s.c in this tree", module);
        free(test);
        return CR_NA;
    }
    char *dir = xasprintf("%s/contract", sb->dir);
    mkdir(dir, 0755);
    char *src = xasprintf("%s/%s.c", dir, module);
    FILE *f = fopen(src, "w");
    if (f) {
        if (fwrite(code, 1, len, f) != len) {}
        fclose(f);
    }
    if (sb->uid >= 0 && (chown(dir, (uid_t)sb->uid, (gid_t)sb->uid) < 0 ||
                         chown(src, (uid_t)sb->uid, (gid_t)sb->uid) < 0)) {}
    const char *extra = contract_extra(module);
    char *extras = extra ? xasprintf(" '%s/%s'", source, extra) : xstrdup("");
    char *flags = flags_of(FL_VALGRIND, source);
    char *cmd = xasprintf("gcc %s -I'%s/tests/contract' -o contract '%s' %s.c%s "
                          "-lcmocka -lpthread && ./contract", flags, source, test, module,
                          extras);
    char *argv[] = {"sh", "-c", cmd, NULL};
    char *log = xasprintf("%s/contract.log", sb->dir);
    struct sandbox_limits lim = {.nproc = 128, .as_mb = 4096, .cpu_s = 120,
                                 .fsize_mb = 64, .nofile = 256};
    int status = 0;
    bool to = false;
    char err[256];
    if (sandbox_run(sb, argv, NULL, dir, &lim, 120, log, &status, &to, err, sizeof err) < 0)
        sb_printf(ev, "could not run: %s", err);
    else {
        char *out = read_file(log, NULL);
        size_t n = out ? strlen(out) : 0;
        st = !to && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? CR_PASS : CR_FAIL;
        if (to)
            sb_puts(ev, "timed out after 120 s; ");
        sb_printf(ev, "%s", out ? out + (n > 1500 ? n - 1500 : 0) : "");
        free(out);
        if (st == CR_FAIL) {}
    }
    free(cmd); free(flags); free(extras); free(log); free(src); free(dir); free(test);
    return st;
}

/* --- detectors and oracles: a child `racelab run` per tool ------------- */

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

static enum criterion_state tool_check(struct sandbox *sb, const char *scen, const char *module,
                                       const char *symptom, const char *tool, const char *subdir, long runs,
                                       double duration, double timeout, long jobs, long seed,
                                       const struct paths *p, struct strbuf *ev)
{
    char *json = xasprintf("%s/%s.json", sb->dir, tool);
    char *log = xasprintf("%s/%s.log", sb->dir, tool);
    struct strvec argv;
    char buf[64], err[256];
    int status = 0;
    bool to = false;
    enum criterion_state st = CR_FAIL;
    bool none = !strcmp(tool, "none");

    sv_init(&argv);
    sv_push(&argv, runner_self_exe);
    sv_push(&argv, "run");
    sv_push(&argv, scen);
    sv_push(&argv, "--variant");
    sv_push(&argv, "fixed");
    sv_push(&argv, "--tool");
    sv_push(&argv, tool);
    snprintf(buf, sizeof buf, "%ld", runs);
    sv_push(&argv, "--runs");
    sv_push(&argv, buf);
    snprintf(buf, sizeof buf, "%g", duration);
    sv_push(&argv, "--duration");
    sv_push(&argv, buf);
    snprintf(buf, sizeof buf, "%ld", jobs);
    sv_push(&argv, "--jobs");
    sv_push(&argv, buf);
    snprintf(buf, sizeof buf, "%ld", seed);
    sv_push(&argv, "--seed");
    sv_push(&argv, buf);
    if (timeout > 0) {
        snprintf(buf, sizeof buf, "%g", timeout);
        sv_push(&argv, "--timeout");
        sv_push(&argv, buf);
    }
    sv_push(&argv, "--no-early-stop");
    sv_push(&argv, "--quiet");
    sv_push(&argv, "--source-dir");
    sv_push(&argv, p->source);
    sv_push(&argv, "--build-dir");
    sv_push(&argv, subdir);
    sv_push(&argv, "--json");
    sv_push(&argv, json);
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
    bool pass = !strcmp(jstr(cell, "status") ? jstr(cell, "status") : "", "pass");
    if (!none) {
        /* A detector's criterion is what the detector saw: no finding
         * (beyond a documented false positive), no crash, no hang.  The
         * oracles have a criterion of their own. */
        json_t *x;
        size_t i;
        const char *st_name = jstr(cell, "status");
        pass = st_name && strcmp(st_name, "error") != 0;
        json_array_foreach(json_object_get(cell, "findings"), i, x)
            if (!json_is_true(json_object_get(x, "expected_false_positive")))
                pass = false;
        json_array_foreach(json_object_get(cell, "runs_detail"), i, x) {
            const char *oc = jstr(x, "outcome");
            if (!oc || (strcmp(oc, "clean") && strcmp(oc, "finding")))
                pass = false;
        }
    }
    if (none) {
        /* every oracle, not only the scenario's symptom: nothing may fire */
        json_t *r;
        size_t i;
        json_array_foreach(json_object_get(cell, "runs_detail"), i, r) {
            const char *oc = jstr(r, "outcome");
            if (!oc || strcmp(oc, "clean") || json_is_true(json_object_get(r, "symptom")))
                pass = false;
            /* "oracles" lists only the oracles that fired (latency and
             * memory count only where they are the scenario's symptom;
             * the runner decides that, once) */
            if (jstr(r, "oracles"))
                pass = false;
        }
    }
    st = pass ? CR_PASS : CR_FAIL;
    json_decref(root);
out:
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
        xml_escape(f, v->scenario);
        fprintf(f, ": ");
        xml_escape(f, v->name);
        fprintf(f, "\" tests=\"%d\" failures=\"%d\" skipped=\"%d\">\n", CR_COUNT, fails, skips);
        for (int i = 0; i < CR_COUNT; i++) {
            fprintf(f, "  <testcase classname=\"");
            xml_escape(f, v->name);
            fprintf(f, "\" name=\"%s\">", criterion_names[i]);
            if (v->cr[i].state != CR_PASS) {
                fprintf(f, v->cr[i].state == CR_FAIL ? "<failure message=\"" : "<skipped message=\"");
                xml_escape(f, criterion_titles[i]);
                fprintf(f, "\">");
                xml_escape(f, v->cr[i].evidence);
                fprintf(f, v->cr[i].state == CR_FAIL ? "</failure>" : "</skipped>");
            } else {
                fprintf(f, "<system-out>");
                xml_escape(f, v->cr[i].evidence);
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

int cmd_check(int argc, char **argv, struct paths *p)
{
    static const struct option opts[] = {
        {"tool", required_argument, 0, 't'}, {"tools", required_argument, 0, 't'},
        {"runs", required_argument, 0, 'r'}, {"duration", required_argument, 0, 'd'},
        {"timeout", required_argument, 0, 'T'}, {"jobs", required_argument, 0, 'j'},
        {"seed", required_argument, 0, 's'}, {"json", required_argument, 0, 'J'},
        {"junit", required_argument, 0, 'U'}, {"gradescope", required_argument, 0, 'G'},
        {"name", required_argument, 0, 'n'}, {"html", required_argument, 0, 'W'},
        {"cache-dir", required_argument, 0, 'C'},
        {"keep-tmp", no_argument, 0, 'k'}, {"quiet", no_argument, 0, 'q'},
        {"source-dir", required_argument, 0, 'S'}, {"build-dir", required_argument, 0, 'B'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool tools[TOOL_COUNT] = {0}, tools_set = false, keep = false;
    long runs = 2, jobs = 1, seed = 1;
    double duration = 2, timeout = 0;
    const char *json = NULL, *junit = NULL, *gs = NULL, *name = NULL, *cache_flag = NULL;
    const char *html = NULL;
    struct outputs outs = {0};
    int o, rc = EXIT_USAGE;
    char err[512];

    quiet = false;
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case 't': {
            struct strvec v;
            sv_init(&v);
            sv_split(&v, optarg, false);
            memset(tools, 0, sizeof tools);
            for (size_t i = 0; i < v.n; i++) {
                int t = tool_from_name(v.v[i]);
                if (t < 0) {
                    errorf("--tool: unknown tool '%s' (known: tsan, helgrind, drd, none)",
                           v.v[i]);
                    sv_free(&v);
                    return EXIT_USAGE;
                }
                tools[t] = true;
            }
            tools_set = v.n > 0;
            sv_free(&v);
            break;
        }
        case 'r': if (!opt_long("--runs", optarg, 1, 1000, &runs)) return EXIT_USAGE; break;
        case 'd': if (!opt_seconds("--duration", optarg, &duration)) return EXIT_USAGE; break;
        case 'T': if (!opt_seconds("--timeout", optarg, &timeout)) return EXIT_USAGE; break;
        case 'j': if (!opt_long("--jobs", optarg, 1, 64, &jobs)) return EXIT_USAGE; break;
        case 's': if (!opt_long("--seed", optarg, 0, 0x7fffffffL, &seed)) return EXIT_USAGE; break;
        case 'J': json = optarg; break;
        case 'U': junit = optarg; break;
        case 'G': gs = optarg; break;
        case 'W': html = optarg; break;
        case 'n': name = optarg; break;
        case 'C': cache_flag = optarg; break;
        case 'k': keep = true; break;
        case 'q': quiet = true; break;
        case 'S': p->source = optarg; break;
        case 'B': p->build_root = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': errorf("check: option %s needs a value", argv[optind - 1]); return EXIT_USAGE;
        default:
            errorf("check: unknown option '%s' (see racelab check --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        errorf("check: expected SCENARIO FILE.c (racelab check stats-counter my-stats.c)");
        return EXIT_USAGE;
    }
    const char *arg_scen = argv[optind], *file = argv[optind + 1];
    const char *scen = hunt_resolve(arg_scen, p);
    bool is_case = scen != arg_scen;
    struct scenario s = {0};
    char *sdir = xasprintf("%s/scenarios/%s", p->source, scen);
    if (strchr(scen, '/') || scenario_load(&s, sdir, "manifest.ini", err, sizeof err) < 0) {
        if (access(sdir, F_OK) == 0 && !strchr(scen, '/')) {
            errorf("%s", err);
            scenario_free(&s);
            free(sdir);
            return EXIT_ENV;
        }
        errorf("check: unknown scenario '%s' (racelab list shows them)", arg_scen);
        scenario_free(&s);
        free(sdir);
        return EXIT_USAGE;
    }
    free(sdir);
    check_show_begin(file, s.module, scen, s.bug_class, is_case ? arg_scen : NULL);
    size_t len;
    char *code = read_file(file, &len);
    if (!code) {
        errorf("check: %s: %s", file, strerror(errno));
        scenario_free(&s);
        return EXIT_USAGE;
    }
    outs.json = json;
    outs.junit = junit;
    outs.html = gs;     /* only checked for writability */
    struct outputs page = {.html = html};
    if (outputs_check(&outs) < 0 || outputs_check(&page) < 0) {
        free(code);
        scenario_free(&s);
        return EXIT_ENV;
    }
    /* Which tools: asked for, or every installed one. */
    char *clang = which("clang"), *vg = which("valgrind"), *gcc = which("gcc");
    if (!gcc) {
        errorf("check: gcc is not installed (apt-get install gcc)");
        rc = EXIT_ENV;
        goto early_out;
    }
    if (!tools_set) {
        tools[TOOL_NONE] = true;
        tools[TOOL_TSAN] = clang != NULL;
        tools[TOOL_HELGRIND] = tools[TOOL_DRD] = vg != NULL;
    } else if ((tools[TOOL_TSAN] && !clang) ||
               ((tools[TOOL_HELGRIND] || tools[TOOL_DRD]) && !vg)) {
        errorf("check: %s is not installed (apt-get install %s)",
               tools[TOOL_TSAN] && !clang ? "clang" : "valgrind",
               tools[TOOL_TSAN] && !clang ? "clang" : "valgrind");
        rc = EXIT_ENV;
        goto early_out;
    }
    if (tools[TOOL_TSAN])
        check_tsan_aslr();
    bool need[FL_COUNT] = {true, tools[TOOL_TSAN], tools[TOOL_HELGRIND] || tools[TOOL_DRD]};
    /* (the contract suite builds from sources: it needs no core objects) */
    bool need_core[FL_COUNT] = {need[0], need[1], need[2]};
    char *cache = check_cache_dir(p, cache_flag);
    char *core[FL_COUNT] = {0};
    if (check_prepare(p, cache, need_core) < 0) {
        rc = EXIT_ENV;
        free(cache);
        goto early_out;
    }
    for (int fl = 0; fl < FL_COUNT; fl++)
        if (need_core[fl])
            core[fl] = core_build(cache, p->source, fl);

    struct sandbox sb;
    if (sandbox_open(&sb, NULL, err, sizeof err) < 0) {
        errorf("check: %s", err);
        rc = EXIT_ENV;
        goto late_out;
    }
    /* The server's objects, staged into the sandbox: the slot UID may not
     * be able to reach the cache (a private $HOME or $TMPDIR). */
    for (int fl = 0; fl < FL_COUNT; fl++) {
        if (!core[fl])
            continue;
        char *staged = xasprintf("%s/core-%s", sb.dir, flavor_names[fl]);
        char *cp = xasprintf("cp -a '%s' '%s' && chmod -R a+rX '%s'", core[fl], staged, staged);
        if (system(cp) != 0) {
            errorf("check: %s: failed", cp);
            free(cp);
            free(staged);
            rc = EXIT_ENV;
            sandbox_close(&sb);
            goto late_out;
        }
        free(cp);
        free(core[fl]);
        core[fl] = staged;
    }
    struct verdict v = {.name = name ? name : file, .scenario = arg_scen, .file = file};
    for (int i = 0; i < CR_COUNT; i++)
        v.cr[i].state = CR_FAIL;
    struct build b;
    if (submission_build(&sb, cache, p->source, scen, s.module, code, len, need, core, &b) < 0) {
        rc = EXIT_ENV;
        sandbox_close(&sb);
        goto late_out;
    }
    struct strbuf ev[CR_COUNT];
    for (int i = 0; i < CR_COUNT; i++)
        sb_init(&ev[i]);
    if (!b.ok) {
        sb_printf(&ev[CR_BUILD], "%s.c does not compile:\n%s", s.module, b.log ? b.log : "");
        for (int i = 1; i < CR_COUNT; i++)
            sb_puts(&ev[i], "not run: the submission does not compile");
        v.reason = xstrdup("does not compile");
    } else {
        v.cr[CR_BUILD].state = CR_PASS;
        sb_printf(&ev[CR_BUILD], "built as %s in %s%s%s", check_show_file_name(),
                  need[0] ? "release" : "", need[1] ? ", tsan" : "", need[2] ? ", valgrind" : "");
        char *exe = xasprintf("%s/release/racelab-server-%s-fixed", b.dir, scen);
        bool fatal = false;
        int escaped = 0;
        progress("functional check");
        v.cr[CR_FUNCTIONAL].state = functional_check(&sb, exe, &s, &ev[CR_FUNCTIONAL], &fatal,
                                                     &escaped) ? CR_PASS : CR_FAIL;
        /* Zero, with the reason: a server that does not start or answer
         * (spins, crashes, deadlocks at once), or one that leaves
         * processes behind (forks, daemonizes). */
        if (escaped > 0)
            v.zero = xasprintf("the submission started %d process%s that outlived the "
                               "server (fork/setsid): score 0", escaped,
                               escaped == 1 ? "" : "es");
        else if (fatal)
            v.zero = xstrdup("the server did not start or answer (spins, crashes or "
                             "deadlocks): score 0");
        free(exe);
        /* (not a submission that already scores 0 for spinning, crashing or
         * forking: the suite would only run it again) */
        if (fatal)
            sb_puts(&ev[CR_CONTRACT], escaped ? "not run: the submission leaves processes behind"
                                              : "not run: the server did not start or answer");
        else {
            progress("contract tests");
            v.cr[CR_CONTRACT].state = contract_check(&sb, p->source, s.module, code, len,
                                                     &ev[CR_CONTRACT]);
        }
        static const int tool_of[] = {[CR_ORACLES] = TOOL_NONE, [CR_TSAN] = TOOL_TSAN,
                                      [CR_HELGRIND] = TOOL_HELGRIND, [CR_DRD] = TOOL_DRD};
        for (int c = CR_ORACLES; c <= CR_DRD; c++) {
            int t = tool_of[c];
            if (!tools[t]) {
                v.cr[c].state = CR_NA;
                sb_printf(&ev[c], "not available: %s",
                          tools_set ? "not asked for (--tool)" :
                          t == TOOL_TSAN ? "clang is not installed" : "valgrind is not installed");
                continue;
            }
            if (fatal) {
                sb_puts(&ev[c], escaped ? "not run: the submission leaves processes behind"
                                        : "not run: the server did not start or answer");
                continue;
            }
            if (proc_interrupted())
                break;
            v.cr[c].state = tool_check(&sb, scen, s.module, s.symptom, tool_names[t], b.dir, runs,
                                       duration, timeout, jobs, seed, p, &ev[c]);
        }
        if (v.zero)
            v.reason = xstrdup(v.zero);
        if (!v.reason) {
            struct strbuf why;
            sb_init(&why);
            for (int i = 0; i < CR_COUNT; i++)
                if (v.cr[i].state == CR_FAIL)
                    sb_printf(&why, "%s%s", why.len ? ", " : "failed: ", criterion_names[i]);
            v.reason = sb_steal(&why);
            if (!v.reason[0]) {
                free(v.reason);
                v.reason = xstrdup("every criterion passed");
            }
        }
    }
    int left = sandbox_kill_all(&sb);
    if (left > 0)
        sb_printf(&ev[CR_FUNCTIONAL], "%s(%d process%s of the submission were still alive at "
                  "the end and were killed)", ev[CR_FUNCTIONAL].len ? "\n" : "", left,
                  left == 1 ? "" : "es");
    for (int i = 0; i < CR_COUNT; i++) {
        char *e = sb_steal(&ev[i]);
        v.cr[i].evidence = check_show_scrub(e);     /* a hunt case names nothing */
        free(e);
    }
    v.accepted = v.cr[CR_BUILD].state == CR_PASS && !v.zero;
    for (int i = 0; i < CR_COUNT; i++)
        if (v.cr[i].state == CR_FAIL)
            v.accepted = false;
    v.score = score_of(&v);

    /* The verdict. */
    printf("racelab check %s %s: %s, score %.0f/100\n", is_case ? arg_scen : scen, file,
           v.accepted ? "ACCEPTED" : "REJECTED", v.score);
    if (v.reason)
        printf("  (%s)\n", v.reason);
    for (int i = 0; i < CR_COUNT; i++) {
        printf("  %-4s %-10s (%2d) %s\n", v.cr[i].state == CR_PASS ? "pass" :
               v.cr[i].state == CR_FAIL ? "FAIL" : "n/a", criterion_names[i],
               criterion_weights[i], criterion_titles[i]);
        if (v.cr[i].evidence && v.cr[i].evidence[0]) {
            for (char *line = v.cr[i].evidence, *nl; line && *line; line = nl) {
                nl = strchr(line, '\n');
                printf("         %.*s\n", nl ? (int)(nl - line) : (int)strlen(line), line);
                if (nl)
                    nl++;
            }
        }
    }
    fflush(stdout);
    rc = proc_interrupted() ? EXIT_INTERRUPTED : v.accepted ? EXIT_OK : EXIT_FAILED;
    if (write_reports(&v, json, junit, gs) < 0)
        rc = EXIT_ENV;
    if (html && check_show_html(html, is_case ? arg_scen : scen, v.accepted, v.score,
                                v.reason, v.cr) < 0)
        rc = EXIT_ENV;
    if (keep)
        progress("kept %s", sb.dir);
    else
        sandbox_close(&sb);
    for (int i = 0; i < CR_COUNT; i++)
        free(v.cr[i].evidence);
    free(v.reason);
    free(v.zero);
    free(b.dir);
    free(b.log);
late_out:
    for (int fl = 0; fl < FL_COUNT; fl++)
        free(core[fl]);
    free(cache);
early_out:
    check_show_end();
    free(clang);
    free(vg);
    free(gcc);
    free(code);
    scenario_free(&s);
    return rc;
}
