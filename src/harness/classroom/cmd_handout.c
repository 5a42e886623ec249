/* cmd_handout.c - `racelab handout SCENARIO DIR`: a folder a student builds
 * on their own machine against this repository: the buggy module under
 * the module's own file name, its header, the story (README.md without its
 * "Your turn", which speaks of the repository's files: the hand-out writes
 * its own), HINTS.md as it is, and a Makefile.  Never fixed.c, SOLUTION.md, the manifest or its
 * locations. */
#include "cli.h"
#include "contract_sources.h"
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
"usage: racelab handout SCENARIO DIR\n"
"Writes DIR/: MODULE.c (the buggy module), MODULE.h, README.md (the story),\n"
"HINTS.md and a Makefile that builds the server from this repository (make,\n"
"make tsan, make contract, make check).  No fixed.c, no SOLUTION.md, no\n"
"manifest.\n"
"Exit: 0, 2 usage error, 3 environment error (unwritable DIR).\n";

static int put(const char *dir, const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    int rc = 0;

    if (!f || fputs(text, f) < 0) {
        errorf("handout: %s: %s", path, strerror(errno));
        rc = -1;
    }
    if (f && fclose(f) != 0)
        rc = -1;
    free(path);
    return rc;
}

/* README.md without its "## Your turn" section (which tells a reader of
 * the repository about buggy.c, fixed.c and SOLUTION.md) and anything after
 * it: the operator's story and how to reproduce it. */
static char *story_of(char *readme)
{
    char *cut = readme;

    while ((cut = strstr(cut, "\n## ")) != NULL) {
        if (!strncmp(cut + 4, "Your turn", 9) || !strncmp(cut + 4, "Hint", 4) ||
            !strncmp(cut + 4, "Explanation", 11) || !strncmp(cut + 4, "Solution", 8) ||
            !strncmp(cut + 4, "Fix", 3)) {
            cut[1] = '\0';
            break;
        }
        cut += 4;
    }
    return readme;
}

/* What the contract suite links besides the module, as Makefile words
 * (tests/contract/sources.ini); NULL with the error printed. */
static char *makefile_extras(const char *source, const char *module)
{
    char err[256];
    char *x = contract_extra_joined(source, module, "$(RACELAB_TREE)/", " ", err, sizeof err);

    if (!x)
        errorf("handout: %s", err);
    return x;
}

int cmd_handout(int argc, char **argv, struct paths *p)
{
    struct scenario s = {0};
    char err[512], *dir, *src, *text, *readme, *hints, *tmp, *story;
    const char *name, *scen, *out;
    int rc = EXIT_ENV, i = 1;

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
        errorf("handout: unknown option '%s'", argv[i]);
        return EXIT_USAGE;
    }
    if (argc - i != 2) {
        errorf("handout: expected SCENARIO DIR");
        return EXIT_USAGE;
    }
    name = argv[i];
    out = argv[i + 1];
    scen = hunt_resolve(name, p);
    dir = xasprintf("%s/scenarios/%s", p->source, scen);
    if (strchr(scen, '/') || scenario_load(&s, dir, "manifest.ini", err, sizeof err) < 0) {
        errorf("handout: unknown scenario '%s' (racelab list shows them)", name);
        scenario_free(&s);
        free(dir);
        return EXIT_USAGE;
    }
    if (mkdir(out, 0755) < 0 && errno != EEXIST) {
        errorf("handout: mkdir %s: %s", out, strerror(errno));
        goto done;
    }
    /* the module: buggy.c under the module's name, without the scenario
     * name its first line carries */
    src = xasprintf("%s/buggy.c", dir);
    text = read_file(src, NULL);
    free(src);
    if (!text) {
        errorf("handout: %s/buggy.c: %s", dir, strerror(errno));
        goto done;
    }
    {
        char *paren = xasprintf(" (%s)", s.name), *clean = str_replace(text, paren, "");
        char *fname = xasprintf("%s.c", s.module);
        int r = put(out, fname, clean);
        free(paren); free(clean); free(fname); free(text);
        if (r < 0)
            goto done;
    }
    src = xasprintf("%s/src/server/%s.h", p->source, s.module);
    text = read_file(src, NULL);
    free(src);
    if (!text) {
        errorf("handout: src/server/%s.h: %s", s.module, strerror(errno));
        goto done;
    }
    tmp = xasprintf("%s.h", s.module);
    if (put(out, tmp, text) < 0) {
        free(tmp);
        free(text);
        goto done;
    }
    free(tmp);
    free(text);

    /* README.md (the story) and HINTS.md, as the scenario has them; never
     * SOLUTION.md, fixed.c or the manifest */
    src = xasprintf("%s/README.md", dir);
    readme = read_file(src, NULL);
    free(src);
    src = xasprintf("%s/HINTS.md", dir);
    hints = read_file(src, NULL);
    free(src);
    if (!readme)
        readme = xasprintf("# %s\n", name);
    story = str_trim(story_of(readme));
    text = xasprintf(
"%s\n\n"
"## Your turn\n\n"
"The code is `%s.c`, which stands in for one of the server's modules (the\n"
"rest is the racelab repository's `src/server/`, which the Makefile names).\n"
"Find the cause and fix `%s.c` here, then\n\n"
"```sh\n"
"make            # ./server\n"
"make tsan       # ./server-tsan, under ThreadSanitizer\n"
"make contract   # the module's contract tests (needs libcmocka-dev)\n"
"make check      # racelab check: the verdict on your fix\n"
"```\n%s", story, s.module, s.module,
        hints ? "\nStuck?  `HINTS.md`, one hint at a time.\n" : "");
    free(readme);
    bool has_hints = hints != NULL;
    int wr = put(out, "README.md", text);
    free(text);
    if (wr == 0 && hints)
        wr = put(out, "HINTS.md", hints);
    free(hints);
    if (wr < 0)
        goto done;

    {
        char *extras = makefile_extras(p->source, s.module);
        if (!extras)
            goto done;
        char *mk = xasprintf(
"# Builds racelab-server with this folder's %s.c in place of the\n"
"# repository's.  RACELAB_TREE is the racelab source tree.\n"
"#   make          ./server        (gcc -O2 -g)\n"
"#   make tsan     ./server-tsan   (clang -fsanitize=thread)\n"
"#   make contract the module's contract suite (tests/contract), cmocka\n"
"#   make check    racelab check: detectors, oracles under load, functional\n"
"#                 checks (needs the repository's build: cmake --preset release)\n"
"RACELAB_TREE ?= %s\n"
"SCENARIO ?= %s\n"
"MODULE    = %s\n"
"SERVER    = $(RACELAB_TREE)/src/server\n"
"OTHERS    = $(filter-out $(SERVER)/$(MODULE).c,$(wildcard $(SERVER)/*.c))\n"
"FLAGS     = -std=gnu11 -D_GNU_SOURCE -DRACELAB_FLAVOR='\"handout\"' -Wall -Wextra \\\n"
"            -Wno-unused-parameter -I. -I$(SERVER)\n"
"CC       ?= cc\n"
"\n"
"server: $(MODULE).c $(MODULE).h $(OTHERS)\n"
"\t$(CC) -O2 -g $(FLAGS) -o $@ $(MODULE).c $(OTHERS) -lpthread\n"
"\n"
"tsan: server-tsan\n"
"server-tsan: $(MODULE).c $(MODULE).h $(OTHERS)\n"
"\tclang -O1 -g -fsanitize=thread -fno-omit-frame-pointer $(FLAGS) -o $@ \\\n"
"\t\t$(MODULE).c $(OTHERS) -lpthread\n"
"\n"
"contract: contract-$(MODULE)\n"
"\t./contract-$(MODULE)\n"
"contract-$(MODULE): $(MODULE).c $(MODULE).h\n"
"\t$(CC) -D_GNU_SOURCE -g -O1 -I. -I$(SERVER) -I$(RACELAB_TREE)/tests/contract -o $@ \\\n"
"\t\t$(RACELAB_TREE)/tests/contract/contract_$(MODULE).c $(MODULE).c %s-lcmocka -lpthread\n"
"\n"
"check: $(MODULE).c\n"
"\t$(RACELAB_TREE)/build/release/racelab check $(SCENARIO) $(MODULE).c\n"
"\n"
"clean:\n"
"\trm -f server server-tsan contract-$(MODULE)\n"
"\n"
".PHONY: tsan contract check clean\n", s.module, p->source, name, s.module,
            /* what the suite links besides the module (tests/contract/sources.ini) */
            extras);
        int r = put(out, "Makefile", mk);
        free(mk);
        free(extras);
        if (r < 0)
            goto done;
    }
    printf("handout: %s/ (%s.c, %s.h, README.md, %sMakefile)\n", out,
           s.module, s.module, has_hints ? "HINTS.md, " : "");
    rc = EXIT_OK;
done:
    scenario_free(&s);
    free(dir);
    return rc;
}
