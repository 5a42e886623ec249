/* cmd_handout.c - `racelab handout SCENARIO DIR`: a folder a student builds
 * on their own machine against this repository: the buggy module under
 * the module's own file name, its header, the story (README.md) and the
 * hints, and a Makefile.  Never fixed.c, SOLUTION.md, the manifest or its
 * locations. */
#include "cli.h"
#include "manifest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char usage[] =
"usage: racelab handout SCENARIO DIR\n"
"Writes DIR/: MODULE.c (the buggy module), MODULE.h, README.md, HINTS.md and\n"
"a Makefile that builds the server from this repository (make, make tsan,\n"
"make check).  No fixed.c, no SOLUTION.md, no manifest.\n"
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

/* README.md up to its "## Hints" (or "## Explanation") heading: the story
 * only, for READMEs that still hold hints and solution in one file. */
static char *story_of(char *readme)
{
    char *cut = readme;

    while ((cut = strstr(cut, "\n## ")) != NULL) {
        if (!strncmp(cut + 4, "Hint", 4) || !strncmp(cut + 4, "Explanation", 11) ||
            !strncmp(cut + 4, "Solution", 8) || !strncmp(cut + 4, "Fix", 3)) {
            cut[1] = '\0';
            break;
        }
        cut += 4;
    }
    return readme;
}

/* "## Hint N" sections from README's numbered "## Hints" list. */
static char *hints_from_readme(const char *readme)
{
    const char *h = strstr(readme, "\n## Hints");
    struct strbuf sb;
    int n = 0;

    sb_init(&sb);
    sb_puts(&sb, "# Hints\n\nRead one at a time: `racelab hint SCENARIO N` prints one.\n");
    if (!h)
        return sb_steal(&sb);
    h = strchr(h + 1, '\n');
    while (h && *h) {
        const char *eol = strchr(h + 1, '\n');
        const char *line = h + 1;
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (!strncmp(line, "## ", 3))
            break;
        if (line[0] >= '1' && line[0] <= '9' && strchr(line, '.') &&
            strchr(line, '.') < line + len && strchr(line, '.')[1] == ' ') {
            const char *t = strchr(line, '.') + 2;
            sb_printf(&sb, "\n## Hint %d\n\n", ++n);
            sb_add(&sb, t, len - (size_t)(t - line));
            sb_puts(&sb, "\n");
        } else if (n > 0 && len > 0) {
            const char *t = line + strspn(line, " ");
            sb_add(&sb, t, len - (size_t)(t - line));
            sb_puts(&sb, "\n");
        }
        h = eol;
    }
    return sb_steal(&sb);
}

int cmd_handout(int argc, char **argv, struct paths *p)
{
    struct scenario s = {0};
    char err[512], *dir, *src, *text, *readme, *hints, *tmp;
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

    src = xasprintf("%s/README.md", dir);
    readme = read_file(src, NULL);
    free(src);
    src = xasprintf("%s/HINTS.md", dir);
    hints = read_file(src, NULL);
    free(src);
    if (!readme)
        readme = xasprintf("# %s\n", name);
    if (!hints)
        hints = hints_from_readme(readme);
    story_of(readme);
    if (put(out, "README.md", readme) < 0 || put(out, "HINTS.md", hints) < 0) {
        free(readme);
        free(hints);
        goto done;
    }
    free(readme);
    free(hints);

    {
        char *mk = xasprintf(
"# Builds racelab-server with this folder's %s.c in place of the\n"
"# repository's.  RACELAB_TREE is the racelab source tree.\n"
"#   make          ./server        (gcc -O2 -g)\n"
"#   make tsan     ./server-tsan   (clang -fsanitize=thread)\n"
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
"check: $(MODULE).c\n"
"\t$(RACELAB_TREE)/build/release/racelab check $(SCENARIO) $(MODULE).c\n"
"\n"
"clean:\n"
"\trm -f server server-tsan\n"
"\n"
".PHONY: tsan check clean\n", s.module, p->source, name, s.module);
        int r = put(out, "Makefile", mk);
        free(mk);
        if (r < 0)
            goto done;
    }
    printf("handout: %s/ (%s.c, %s.h, README.md, HINTS.md, Makefile)\n", out,
           s.module, s.module);
    rc = EXIT_OK;
done:
    scenario_free(&s);
    free(dir);
    return rc;
}
