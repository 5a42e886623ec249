/* cmd_handout.c - `racelab handout SCENARIO|CASE DIR`: a folder a student
 * builds and checks with nothing but racelab installed.  It holds the buggy
 * module (MODULE.c; module.c for a hunt case), the public headers it
 * includes, the rest of the server prebuilt in lib/ (a static library
 * without the module, compiled with neutral paths; a TSan one when clang is
 * there), the module's contract suite prebuilt (lib/libcontract.a, no
 * source), a README that points only at what is in the folder, HINTS.md
 * (not for a case) and a Makefile.  Never fixed.c, SOLUTION.md, the
 * manifest, the reference module or a path of the racelab tree. */
#include "cli.h"
#include "hunt_build.h"
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab handout SCENARIO|CASE DIR\n"
"Writes DIR/: MODULE.c (the buggy module), the public headers it includes,\n"
"lib/ (the rest of the server and the module's contract suite, prebuilt:\n"
"no source), README.md (the story and how to build), HINTS.md and a\n"
"Makefile: make, make tsan, make contract, make check (racelab check).\n"
"Nothing in DIR names a path of this tree.  For a hunt CASE (its folder or\n"
"ID) the module is module.c, the README is the same for every case and\n"
"the case file comes along, so that racelab check and hint take the folder.\n"
"Exit: 0, 2 usage error, 3 environment error (unwritable DIR, no compiler).\n";

struct handout {
    const char *out, *source;
    char *abs_out;              /* OUT, absolute */
    struct scenario s;
    char *case_text;            /* the case file, for a hunt case */
    char *file;                 /* "stats.c", or "module.c" for a case */
    char *text;                 /* the module's source */
    char headers[512];          /* "stats.h cache.h " */
};

static int put(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f || fputs(text, f) < 0) {
        errorf("handout: %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (f && fclose(f) != 0) {
        errorf("handout: %s: %s", path, strerror(errno));
        rc = -1;
    }
    free(path);
    return rc;
}

/* The public headers the module includes ("#include \"X.h\"" of the
 * server's own), and its own: copied, listed in H->headers. */
static int put_headers(struct handout *h)
{
    char *own = xasprintf("#include \"%s.h\"", h->s.module);
    char *with_own = strstr(h->text, own) ? xstrdup(h->text) : xasprintf("%s\n%s", own, h->text);
    int rc = 0;

    free(own);
    h->headers[0] = '\0';
    for (const char *p = with_own; rc == 0 && (p = strstr(p, "#include \"")) != NULL;) {
        char name[64];
        p += 10;
        if (sscanf(p, "%63[^\"]", name) != 1 || strchr(name, '/') || strstr(h->headers, name))
            continue;
        char *src = xasprintf("%s/src/server/%s", h->source, name), *text = read_file(src, NULL);
        free(src);
        if (!text)
            continue;       /* not one of the server's headers */
        rc = put(h->out, name, text);
        free(text);
        if (strlen(h->headers) + strlen(name) + 2 < sizeof h->headers) {
            strcat(h->headers, name);
            strcat(h->headers, " ");
        }
    }
    free(with_own);
    return rc;
}

/* lib/libserver.a (and libserver-tsan.a), lib/libcontract.a. */
static int put_libs(struct handout *h, const struct paths *p, bool *tsan, bool *contract)
{
    char err[512], *libdir = hunt_lib_dir(p), *lib = xasprintf("%s/lib", h->abs_out);
    int rc = 0;

    mkdir(lib, 0755);
    *tsan = *contract = false;
    for (int fl = HB_RELEASE; fl <= HB_TSAN && rc == 0; fl++) {
        if (fl == HB_TSAN && !hunt_flavor_available(fl))
            break;
        char *a = hunt_build_lib(h->source, libdir, h->s.module, fl, err, sizeof err);
        char *to = xasprintf("%s/libserver%s.a", lib, fl == HB_TSAN ? "-tsan" : "");
        char *cmd = a ? xasprintf("cp '%s' '%s'", a, to) : NULL;
        if (!a || system(cmd) != 0) {
            errorf("handout: the server's library: %s", a ? "copy failed" : err);
            rc = -1;
        } else if (fl == HB_TSAN)
            *tsan = true;
        free(a); free(to); free(cmd);
    }
    char *suite = xasprintf("%s/tests/contract/contract_%s.c", h->source, h->s.module);
    if (rc == 0 && access(suite, R_OK) == 0) {
        char *to = xasprintf("%s/libcontract.a", lib);
        if (hunt_build_contract(h->source, libdir, h->s.module, to, err, sizeof err) < 0) {
            errorf("handout: the contract suite: %s", err);
            rc = -1;
        } else
            *contract = true;
        free(to);
    }
    free(suite); free(lib); free(libdir);
    return rc;
}

/* README.md's sections but "Reproduce" (which speaks of the repository's
 * binaries and scripts) and "Your turn" and what follows (buggy.c, fixed.c,
 * SOLUTION.md): the operator's story. */
static char *story_of(const char *readme)
{
    struct strbuf b;
    bool keep = true;

    sb_init(&b);
    for (const char *l = readme, *nl; l && *l; l = nl ? nl + 1 : NULL) {
        nl = strchr(l, '\n');
        int n = nl ? (int)(nl - l) : (int)strlen(l);
        if (!strncmp(l, "## ", 3)) {
            if (!strncmp(l + 3, "Your turn", 9) || !strncmp(l + 3, "Hint", 4) ||
                !strncmp(l + 3, "Explanation", 11) || !strncmp(l + 3, "Solution", 8) ||
                !strncmp(l + 3, "Fix", 3))
                break;
            keep = strncmp(l + 3, "Reproduce", 9) != 0;
        }
        if (keep)
            sb_printf(&b, "%.*s\n", n, l);
    }
    char *s = sb_steal(&b), *t = xstrdup(str_trim(s));
    free(s);
    return t;
}

static char *readme_text(const struct handout *h, bool tsan, bool contract, bool hints)
{
    char *story, *args = str_replace(h->s.args ? h->s.args : "", "{tmp}", ".");
    char *text;

    if (h->case_text)
        story = xstrdup("# A hunt case\n\nA racelab-server in which one module misbehaves "
                        "under load.  Find what an\noperator would notice, then why; then fix "
                        "`module.c`, the module at fault.");
    else {
        char *path = xasprintf("%s/scenarios/%s/README.md", h->source, h->s.name);
        char *readme = read_file(path, NULL);
        story = readme ? story_of(readme) : xasprintf("# %s\n", h->s.name);
        free(path);
        free(readme);
    }
    text = xasprintf(
"%s\n\n"
"## What is here\n\n"
"- `%s`: the module to fix; %s: its public headers\n"
"- `lib/`: the rest of the server, prebuilt (`libserver.a`%s)%s\n"
"- `Makefile`%s%s\n\n"
"## Reproduce\n\n"
"```sh\n"
"make www           # a folder of files to serve\n"
"make               # ./server, from %s and lib/libserver.a\n"
"./server --root www --port 8080 %s &\n"
"curl -s http://127.0.0.1:8080/-/stats\n"
"wrk -t2 -c32 -d10s http://127.0.0.1:8080/f/0.html\n"
"kill -TERM %%1     # a correct server exits at once\n"
"```\n\n"
"## Your turn\n\n"
"Find the cause and fix `%s`, then\n\n"
"```sh\n"
"make               # ./server\n"
"%s"
"%s"
"make check         # racelab check: the verdict on your fix (needs racelab)\n"
"```\n", story, h->file, h->headers, tsan ? ", and `libserver-tsan.a` for TSan" : "",
        contract ? "; `libcontract.a`, the module's contract tests" : "",
        hints ? "; `HINTS.md`, one hint at a time" : "",
        h->case_text ? "; `case`, which `racelab check .` and `racelab hint . N` read" : "",
        h->file, h->case_text ? "$(cat args)" : args, h->file,
        tsan ? "make tsan          # ./server-tsan, under ThreadSanitizer (clang)\n" : "",
        contract ? "make contract      # the module's contract tests (libcmocka)\n" : "");
    free(story);
    free(args);
    return text;
}

static char *makefile_text(const struct handout *h)
{
    const char *stem_end = strrchr(h->file, '.');
    int stem = (int)(stem_end - h->file);

    return xasprintf(
"# Builds racelab-server from this folder's %s and the rest of the\n"
"# server, prebuilt in lib/; it reads nothing outside this folder.\n"
"#   make          ./server        (cc -O2 -g)\n"
"#   make tsan     ./server-tsan   (clang -fsanitize=thread)\n"
"#   make contract the module's contract suite (lib/libcontract.a, cmocka)\n"
"#   make check    racelab check: detectors, oracles under load, functional\n"
"#   make www      a folder of files to serve\n"
"MODULE     = %.*s\n"
"HEADERS    = %s\n"
"CHECK_AS   = %s\n"
"RACELAB   ?= racelab\n"
"CHECKFLAGS ?=\n"
"CMOCKA    ?= -lcmocka\n"
"FLAGS      = -std=gnu11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter -I.\n"
"\n"
"server: $(MODULE).c $(HEADERS) lib/libserver.a\n"
"\t$(CC) -O2 -g $(FLAGS) -o $@ $(MODULE).c lib/libserver.a -lpthread\n"
"\n"
"tsan: server-tsan\n"
"server-tsan: $(MODULE).c $(HEADERS) lib/libserver-tsan.a\n"
"\tclang -O1 -g -fsanitize=thread -fno-omit-frame-pointer $(FLAGS) -o $@ \\\n"
"\t\t$(MODULE).c lib/libserver-tsan.a -lpthread\n"
"\n"
"contract: contract-$(MODULE)\n"
"\t./contract-$(MODULE)\n"
"contract-$(MODULE): $(MODULE).c $(HEADERS) lib/libcontract.a\n"
"\t$(CC) -O1 -g $(FLAGS) -o $@ $(MODULE).c lib/libcontract.a $(CMOCKA) -lpthread\n"
"\n"
"check: $(MODULE).c\n"
"\t$(RACELAB) check $(CHECK_AS) $(MODULE).c $(CHECKFLAGS)\n"
"\n"
"www:\n"
"\tmkdir -p www/f && echo '<h1>racelab</h1>' > www/index.html\n"
"\tfor i in 0 1 2 3 4; do head -c 60000 /dev/zero | tr '\\0' x > www/f/$$i.html; done\n"
"\n"
"clean:\n"
"\trm -f server server-tsan contract-$(MODULE)\n"
"\n"
".PHONY: tsan contract check clean\n", h->file, stem, h->file, h->headers,
        h->case_text ? "." : h->s.name);
}

/* Resolves NAME (a scenario, a case folder or ID) and loads the manifest
 * into H; EXIT_OK or an exit code (error printed, naming no scenario). */
static int handout_load(struct handout *h, const char *name, const struct paths *p)
{
    char err[512];
    const char *scen = hunt_resolve(name, p);
    char *dir = xasprintf("%s/scenarios/%s", p->source, scen);

    if (scen != name)
        h->case_text = hunt_case_file(name, p);
    if (strchr(scen, '/') || scenario_load(&h->s, dir, "manifest.ini", err, sizeof err) < 0) {
        errorf("handout: unknown scenario or case '%s' (racelab list shows them)", name);
        free(dir);
        return EXIT_USAGE;
    }
    free(dir);
    if (h->case_text) {
        h->file = xstrdup("module.c");
        h->text = hunt_module_text(p->source, &h->s);
    } else {
        char *src = xasprintf("%s/scenarios/%s/buggy.c", p->source, h->s.name);
        char *raw = read_file(src, NULL), *paren = xasprintf(" (%s)", h->s.name);
        h->file = xasprintf("%s.c", h->s.module);
        h->text = raw ? str_replace(raw, paren, "") : NULL;
        free(src); free(raw); free(paren);
    }
    if (!h->text) {
        errorf("handout: the module of '%s' cannot be read", name);
        return EXIT_ENV;
    }
    return EXIT_OK;
}

static int handout_write(struct handout *h, const struct paths *p)
{
    bool tsan, contract, hints = false;
    char *hp, *text;
    int rc;

    if (mkdir(h->out, 0755) < 0 && errno != EEXIST) {
        errorf("handout: mkdir %s: %s", h->out, strerror(errno));
        return EXIT_ENV;
    }
    h->abs_out = realpath(h->out, NULL);    /* the builds run elsewhere */
    if (!h->abs_out) {
        errorf("handout: %s: %s", h->out, strerror(errno));
        return EXIT_ENV;
    }
    if (put(h->out, h->file, h->text) < 0 || put_headers(h) < 0 ||
        put_libs(h, p, &tsan, &contract) < 0)
        return EXIT_ENV;
    if (h->case_text && put(h->out, "case", h->case_text) < 0)
        return EXIT_ENV;
    if (!h->case_text) {
        hp = xasprintf("%s/scenarios/%s/HINTS.md", p->source, h->s.name);
        text = read_file(hp, NULL);
        free(hp);
        hints = text != NULL;
        rc = text ? put(h->out, "HINTS.md", text) : 0;
        free(text);
        if (rc < 0)
            return EXIT_ENV;
    } else {
        char *args = xasprintf("--threads 16 --cache-mb 1 --access-log access.log\n");
        rc = put(h->out, "args", args);
        free(args);
        if (rc < 0)
            return EXIT_ENV;
    }
    text = readme_text(h, tsan, contract, hints);
    rc = put(h->out, "README.md", text);
    free(text);
    text = makefile_text(h);
    rc |= put(h->out, "Makefile", text);
    free(text);
    if (rc < 0)
        return EXIT_ENV;
    printf("handout: %s/ (%s, %s%slib/, README.md, %sMakefile)\n", h->out, h->file, h->headers,
           h->case_text ? "case, args, " : "", hints ? "HINTS.md, " : "");
    return EXIT_OK;
}

int cmd_handout(int argc, char **argv, struct paths *p)
{
    struct handout h = {0};
    int rc, i;

    if ((rc = small_command_options("handout", argc, argv, p, usage, &i)) >= 0)
        return rc;
    if (argc - i != 2) {
        errorf("handout: expected SCENARIO DIR");
        return EXIT_USAGE;
    }
    h.out = argv[i + 1];
    h.source = p->source;
    rc = handout_load(&h, argv[i], p);
    if (rc == EXIT_OK)
        rc = handout_write(&h, p);
    scenario_free(&h.s);
    free(h.case_text);
    free(h.abs_out);
    free(h.file);
    free(h.text);
    return rc;
}
