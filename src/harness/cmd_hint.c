/* cmd_hint.c - `racelab hint SCENARIO N`: one hint at a time, 1 = gentlest.
 * Hints come from scenarios/NAME/HINTS.md (level-2 headings "## Hint N"),
 * or, for scenarios that have no HINTS.md yet, from the numbered list
 * under "## Hints" in README.md. */
#include "cli.h"
#include "manifest.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char usage[] =
"usage: racelab hint SCENARIO N\n"
"Prints hint N (1 = gentlest) of SCENARIO (a name or a hunt case ID).\n"
"Exit: 0, 2 usage error (unknown scenario, N out of range), 3 no hints file.\n";

/* Splits TEXT into hints: HINTS.md style ("## Hint N" headings) when
 * HEADINGS, else the "1." items of README.md's "## Hints" section. */
static void split_hints(char *text, bool headings, struct strvec *out)
{
    struct strbuf cur;
    bool in = headings, have = false;
    char *line, *save = NULL;

    sb_init(&cur);
    for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        bool h2 = strncmp(line, "## ", 3) == 0;
        if (!headings && h2) {
            if (in && have)
                break;
            in = strncmp(line, "## Hints", 8) == 0;
            continue;
        }
        if (!in)
            continue;
        bool start;
        if (headings)
            start = h2 && strncasecmp(line + 3, "Hint", 4) == 0;
        else {
            const char *c = line;
            while (isdigit((unsigned char)*c))
                c++;
            start = c > line && *c == '.' && (c[1] == ' ' || c[1] == '\0');
        }
        if (headings && h2 && !start) {
            /* another level-2 section ends the hints */
            if (have) {
                sv_push_own(out, xstrdup(str_trim(cur.buf)));
                sb_free(&cur);
                sb_init(&cur);
                have = false;
            }
            continue;
        }
        if (start) {
            if (have)
                sv_push_own(out, xstrdup(str_trim(cur.buf)));
            sb_free(&cur);
            sb_init(&cur);
            have = true;
            if (!headings) {
                const char *c = strchr(line, '.') + 1;
                sb_puts(&cur, c + strspn(c, " "));
                sb_puts(&cur, "\n");
            }
            continue;
        }
        if (have) {
            const char *c = line;
            if (!headings)
                c += strspn(c, " ");     /* the list's continuation indent */
            sb_puts(&cur, c);
            sb_puts(&cur, "\n");
        }
    }
    if (have && cur.buf)
        sv_push_own(out, xstrdup(str_trim(cur.buf)));
    sb_free(&cur);
}

int cmd_hint(int argc, char **argv, struct paths *p)
{
    const char *name, *scen;
    long n;
    char *dir, *path, *text;
    bool headings = true;
    struct strvec hints;
    struct scenario s = {0};
    char err[512];
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
        errorf("hint: unknown option '%s'", argv[i]);
        return EXIT_USAGE;
    }
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
    if (!text) {
        free(path);
        path = xasprintf("%s/README.md", dir);
        text = read_file(path, NULL);
        headings = false;
    }
    free(dir);
    if (!text) {
        errorf("hint: %s: no hints file", path);
        free(path);
        return EXIT_ENV;
    }
    free(path);
    sv_init(&hints);
    split_hints(text, headings, &hints);
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
