/* cmd_hunt.c - `racelab hunt`: a mystery server to diagnose from its
 * symptoms.  The case ID is a keyed hash (SipHash-2-4) of the scenario's
 * name and the seed, under a per-install secret key, so reading the ID
 * tells nothing; `racelab hunt --reveal ID` names the scenario, and
 * hunt_resolve() lets `run`, `check` and `hint` take the ID instead. */
#include "cli.h"
#include "docroot.h"
#include "hunt_build.h"
#include "manifest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab hunt [--seed N] [--from LIST] [--key FILE]\n"
"       racelab hunt --reveal ID|FOLDER [--key FILE]\n"
"       racelab hunt --new-key [--key FILE]\n"
"Picks a scenario (from LIST, default all) and builds its buggy server in\n"
"BUILD/hunt/ID/ (or $RACELAB_HUNT_DIR/ID/) from a renamed copy with neutral\n"
"paths and a per-case salt: server (and server-tsan, server-valgrind where\n"
"clang and gcc are installed), args (the same for every case), www/ and\n"
"case.  The folder is the hand-out: a student runs it, and racelab check,\n"
"hint and run take the folder (or the ID where the folder is) in place of a\n"
"scenario.  The first line printed is 'case: ID'; nothing printed names the\n"
"scenario, its module or bug class.\n"
"The teacher's key makes the ID and is needed to --reveal it: --key FILE,\n"
"else $RACELAB_HUNT_KEY (a passphrase), else ~/.config/racelab/teacher.key,\n"
"which --new-key creates (mode 0600).\n"
"Exit: 0, 2 usage error (unknown ID), 3 environment error (no key, no\n"
"compiler).\n";

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                        \
    do {                                                                \
        v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);      \
        v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                          \
        v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                          \
        v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);      \
    } while (0)

static uint64_t le64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = (v << 8) | p[i];
    return v;
}

unsigned long long siphash24(const unsigned char key[16], const void *data,
                             size_t len)
{
    const unsigned char *in = data;
    uint64_t k0 = le64(key), k1 = le64(key + 8);
    uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
    uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
    uint64_t b = (uint64_t)len << 56, m;
    size_t i, left = len & 7;

    for (i = 0; i + 8 <= len; i += 8) {
        m = le64(in + i);
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    for (size_t j = 0; j < left; j++)
        b |= (uint64_t)in[i + j] << (8 * j);
    v3 ^= b;
    SIPROUND;
    SIPROUND;
    v0 ^= b;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

char *build_root_of(const struct paths *p)
{
    return p->build_root ? xstrdup(p->build_root) : xasprintf("%s/build", p->source);
}

static char *hunt_root(const struct paths *p)
{
    const char *env = getenv("RACELAB_HUNT_DIR");
    char *root, *h;

    if (env && *env)
        return xstrdup(env);
    root = build_root_of(p);
    h = xasprintf("%s/hunt", root);
    free(root);
    return h;
}

static const char *key_flag;     /* --key FILE */

/* The teacher's key file: --key FILE, else ~/.config/racelab/teacher.key. */
static char *key_path(void)
{
    const char *home = getenv("HOME");

    if (key_flag)
        return xstrdup(key_flag);
    return xasprintf("%s/.config/racelab/teacher.key", home && *home ? home : ".");
}

/* The teacher's key: --key FILE, else $RACELAB_HUNT_KEY (a passphrase a
 * teacher shares between machines), else the key file.  No key is made
 * here: racelab hunt --new-key does that, once. */
static int hunt_key(unsigned char key[16])
{
    static const unsigned char zero[16];
    const char *env = getenv("RACELAB_HUNT_KEY");
    char *path, *hex;

    if (env && *env && !key_flag) {
        unsigned long long a = siphash24(zero, env, strlen(env));
        unsigned long long b = siphash24((const unsigned char *)"racelab-hunt-key", env,
                                         strlen(env));
        memcpy(key, &a, 8);
        memcpy(key + 8, &b, 8);
        return 0;
    }
    path = key_path();
    hex = read_file(path, NULL);
    free(path);
    if (!hex || strlen(hex) < 32)
        goto bad;
    for (int i = 0; i < 16; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            goto bad;
        key[i] = (unsigned char)v;
    }
    free(hex);
    return 0;
bad:
    free(hex);
    return -1;
}

/* racelab hunt --new-key: 16 random bytes, hex, in a 0600 file that must
 * not exist yet (its directory 0700). */
static int new_key(void)
{
    char *path = key_path(), *dir = xstrdup(path), *slash = strrchr(dir, '/');
    unsigned char raw[16];
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC), rc = EXIT_ENV;

    if (fd < 0 || read(fd, raw, 16) != 16) {
        errorf("hunt: /dev/urandom: %s", strerror(errno));
        goto out;
    }
    if (slash && slash != dir) {
        *slash = '\0';
        char *cmd = xasprintf("mkdir -p -m 0700 '%s'", dir);
        if (system(cmd) != 0)
            warnf("hunt: %s failed", cmd);
        free(cmd);
    }
    int kf = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (kf < 0) {
        errorf("hunt: %s: %s%s", path, strerror(errno),
               errno == EEXIST ? " (a key is there already: keep it, or remove it to "
                                 "start over; cases made with it cannot be revealed then)" : "");
        rc = errno == EEXIST ? EXIT_USAGE : EXIT_ENV;
        goto out;
    }
    char hex[34];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", raw[i]);
    hex[32] = '\n';
    if (write(kf, hex, 33) != 33 || close(kf) != 0) {
        errorf("hunt: %s: %s", path, strerror(errno));
        goto out;
    }
    printf("teacher key: %s (mode 0600; keep it from students: it reveals cases)\n", path);
    rc = EXIT_OK;
out:
    if (fd >= 0)
        close(fd);
    free(path);
    free(dir);
    return rc;
}

/* The case file (CASE_DIR/case): "id ID", "seed N" and "token HEX", the
 * scenario's name sealed by the ID, so that check, hint and run work from
 * the folder without the teacher's key.  The seal only keeps the name out
 * of sight (racelab itself can open it, so a student who reads racelab's
 * source can too: docs/teaching.md says so); --reveal needs the key. */
static void seal(const char *id, const char *in, char *out, size_t outlen)
{
    static const unsigned char k[16] = "racelab-case-tok";
    size_t n = strlen(in), o = 0;

    for (size_t i = 0; i < n && o + 3 < outlen; i++) {
        char *blk = xasprintf("%s\n%zu", id, i / 8);
        unsigned long long ks = siphash24(k, blk, strlen(blk));
        free(blk);
        o += (size_t)snprintf(out + o, outlen - o, "%02x",
                              (unsigned char)in[i] ^ (unsigned)((ks >> (8 * (i % 8))) & 0xff));
    }
    out[o] = '\0';
}

static char *unseal(const char *id, const char *hex)
{
    static const unsigned char k[16] = "racelab-case-tok";
    size_t n = strlen(hex) / 2;
    char *out = xmalloc(n + 1);

    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) {
            free(out);
            return NULL;
        }
        char *blk = xasprintf("%s\n%zu", id, i / 8);
        unsigned long long ks = siphash24(k, blk, strlen(blk));
        free(blk);
        out[i] = (char)(v ^ (unsigned)((ks >> (8 * (i % 8))) & 0xff));
    }
    out[n] = '\0';
    return out;
}

/* The scenario of the case folder DIR (or of DIR/case), or NULL. */
static char *case_of_dir(const char *dir)
{
    char *path = xasprintf("%s/case", dir), *text = read_file(path, NULL), *name = NULL;
    char id[32], tok[256];
    const char *t;

    free(path);
    if (!text)
        text = read_file(dir, NULL);
    if (text && (t = strstr(text, "id ")) && sscanf(t, "id %31s", id) == 1 &&
        (t = strstr(text, "token ")) && sscanf(t, "token %255s", tok) == 1)
        name = unseal(id, tok);
    free(text);
    if (name && (!*name || strchr(name, '/') || strstr(name, ".."))) {
        free(name);
        name = NULL;
    }
    return name;
}

static void case_id(const unsigned char key[16], const char *name,
                    unsigned long seed, char out[11])
{
    char *msg = xasprintf("case\n%s\n%lu", name, seed);
    unsigned long long h = siphash24(key, msg, strlen(msg));
    free(msg);
    snprintf(out, 11, "%010llx", h & 0xffffffffffULL);
}

static bool looks_like_id(const char *s)
{
    if (strlen(s) != 10)
        return false;
    for (const char *c = s; *c; c++)
        if (!isxdigit((unsigned char)*c) || isupper((unsigned char)*c))
            return false;
    return true;
}

/* The scenario an ID stands for (malloc'd), or NULL. */
static char *reveal(const char *id, const struct paths *p, long seed_hint)
{
    unsigned char key[16];
    struct scenario *all = NULL;
    char err[512], *name = NULL, *dir, *sp, *s;
    long seed = seed_hint;
    int n;

    if (!looks_like_id(id) || hunt_key(key) < 0)
        return NULL;
    dir = hunt_root(p);
    sp = xasprintf("%s/%s/case", dir, id);
    s = read_file(sp, NULL);
    free(dir);
    free(sp);
    if (s && strstr(s, "seed ") && seed < 0)
        seed = atol(strstr(s, "seed ") + 5);
    free(s);
    if (seed < 0)
        return NULL;
    n = scenarios_load_all(p->source, &all, err, sizeof err);
    for (int i = 0; i < n && !name; i++) {
        char c[11];
        case_id(key, all[i].name, (unsigned long)seed, c);
        if (strcmp(c, id) == 0)
            name = xstrdup(all[i].name);
    }
    if (n > 0)
        scenarios_free(all, (size_t)n);
    return name;
}

/* Resolved names live as long as the process (kept reachable, so that
 * LeakSanitizer does not count them). */
static const char *keep_name(char *name)
{
    static char *resolved[8];
    static size_t nresolved;

    if (nresolved < sizeof resolved / sizeof *resolved)
        resolved[nresolved++] = name;
    return name;
}

const char *hunt_resolve_keyed(const char *id, const struct paths *p)
{
    char *name = reveal(id, p, -1);

    return name ? keep_name(name) : id;
}

const char *hunt_resolve(const char *id_or_name, const struct paths *p)
{
    char *name = NULL;
    if (looks_like_id(id_or_name)) {
        char *root = hunt_root(p), *dir = xasprintf("%s/%s", root, id_or_name);
        name = case_of_dir(dir);
        free(root);
        free(dir);
    } else if (strchr(id_or_name, '/') || access(id_or_name, F_OK) == 0)
        name = case_of_dir(id_or_name);
    if (!name)
        name = reveal(id_or_name, p, -1);
    return name ? keep_name(name) : id_or_name;
}

/* The arguments every case runs with: the same for all, so that they
 * single out no scenario (each scenario's own arguments are a subset in
 * kind: more threads, a small cache, an access log). */
static char *neutral_args(const char *dir)
{
    return xasprintf("--threads 16 --cache-mb 1 --access-log %s/access.log", dir);
}

/* buggy.c as module.c: its first line names the module's file and, in
 * some, the scenario; neither may show. */
char *hunt_module_text(const char *source, const struct scenario *s)
{
    char *path = xasprintf("%s/scenarios/%s/buggy.c", source, s->name);
    char *text = read_file(path, NULL), *paren, *a, *file, *b;

    free(path);
    if (!text)
        return NULL;
    paren = xasprintf(" (%s)", s->name);
    a = str_replace(text, paren, "");
    file = xasprintf("%s.c - ", s->module);
    b = str_replace(a, file, "module.c - ");
    free(text); free(paren); free(a); free(file);
    return b;
}

/* Hash of src/server: the cached libraries' key. */
static unsigned long long server_hash(const char *source)
{
    static const unsigned char k[16] = "racelab-hunt-lib";
    const char *names[] = {"http", "path", "net", "options", "server", "main", "cache",
                           "stats", "workqueue", "dispatch", "accesslog", "signals"};
    unsigned long long h = 0;

    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        for (int hdr = 0; hdr < 2; hdr++) {
            char *pth = xasprintf("%s/src/server/%s.%s", source, names[i], hdr ? "h" : "c");
            size_t n = 0;
            char *d = read_file(pth, &n);
            h = h * 31 + (d ? siphash24(k, d, n) : 0);
            free(d);
            free(pth);
        }
    return h;
}

char *hunt_lib_dir(const struct paths *p)
{
    const char *env = getenv("RACELAB_HUNT_LIB_DIR");
    char *hroot = env && *env ? xstrdup(env) : hunt_root(p);
    char *d = xasprintf("%s/.lib-%016llx", hroot, server_hash(p->source));

    mkdir(hroot, 0755);
    free(hroot);
    return d;
}

char *hunt_case_file(const char *arg, const struct paths *p)
{
    char *path, *text;

    if (looks_like_id(arg)) {
        char *root = hunt_root(p);
        path = xasprintf("%s/%s/case", root, arg);
        free(root);
    } else
        path = xasprintf("%s/case", arg);
    text = read_file(path, NULL);
    free(path);
    if (!text && !looks_like_id(arg))
        text = read_file(arg, NULL);
    if (text && !strstr(text, "token ")) {
        free(text);
        text = NULL;
    }
    return text;
}

/* Builds the case's servers, args, www/ and case file into DIR. */
static int prepare_case(const struct paths *p, const struct scenario *s, const char *id,
                        long seed, const unsigned char key[16], const char *dir)
{
    char err[512], salt[17], tok[256], *text = hunt_module_text(p->source, s);
    char *hroot = hunt_root(p);
    char *libdir = hunt_lib_dir(p);
    int bad = 0;

    if (!text) {
        errorf("hunt: the case's module cannot be read");
        free(hroot); free(libdir);
        return -1;
    }
    char *msg = xasprintf("salt\n%s", id);
    snprintf(salt, sizeof salt, "%016llx", siphash24(key, msg, strlen(msg)));
    free(msg);
    mkdir(hroot, 0755);
    mkdir(dir, 0755);
    for (int fl = 0; fl < HB_COUNT && !bad; fl++) {
        char *exe = xasprintf("%s/server%s%s", dir, fl ? "-" : "", fl ? hunt_flavor_names[fl] : "");
        if (fl == HB_RELEASE || hunt_flavor_available(fl)) {
            if (hunt_build(p->source, libdir, s->module, text, fl, salt, exe, err, sizeof err) < 0) {
                errorf("hunt: building the %s server: %s", hunt_flavor_names[fl], err);
                bad = 1;
            }
        }
        free(exe);
    }
    free(text);
    seal(id, s->name, tok, sizeof tok);
    char *cp = xasprintf("%s/case", dir), *ap = xasprintf("%s/args", dir);
    char *args = neutral_args(dir);
    FILE *f1 = fopen(cp, "w"), *f2 = fopen(ap, "w");
    if (!f1 || !f2 || fprintf(f1, "id %s\nseed %ld\ntoken %s\n", id, seed, tok) < 0 ||
        fprintf(f2, "%s\n", args) < 0)
        bad = 1;
    if (f1 && fclose(f1) != 0)
        bad = 1;
    if (f2 && fclose(f2) != 0)
        bad = 1;
    char *www = xasprintf("%s/www", dir);
    struct stat st;
    if (stat(www, &st) != 0 &&
        docroot_create(www, docroot_files_for_cache(1), err, sizeof err) < 0) {
        errorf("hunt: docroot: %s", err);
        bad = 1;
    }
    free(www); free(cp); free(ap); free(args); free(hroot); free(libdir);
    return bad ? -1 : 0;
}

/* What a case is and how to start it, to F: the same text for every case
 * but for its ID, seed and folder. */
static void print_case(FILE *f, const char *id, long seed, const char *dir)
{
    fprintf(f, "case: %s\n", id);
    fprintf(f, "seed: %ld\n", seed);
    fprintf(f, "\nA racelab-server build in which one module misbehaves under load.\n"
           "Find what an operator would notice, then why.  The folder %s\n"
           "is the whole case: copy it to hand it out (racelab handout %s DIR\n"
           "writes the module's source and a Makefile to fix it with).\n\n", dir, dir);
    fprintf(f, "Start it by hand (its arguments are in %s/args):\n", dir);
    fprintf(f, "  %s/server --root %s/www --port 8080 $(cat %s/args)\n", dir, dir, dir);
    fprintf(f, "  curl -s http://127.0.0.1:8080/-/stats\n");
    fprintf(f, "  wrk -t2 -c32 -d10s http://127.0.0.1:8080/f/0.html\n");
    fprintf(f, "  kill -TERM <its pid>      # a correct server exits at once\n\n");
    fprintf(f, "Or load it with racelab's own client:\n");
    fprintf(f, "  racelab stress --tool none --duration 10 --http /index.html "
           "--http /f/0.html --http /f/1.html --http /-/stats -- "
           "%s/server --root %s/www --port {port} $(cat %s/args)\n", dir, dir, dir);
    /* The same text for every case: server-tsan and server-valgrind are
     * there when clang and gcc are installed, whatever the case. */
    fprintf(f, "Under a detector, when you are ready (server-tsan needs clang, "
           "server-valgrind gcc,\nwhen racelab hunt ran):\n");
    fprintf(f, "  racelab stress --tool tsan --duration 5 --http /f/0.html -- "
           "%s/server-tsan --root %s/www --port {port} $(cat %s/args)\n", dir, dir, dir);
    fprintf(f, "  racelab stress --tool helgrind --duration 5 --http /f/0.html -- "
           "%s/server-valgrind --root %s/www --port {port} $(cat %s/args)\n", dir, dir, dir);
    fprintf(f, "\n");
    fprintf(f, "Hints, gentlest first:  racelab hint %s 1\n", dir);
    fprintf(f, "Check your fix:         racelab check %s YOUR-FILE.c\n", dir);
    fprintf(f, "Give up (teacher):      racelab hunt --reveal %s\n", id);
}

static int reveal_cmd(const char *rev, const struct paths *p, long seed)
{
    unsigned char key[16];
    struct scenario s = {0};
    char err[512], idbuf[16];
    char *folder = looks_like_id(rev) ? NULL : hunt_case_file(rev, p);
    const char *t;

    /* a case folder (or its case file): its ID and seed */
    if (folder && (t = strstr(folder, "id ")) && sscanf(t, "id %10s", idbuf) == 1) {
        rev = idbuf;
        if ((t = strstr(folder, "seed ")) && seed < 0)
            seed = atol(t + 5);
    }
    free(folder);

    if (hunt_key(key) < 0) {
        errorf("hunt: --reveal needs the teacher's key (--key FILE, $RACELAB_HUNT_KEY or "
               "~/.config/racelab/teacher.key)");
        return EXIT_ENV;
    }
    char *name = reveal(rev, p, seed);
    if (!name) {
        errorf("hunt: unknown case '%s' (made with this key? pass --seed N if "
               "BUILD/hunt/%s is gone)", rev, rev);
        return EXIT_USAGE;
    }
    char *dir = xasprintf("%s/scenarios/%s", p->source, name);
    if (scenario_load(&s, dir, "manifest.ini", err, sizeof err) == 0)
        printf("case %s: %s (module %s, bug class %s)\n", rev, name,
               s.module ? s.module : "?", s.bug_class ? s.bug_class : "?");
    else
        printf("case %s: %s\n", rev, name);
    scenario_free(&s);
    free(dir);
    free(name);
    return EXIT_OK;
}

/* The pool to pick from: --from LIST (checked), else every scenario;
 * sorted, so that --from a,b and --from b,a give the same case. */
static int make_pool(struct strvec *pool, const char *from, const struct scenario *all, int n)
{
    if (from) {
        sv_split(pool, from, false);
        for (size_t i = 0; i < pool->n; i++) {
            bool ok = false;
            for (int k = 0; k < n; k++)
                ok |= strcmp(all[k].name, pool->v[i]) == 0;
            if (!ok) {
                errorf("hunt: --from: unknown scenario '%s'", pool->v[i]);
                return EXIT_USAGE;
            }
        }
    } else
        for (int k = 0; k < n; k++)
            sv_push(pool, all[k].name);
    if (pool->n == 0) {
        errorf("hunt: no scenarios to pick from");
        return EXIT_ENV;
    }
    for (size_t i = 0; i < pool->n; i++)
        for (size_t j = i + 1; j < pool->n; j++)
            if (strcmp(pool->v[i], pool->v[j]) > 0) {
                char *t = pool->v[i];
                pool->v[i] = pool->v[j];
                pool->v[j] = t;
            }
    return EXIT_OK;
}

static int new_case(const struct paths *p, const char *from, long seed)
{
    struct strvec pool;
    struct scenario *all = NULL;
    unsigned char key[16];
    char err[512], id[11];
    int n, rc;

    if (hunt_key(key) < 0) {
        errorf("hunt: no teacher key: make one with racelab hunt --new-key (or pass "
               "--key FILE, or set $RACELAB_HUNT_KEY)");
        return EXIT_ENV;
    }
    n = scenarios_load_all(p->source, &all, err, sizeof err);
    if (n < 0) {
        errorf("%s", err);
        return EXIT_ENV;
    }
    sv_init(&pool);
    rc = make_pool(&pool, from, all, n);
    if (rc == EXIT_OK) {
        if (seed < 0)
            seed = (long)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 12)) &
                          0x7fffffff);
        char *msg = xasprintf("pick\n%ld", seed);
        size_t pick = (size_t)(siphash24(key, msg, strlen(msg)) % pool.n);
        free(msg);
        const struct scenario *s = NULL;
        for (int k = 0; k < n; k++)
            if (strcmp(all[k].name, pool.v[pick]) == 0)
                s = &all[k];
        case_id(key, s->name, (unsigned long)seed, id);
        char *hroot = hunt_root(p), *dir = xasprintf("%s/%s", hroot, id);
        if (prepare_case(p, s, id, seed, key, dir) < 0) {
            errorf("hunt: cannot prepare %s", dir);
            rc = EXIT_ENV;
        } else {
            char *rp = xasprintf("%s/README.md", dir);
            FILE *f = fopen(rp, "w");
            if (f)
                print_case(f, id, seed, ".");
            if (!f || fclose(f) != 0) {
                errorf("hunt: %s: %s", rp, strerror(errno));
                rc = EXIT_ENV;
            } else
                print_case(stdout, id, seed, dir);
            free(rp);
        }
        free(hroot);
        free(dir);
    }
    sv_free(&pool);
    scenarios_free(all, (size_t)n);
    return rc;
}

int cmd_hunt(int argc, char **argv, struct paths *p)
{
    static const struct option opts[] = {
        {"seed", required_argument, 0, 's'}, {"from", required_argument, 0, 'f'},
        {"reveal", required_argument, 0, 'r'}, {"key", required_argument, 0, 'k'},
        {"new-key", no_argument, 0, 'N'}, {"source-dir", required_argument, 0, 'S'},
        {"build-dir", required_argument, 0, 'B'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    long seed = -1;
    const char *from = NULL, *rev = NULL;
    bool mint = false;
    int o;

    optind = 1;
    opterr = 0;
    key_flag = NULL;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            if (!opt_long("--seed", optarg, 0, 0x7fffffffL, &seed))
                return EXIT_USAGE;
            break;
        case 'f': from = optarg; break;
        case 'r': rev = optarg; break;
        case 'k': key_flag = optarg; break;
        case 'N': mint = true; break;
        case 'S': p->source = optarg; break;
        case 'B': p->build_root = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':': errorf("hunt: option %s needs a value", argv[optind - 1]); return EXIT_USAGE;
        default: errorf("hunt: unknown option '%s'", argv[optind - 1]); return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        errorf("hunt: unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    if (mint)
        return new_key();
    if (rev)
        return reveal_cmd(rev, p, seed);
    return new_case(p, from, seed);
}
