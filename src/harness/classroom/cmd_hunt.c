/* cmd_hunt.c - `racelab hunt`: a mystery server to diagnose from its
 * symptoms.  The case ID is a keyed hash (SipHash-2-4) of the scenario's
 * name and the seed, under a per-install secret key, so reading the ID
 * tells nothing; `racelab hunt --reveal ID` names the scenario, and
 * hunt_resolve() lets `run`, `check` and `hint` take the ID instead. */
#include "cli.h"
#include "docroot.h"
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
"usage: racelab hunt [--seed N] [--from LIST]\n"
"       racelab hunt --reveal ID\n"
"Picks a scenario (from LIST, default all) and prepares its buggy server\n"
"under a neutral name in BUILD/hunt/ID/.  The first line printed is\n"
"'case: ID'; nothing printed names the scenario, its module or bug class.\n"
"The same seed gives the same case (with the same key: $RACELAB_HUNT_KEY,\n"
"else BUILD/hunt/.key, made on first use).  racelab run, check and hint\n"
"accept the ID in place of a scenario name.\n"
"Exit: 0, 2 usage error (unknown ID), 3 environment error (build missing).\n";

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

/* The secret key: $RACELAB_HUNT_KEY (a teacher shares it so that a seed is
 * the same case on every machine), else HUNT/.key, created once. */
static int hunt_key(const struct paths *p, bool create, unsigned char key[16])
{
    static const unsigned char zero[16];
    const char *env = getenv("RACELAB_HUNT_KEY");
    char *dir, *path, *hex;
    unsigned long long a, b;

    if (env && *env) {
        a = siphash24(zero, env, strlen(env));
        b = siphash24((const unsigned char *)"racelab-hunt-key", env, strlen(env));
        memcpy(key, &a, 8);
        memcpy(key + 8, &b, 8);
        return 0;
    }
    dir = hunt_root(p);
    path = xasprintf("%s/.key", dir);
    hex = read_file(path, NULL);
    if (!hex && create) {
        unsigned char raw[16];
        int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
        if (fd < 0 || read(fd, raw, 16) != 16) {
            errorf("hunt: /dev/urandom: %s", strerror(errno));
            free(dir);
            free(path);
            return -1;
        }
        close(fd);
        mkdir(dir, 0755);
        FILE *f = fopen(path, "w");
        if (!f) {
            errorf("hunt: %s: %s", path, strerror(errno));
            free(dir);
            free(path);
            return -1;
        }
        chmod(path, 0600);
        for (int i = 0; i < 16; i++)
            fprintf(f, "%02x", raw[i]);
        fputc('\n', f);
        fclose(f);
        hex = read_file(path, NULL);
    }
    free(dir);
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

    if (!looks_like_id(id) || hunt_key(p, false, key) < 0)
        return NULL;
    dir = hunt_root(p);
    sp = xasprintf("%s/%s/seed", dir, id);
    s = read_file(sp, NULL);
    free(dir);
    free(sp);
    if (s) {
        seed = atol(s);
        free(s);
    }
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

const char *hunt_resolve(const char *id_or_name, const struct paths *p)
{
    /* Resolved names live as long as the process (kept reachable, so that
     * LeakSanitizer does not count them). */
    static char *resolved[8];
    static size_t nresolved;
    char *name = reveal(id_or_name, p, -1);
    if (!name)
        return id_or_name;
    if (nresolved < sizeof resolved / sizeof *resolved)
        resolved[nresolved++] = name;
    return name;
}

static int copy_file(const char *from, const char *to, mode_t mode)
{
    size_t n;
    char *data = read_file(from, &n);
    int fd, rc = -1;

    if (!data)
        return -1;
    unlink(to);
    fd = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd >= 0) {
        rc = write(fd, data, n) == (ssize_t)n ? 0 : -1;
        close(fd);
    }
    free(data);
    return rc;
}

int cmd_hunt(int argc, char **argv, struct paths *p)
{
    static const struct option opts[] = {
        {"seed", required_argument, 0, 's'}, {"from", required_argument, 0, 'f'},
        {"reveal", required_argument, 0, 'r'}, {"source-dir", required_argument, 0, 'S'},
        {"build-dir", required_argument, 0, 'B'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    long seed = -1;
    const char *from = NULL, *rev = NULL;
    struct strvec pool;
    struct scenario *all = NULL;
    int n = 0, o, rc = EXIT_USAGE;
    char err[512];
    unsigned char key[16];

    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case 's':
            if (!opt_long("--seed", optarg, 0, 0x7fffffffL, &seed))
                return EXIT_USAGE;
            break;
        case 'f': from = optarg; break;
        case 'r': rev = optarg; break;
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
    if (rev) {
        char *name = reveal(rev, p, seed);
        struct scenario s = {0};
        if (!name) {
            errorf("hunt: unknown case '%s' (made on this machine with this key? "
                   "pass --seed N if BUILD/hunt/%s is gone)", rev, rev);
            return EXIT_USAGE;
        }
        char *dir = xasprintf("%s/scenarios/%s", p->source, name);
        if (scenario_load(&s, dir, "manifest.ini", err, sizeof err) == 0) {
            printf("case %s: %s (module %s, bug class %s)\n", rev, name,
                   s.module ? s.module : "?", s.bug_class ? s.bug_class : "?");
            scenario_free(&s);
        } else {
            printf("case %s: %s\n", rev, name);
            scenario_free(&s);
        }
        free(dir);
        free(name);
        return EXIT_OK;
    }

    sv_init(&pool);
    n = scenarios_load_all(p->source, &all, err, sizeof err);
    if (n < 0) {
        errorf("%s", err);
        sv_free(&pool);
        return EXIT_ENV;
    }
    if (from) {
        sv_split(&pool, from, false);
        for (size_t i = 0; i < pool.n; i++) {
            bool ok = false;
            for (int k = 0; k < n; k++)
                ok |= strcmp(all[k].name, pool.v[i]) == 0;
            if (!ok) {
                errorf("hunt: --from: unknown scenario '%s'", pool.v[i]);
                goto out;
            }
        }
    } else
        for (int k = 0; k < n; k++)
            sv_push(&pool, all[k].name);
    if (pool.n == 0) {
        errorf("hunt: no scenarios to pick from");
        rc = EXIT_ENV;
        goto out;
    }
    if (hunt_key(p, true, key) < 0) {
        errorf("hunt: no key (set RACELAB_HUNT_KEY)");
        rc = EXIT_ENV;
        goto out;
    }
    if (seed < 0)
        seed = (long)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 12)) &
                      0x7fffffff);
    {
        /* sorted pool: --from a,b and --from b,a give the same case */
        for (size_t i = 0; i < pool.n; i++)
            for (size_t j = i + 1; j < pool.n; j++)
                if (strcmp(pool.v[i], pool.v[j]) > 0) {
                    char *t = pool.v[i];
                    pool.v[i] = pool.v[j];
                    pool.v[j] = t;
                }
        char *msg = xasprintf("pick\n%ld", seed);
        size_t pick = (size_t)(siphash24(key, msg, strlen(msg)) % pool.n);
        free(msg);
        const struct scenario *s = NULL;
        for (int k = 0; k < n; k++)
            if (strcmp(all[k].name, pool.v[pick]) == 0)
                s = &all[k];
        char id[11];
        case_id(key, s->name, (unsigned long)seed, id);

        char *root = build_root_of(p), *hroot = hunt_root(p);
        char *dir = xasprintf("%s/%s", hroot, id);
        char *rel = xasprintf("%s/release/racelab-server-%s-buggy", root, s->name);
        if (!is_executable(rel)) {
            /* not REL: it names the scenario */
            errorf("build missing: the scenario servers in %s/release "
                   "(racelab-server-*-buggy)", root);
            errorf("build it with: cd %s && cmake --preset release && "
                   "cmake --build --preset release", p->source);
            rc = EXIT_ENV;
            free(root); free(hroot); free(dir); free(rel);
            goto out;
        }
        mkdir(hroot, 0755);
        mkdir(dir, 0755);
        /* copies, not symlinks: readlink would name the scenario */
        char *dst = xasprintf("%s/server", dir);
        int bad = copy_file(rel, dst, 0755);
        free(dst);
        static const char *const flv[] = {"tsan", "valgrind"};
        for (int f = 0; f < 2 && !bad; f++) {
            char *src = xasprintf("%s/%s/racelab-server-%s-buggy", root, flv[f], s->name);
            char *d2 = xasprintf("%s/server-%s", dir, flv[f]);
            if (is_executable(src))
                bad |= copy_file(src, d2, 0755);
            free(src);
            free(d2);
        }
        char *seedp = xasprintf("%s/seed", dir), *argsp = xasprintf("%s/args", dir);
        FILE *f1 = fopen(seedp, "w"), *f2 = fopen(argsp, "w");
        if (f1) fprintf(f1, "%ld\n", seed);
        char *args = str_replace(s->args ? s->args : "", "{tmp}", dir);
        if (f2) fprintf(f2, "%s\n", args);
        free(args);
        if (!f1 || !f2)
            bad = 1;
        if (f1) fclose(f1);
        if (f2) fclose(f2);
        long mb = 1;
        const char *cm = s->args ? strstr(s->args, "--cache-mb") : NULL;
        if (cm)
            mb = atol(cm + 10 + strspn(cm + 10, " ="));
        char *www = xasprintf("%s/www", dir);
        struct stat st;
        if (stat(www, &st) != 0 &&
            docroot_create(www, docroot_files_for_cache(mb < 1 ? 1 : mb), err, sizeof err) < 0) {
            errorf("hunt: docroot: %s", err);
            bad = 1;
        }
        if (bad) {
            errorf("hunt: cannot prepare %s", dir);
            rc = EXIT_ENV;
        } else {
            printf("case: %s\n", id);
            printf("seed: %ld\n", seed);
            printf("\nA racelab-server build in which one module misbehaves under load.\n"
                   "Find what an operator would notice, then why.\n\n");
            printf("Start it by hand (its arguments are in %s/args):\n", dir);
            printf("  %s/server --root %s/www --port 8080 $(cat %s/args)\n", dir, dir, dir);
            printf("  curl -s http://127.0.0.1:8080/-/stats\n");
            printf("  wrk -t2 -c32 -d10s http://127.0.0.1:8080/f/0.html\n");
            printf("  kill -TERM <its pid>      # a correct server exits at once\n\n");
            printf("Or load it with racelab's own client:\n");
            printf("  racelab stress --tool none --duration 10 --http /index.html "
                   "--http /f/0.html --http /f/1.html --http /-/stats -- "
                   "%s/server --root %s/www --port {port} $(cat %s/args)\n", dir, dir, dir);
            /* The same text for every case: whether server-tsan and
             * server-valgrind are there depends on which flavors were
             * built for which scenario (a flavor built before a scenario
             * was added lacks it), so printing them only when present
             * would tell cases apart. */
            printf("Under a detector, when you are ready (server-tsan and "
                   "server-valgrind are there\n"
                   "when the tsan and valgrind flavors are built: cmake --preset tsan "
                   "&& cmake --build\n"
                   "--preset tsan, the same with valgrind, then racelab hunt again "
                   "with this seed):\n");
            printf("  racelab stress --tool tsan --duration 5 --http /f/0.html -- "
                   "%s/server-tsan --root %s/www --port {port} $(cat %s/args)\n",
                   dir, dir, dir);
            printf("  racelab stress --tool helgrind --duration 5 --http /f/0.html -- "
                   "%s/server-valgrind --root %s/www --port {port} $(cat %s/args)\n",
                   dir, dir, dir);
            printf("\n");
            printf("Hints, gentlest first:  racelab hint %s 1\n", id);
            printf("Check your fix:         racelab check %s YOUR-FILE.c\n", id);
            printf("Give up:                racelab hunt --reveal %s\n", id);
            rc = EXIT_OK;
        }
        free(www); free(seedp); free(argsp); free(root); free(hroot); free(dir); free(rel);
    }
out:
    sv_free(&pool);
    if (all)
        scenarios_free(all, (size_t)n);
    return rc;
}
