/* hunt_build.c - a hunt case's servers with nothing of the scenario in
 * them (see hunt_build.h). */
#include "hunt_build.h"
#include "contract_sources.h"
#include "cli.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char *const hunt_flavor_names[HB_COUNT] = {"release", "tsan", "valgrind"};
static const char *const cc_of[HB_COUNT] = {"gcc", "clang", "gcc"};
static const char *const cflags_of[HB_COUNT] = {
    "-O2 -g", "-O1 -g -fsanitize=thread -fno-omit-frame-pointer",
    "-O1 -g -fno-omit-frame-pointer"};
static const char *const ldflags_of[HB_COUNT] = {"", "-fsanitize=thread", ""};

bool hunt_flavor_available(int fl)
{
    char *p = which(cc_of[fl]);
    bool ok = p != NULL;

    free(p);
    return ok;
}

/* Runs CMD under sh; 0, or -1 with the tail of its output in ERR. */
static int sh(const char *cmd, char *err, size_t errlen)
{
    char *argv[] = {"sh", "-c", (char *)cmd, NULL};
    int status = -1;
    char *out = proc_capture(argv, 600, &status);
    size_t n = out ? strlen(out) : 0;

    if (status == 0) {
        free(out);
        return 0;
    }
    snprintf(err, errlen, "the build failed: %s", out ? out + (n > 300 ? n - 300 : 0) : "");
    free(out);
    return -1;
}

/* Copies SOURCE/src/server's headers and sources but MODULE.c into DIR. */
static int copy_server(const char *source, const char *module, const char *dir, char *err,
                       size_t errlen)
{
    char *from = xasprintf("%s/src/server", source), *skip = xasprintf("%s.c", module);
    DIR *d = opendir(from);
    struct dirent *e;
    int rc = 0;

    if (!d) {
        snprintf(err, errlen, "%s: %s", from, strerror(errno));
        free(from);
        free(skip);
        return -1;
    }
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!(str_ends_with(e->d_name, ".c") || str_ends_with(e->d_name, ".h")) ||
            !strcmp(e->d_name, skip))
            continue;
        char *a = xasprintf("%s/%s", from, e->d_name), *b = xasprintf("%s/%s", dir, e->d_name);
        size_t n;
        char *text = read_file(a, &n);
        FILE *f = text ? fopen(b, "w") : NULL;
        if (!f || fwrite(text, 1, n, f) != n) {
            snprintf(err, errlen, "copying %s: %s", e->d_name, strerror(errno));
            rc = -1;
        }
        if (f && fclose(f) != 0)
            rc = -1;
        free(text);
        free(a);
        free(b);
    }
    closedir(d);
    free(from);
    free(skip);
    return rc;
}

/* "cc FLAGS" of flavor FL, paths under DIR shown as /racelab. */
static char *compile_cmd(int fl, const char *dir)
{
    /* -pipe: a compiler stopped by a signal leaves no assembler file in $TMPDIR */
    return xasprintf("%s -pipe -std=gnu11 -D_GNU_SOURCE -DRACELAB_FLAVOR='\"%s\"' -Wall "
                     "-Wno-unused-parameter %s -ffile-prefix-map='%s'=/racelab -I'%s'",
                     cc_of[fl], hunt_flavor_names[fl], cflags_of[fl], dir, dir);
}

static char *make_tmp(const char *libdir)
{
    char *t = xasprintf("%s/tmp.XXXXXX", libdir);

    mkdir(libdir, 0700);
    if (!mkdtemp(t)) {
        free(t);
        return NULL;
    }
    return t;
}

char *hunt_build_lib(const char *source, const char *libdir, const char *module, int fl,
                     char *err, size_t errlen)
{
    char *lib = xasprintf("%s/lib-%s-%s.a", libdir, module, hunt_flavor_names[fl]);
    char *tmp, *cc, *cmd, *part;
    int r;

    if (access(lib, R_OK) == 0)
        return lib;
    tmp = make_tmp(libdir);
    if (!tmp) {
        snprintf(err, errlen, "mkdtemp in %s: %s", libdir, strerror(errno));
        free(lib);
        return NULL;
    }
    r = copy_server(source, module, tmp, err, errlen);
    cc = compile_cmd(fl, tmp);
    part = xasprintf("%s.%d", lib, (int)getpid());
    cmd = xasprintf("cd '%s' && %s -c *.c && ar rcs '%s' *.o && mv '%s' '%s'", tmp, cc, part,
                    part, lib);
    if (r == 0)
        r = sh(cmd, err, errlen);
    unlink(part);
    rm_rf(tmp);
    free(part); free(cmd); free(cc); free(tmp);
    if (r < 0) {
        free(lib);
        return NULL;
    }
    return lib;
}

int hunt_build_contract(const char *source, const char *libdir, const char *module,
                        const char *out, char *err, size_t errlen)
{
    char *tmp, *cc, *cmd, *x = NULL;
    struct strvec extras;
    struct strbuf xb;
    int r;

    /* what the suite links besides the module (tests/contract/sources.ini) */
    sv_init(&extras);
    if (contract_extra_sources(source, module, &extras, err, errlen) < 0) {
        sv_free(&extras);
        return -1;
    }
    if (!(tmp = make_tmp(libdir))) {
        snprintf(err, errlen, "mkdtemp in %s: %s", libdir, strerror(errno));
        sv_free(&extras);
        return -1;
    }
    cc = compile_cmd(HB_VALGRIND, tmp);
    sb_init(&xb);
    for (size_t i = 0; i < extras.n; i++) {
        const char *b = strrchr(extras.v[i], '/');
        sb_printf(&xb, " && cp '%s/%s' . && %s -c %s", source, extras.v[i], cc,
                  b ? b + 1 : extras.v[i]);
    }
    sv_free(&extras);
    x = sb_steal(&xb);
    cmd = xasprintf("cd '%s' && cp '%s'/src/server/*.h '%s'/tests/contract/*.h . && "
                    "cp '%s/tests/contract/contract_%s.c' . && %s -c contract_%s.c%s && "
                    "rm -f '%s' && ar rcs '%s' *.o", tmp, source, source, source, module, cc,
                    module, x ? x : "", out, out);
    r = sh(cmd, err, errlen);
    rm_rf(tmp);
    free(tmp); free(cc); free(cmd); free(x);
    return r;
}

int hunt_build(const char *source, const char *libdir, const char *module,
               const char *module_text, int fl, const char *salt, const char *exe,
               char *err, size_t errlen)
{
    char *lib = hunt_build_lib(source, libdir, module, fl, err, errlen);
    char *tmp = lib ? make_tmp(libdir) : NULL, *cc = NULL, *cmd = NULL;
    int rc = -1;

    if (!tmp) {
        if (lib)
            snprintf(err, errlen, "mkdtemp in %s: %s", libdir, strerror(errno));
        free(lib);
        return -1;
    }
    if (copy_server(source, module, tmp, err, errlen) < 0)
        goto out;
    cc = compile_cmd(fl, tmp);
    {
        char *src = xasprintf("%s/module.c", tmp);
        FILE *f = fopen(src, "w");
        bool ok = f && fputs(module_text, f) >= 0;
        if (f && fclose(f) != 0)
            ok = false;
        free(src);
        if (!ok) {
            snprintf(err, errlen, "writing module.c: %s", strerror(errno));
            goto out;
        }
    }
    cmd = xasprintf("cd '%s' && %s -c module.c -o module.o && %s %s -o '%s' module.o '%s' "
                    "-lpthread -Wl,--build-id=0x%s", tmp, cc, cc_of[fl], ldflags_of[fl], exe,
                    lib, salt);
    rc = sh(cmd, err, errlen);
out:
    rm_rf(tmp);
    free(tmp);
    free(cc);
    free(cmd);
    free(lib);
    return rc;
}
