/* cmd_hint.c - `racelab hint SCENARIO N`: one hint at a time, 1 = gentlest.
 * Hints come from scenarios/NAME/HINTS.md, one level-2 section "## Hint N"
 * each; what precedes the first (the file's title) and any other level-2
 * section is not a hint and is never printed.  (README.md holds the
 * operator's story only: it is not read.) */
#include "cli.h"
#include "manifest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
"usage: racelab hint SCENARIO N\n"
"Prints hint N (1 = gentlest) of SCENARIO (a name or a hunt case ID), from\n"
"scenarios/SCENARIO/HINTS.md.\n"
"Exit: 0, 2 usage error (unknown scenario, N out of range), 3 no HINTS.md.\n";

/* Splits HINTS.md TEXT into its "## Hint N" sections, without the heading
 * line.  Any other heading outside a fenced code block ends a hint. */
static void split_hints(const char *text, struct strvec *out)
{
    struct strbuf cur;
    bool have = false, fence = false;
    const char *line = text;

    sb_init(&cur);
    while (*line) {
        const char *eol = strchr(line, '\n');
        size_t len = eol ? (size_t)(eol - line) : strlen(line);
        if (!strncmp(line, "```", 3) || !strncmp(line, "~~~", 3))
            fence = !fence;
        size_t hashes = strspn(line, "#");
        bool heading = !fence && hashes > 0 && hashes <= 6 &&
                       (hashes == len || line[hashes] == ' ');
        if (heading) {
            if (have)
                sv_push_own(out, xstrdup(str_trim(cur.buf ? cur.buf : "")));
            sb_free(&cur);
            sb_init(&cur);
            have = len > 7 && !strncasecmp(line, "## Hint", 7);
        } else if (have) {
            sb_add(&cur, line, len);
            sb_puts(&cur, "\n");
        }
        line += len + (eol != NULL);
    }
    if (have)
        sv_push_own(out, xstrdup(str_trim(cur.buf ? cur.buf : "")));
    sb_free(&cur);
}

int cmd_hint(int argc, char **argv, struct paths *p)
{
    const char *name, *scen;
    long n;
    char *dir, *path, *text;
    struct strvec hints;
    struct scenario s = {0};
    char err[512];
    int i, rc;

    if ((rc = small_command_options("hint", argc, argv, p, usage, &i)) >= 0)
        return rc;
    if (argc - i != 2) {
        errorf("hint: expected SCENARIO N (racelab hint cache-race 1)");
        return EXIT_USAGE;
    }
    name = argv[i];
    if (!parse_long(argv[i + 1], -1000000, 1000000, &n)) {
        errorf("hint: N must be a number, got '%s'", argv[i + 1]);
        return EXIT_USAGE;
    }
    scen = hunt_resolve(name, p);
    if (strchr(scen, '/') || scen[0] == '.') {
        errorf("hint: unknown scenario '%s'", name);
        return EXIT_USAGE;
    }
    dir = xasprintf("%s/scenarios/%s", p->source, scen);
    if (scenario_load(&s, dir, "manifest.ini", err, sizeof err) < 0) {
        errorf("hint: unknown scenario '%s' (racelab list shows them)", name);
        scenario_free(&s);
        free(dir);
        return EXIT_USAGE;
    }
    scenario_free(&s);
    path = xasprintf("%s/HINTS.md", dir);
    text = read_file(path, NULL);
    free(dir);
    if (!text) {
        /* by NAME as given: a hunt case ID must not name its scenario */
        errorf("hint: %s has no HINTS.md", name);
        free(path);
        return EXIT_ENV;
    }
    free(path);
    sv_init(&hints);
    split_hints(text, &hints);
    free(text);
    if (n < 1 || (size_t)n > hints.n) {
        errorf("hint: %s has %zu hint%s: N must be 1..%zu, got %ld", name, hints.n,
               hints.n == 1 ? "" : "s", hints.n, n);
        sv_free(&hints);
        return EXIT_USAGE;
    }
    printf("Hint %ld of %zu\n\n%s\n", n, hints.n, hints.v[n - 1]);
    sv_free(&hints);
    return EXIT_OK;
}
