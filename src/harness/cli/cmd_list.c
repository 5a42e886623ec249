/* cmd_list.c - `racelab list [--json] [--spoilers]`: the scenarios by name
 * and title; with --spoilers also the module, bug class, diagnosis and what
 * each tool is expected to report on them (and how that rate was measured). */
#include "cli.h"
#include "manifest.h"
#include "report/finding.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab list [--json] [--spoilers] [--source-dir DIR]\n"
"Lists the scenarios (scenarios/*/manifest.ini) by name and title, with the\n"
"symptom oracle that watches them.  --spoilers adds what gives the lesson\n"
"away: module, bug class, diagnosis, locations, and the findings each tool\n"
"is expected to report per variant with their measured rate and its source.\n";

static char *kinds_text(unsigned kinds)
{
    struct strbuf sb;

    sb_init(&sb);
    for (int k = 0; k < FINDING_KIND_COUNT; k++)
        if (kinds & (1u << k))
            sb_printf(&sb, "%s%s", sb.len ? "+" : "", finding_kind_name(k));
    return sb_steal(&sb);
}

/* "data-race 20/20", "nothing 0/100", "symptom", "?" (no section). */
static char *expect_text(const struct expect_spec *e, int tool)
{
    char *k, *s;

    if (!e->present)
        return xstrdup("?");
    if (!detectors[tool]->reports)     /* none: judged by the symptom */
        k = xstrdup(e->symptom == 1 ? "symptom" : e->symptom == 0 ? "no symptom"
                                                                  : "-");
    else
        k = e->kinds ? kinds_text(e->kinds) : xstrdup("nothing");
    s = xasprintf("%s%s%s%s", k, e->false_positive ? " (FP)" : "",
                  e->rate ? " " : "", e->rate ? e->rate : "");
    free(k);
    return s;
}

/* The source of variant V: DIR/buggy.c, DIR/fixed.c, or for a folder
 * without fixed.c the module itself (src/server/<module>.c), as the build
 * does; NULL if there is none.  Malloc'd, relative to SOURCE. */
static char *variant_source(const struct scenario *s, int v, const char *source)
{
    char *p = xasprintf("%s/%s.c", s->dir, variant_names[v]);
    if (access(p, R_OK) == 0) {
        free(p);
        return xasprintf("scenarios/%s/%s.c", s->name, variant_names[v]);
    }
    free(p);
    if (v != VARIANT_FIXED || !s->module)
        return NULL;
    p = xasprintf("%s/src/server/%s.c", source, s->module);
    bool ok = access(p, R_OK) == 0;
    free(p);
    return ok ? xasprintf("src/server/%s.c", s->module) : NULL;
}

static bool variant_exists(const struct scenario *s, int v, const char *source)
{
    char *p = variant_source(s, v, source);
    free(p);
    return p != NULL;
}

static json_t *jstr(const char *s)
{
    return json_string(s ? s : "");
}

static int list_json(struct scenario *all, int n, bool spoilers, const char *source)
{
    json_t *arr = json_array();

    for (int i = 0; i < n; i++) {
        struct scenario *s = &all[i];
        json_t *o = json_object(), *vars = json_array();
        json_object_set_new(o, "name", json_string(s->name));
        json_object_set_new(o, "title", jstr(s->title));
        json_object_set_new(o, "folder", json_string(s->dir));
        json_object_set_new(o, "args", json_string(s->args));
        json_object_set_new(o, "load", json_string(s->load));
        json_object_set_new(o, "symptom", jstr(s->symptom));
        for (int v = 0; v < VARIANT_COUNT; v++)
            if (variant_exists(s, v, source))
                json_array_append_new(vars, json_string(variant_names[v]));
        json_object_set_new(o, "variants", vars);
        if (!spoilers) {
            json_array_append_new(arr, o);
            continue;
        }
        json_t *exp = json_object(), *locs = json_array(), *srcs = json_object();
        json_object_set_new(o, "bug_class", jstr(s->bug_class));
        json_object_set_new(o, "module", jstr(s->module));
        json_object_set_new(o, "concept", jstr(s->concept));
        json_object_set_new(o, "diagnosis", jstr(s->diagnosis));
        json_object_set_new(o, "symptom_description", jstr(s->symptom_description));
        json_object_set_new(o, "contract_buggy", jstr(s->contract_buggy));
        for (int v = 0; v < VARIANT_COUNT; v++) {
            char *src = variant_source(s, v, source);
            if (src)
                json_object_set_new(srcs, variant_names[v], json_string(src));
            free(src);
        }
        json_object_set_new(o, "sources", srcs);
        for (size_t l = 0; l < s->nlocs; l++) {
            json_t *lo = json_object();
            json_object_set_new(lo, "name", json_string(s->locs[l].name));
            json_object_set_new(lo, "file", json_string(s->locs[l].file));
            json_object_set_new(lo, "line", json_integer(s->locs[l].line));
            if (s->locs[l].function)
                json_object_set_new(lo, "function", json_string(s->locs[l].function));
            if (s->locs[l].access)
                json_object_set_new(lo, "access", json_string(s->locs[l].access));
            json_array_append_new(locs, lo);
        }
        json_object_set_new(o, "locations", locs);
        for (int v = 0; v < VARIANT_COUNT; v++) {
            json_t *per = json_object();
            for (int t = 0; t < TOOL_COUNT; t++) {
                const struct expect_spec *e = &s->expect[v][t];
                if (!e->present)
                    continue;
                json_t *eo = json_object(), *kinds = json_array(), *at = json_array();
                for (int k = 0; k < FINDING_KIND_COUNT; k++)
                    if (e->kinds & (1u << k))
                        json_array_append_new(kinds, json_string(finding_kind_name(k)));
                for (size_t a = 0; a < e->at.n; a++)
                    json_array_append_new(at, json_string(e->at.v[a]));
                json_object_set_new(eo, "kinds", kinds);
                json_object_set_new(eo, "at", at);
                json_object_set_new(eo, "rate", e->rate ? json_string(e->rate) : json_null());
                json_object_set_new(eo, "rate_source",
                                    e->rate_source ? json_string(e->rate_source) : json_null());
                json_object_set_new(eo, "false_positive", json_boolean(e->false_positive));
                if (e->symptom >= 0)
                    json_object_set_new(eo, "symptom", json_boolean(e->symptom == 1));
                json_object_set_new(per, tool_names[t], eo);
            }
            json_object_set_new(exp, variant_names[v], per);
        }
        json_object_set_new(o, "expect", exp);
        json_array_append_new(arr, o);
    }
    if (json_dumpf(arr, stdout, JSON_INDENT(2)) < 0) {
        json_decref(arr);
        errorf("list: writing JSON to stdout failed");
        return EXIT_ENV;
    }
    putchar('\n');
    json_decref(arr);
    return EXIT_OK;
}

int cmd_list(int argc, char **argv, struct paths *paths)
{
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'},
        {"spoilers", no_argument, 0, 'S'},
        {"source-dir", required_argument, 0, 's'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    bool json = false, spoilers = false;
    struct scenario *all;
    char err[512];
    int n, o, rc;

    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case 'j': json = true; break;
        case 'S': spoilers = true; break;
        case 's': paths->source = optarg; break;
        case 'h': fputs(usage, stdout); return EXIT_OK;
        case ':':
            errorf("list: option %s needs a value", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            errorf("list: unknown option '%s' (see racelab list --help)",
                   argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        errorf("list: unexpected argument '%s'", argv[optind]);
        return EXIT_USAGE;
    }
    n = scenarios_load_all(paths->source, &all, err, sizeof err);
    if (n < 0) {
        errorf("%s", err);
        return EXIT_ENV;
    }
    if (json) {
        rc = list_json(all, n, spoilers, paths->source);
        scenarios_free(all, (size_t)n);
        return rc;
    }
    if (!spoilers) {
        printf("%-22s %s\n", "SCENARIO", "TITLE");
        for (int i = 0; i < n; i++)
            printf("%-22s %s\n", all[i].name, all[i].title ? all[i].title : "-");
        if (n > 0)
            printf("\n(racelab list --spoilers adds the module, bug class, diagnosis "
                   "and what each detector reports)\n");
    } else {
        printf("%-22s %-20s %-10s %-12s", "SCENARIO", "BUG CLASS", "MODULE",
               "VARIANTS");
        for (int t = 0; t < TOOL_COUNT; t++) {     /* a column per detector */
            char h[32];
            snprintf(h, sizeof h, "%s%s", tool_names[t],
                     detectors[t]->reports ? "" : " (symptom)");
            for (char *c = h; *c && *c != ' '; c++)
                *c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
            printf(t + 1 < TOOL_COUNT ? " %-16s" : " %s", h);
        }
        printf("\n");
    }
    for (int i = 0; spoilers && i < n; i++) {
        struct scenario *s = &all[i];
        char vars[32] = "";
        for (int v = 0; v < VARIANT_COUNT; v++)
            if (variant_exists(s, v, paths->source))
                snprintf(vars + strlen(vars), sizeof vars - strlen(vars), "%s%s",
                         vars[0] ? "," : "", variant_names[v]);
        for (int v = 0; v < VARIANT_COUNT; v++) {
            char *e[TOOL_COUNT];
            for (int t = 0; t < TOOL_COUNT; t++)
                e[t] = expect_text(&s->expect[v][t], t);
            if (v == 0)
                printf("%-22s %-20s %-10s %-12s", s->name,
                       s->bug_class ? s->bug_class : "-", s->module ? s->module : "-",
                       vars);
            else
                printf("%-22s %-20s %-10s %-12s", "", "", "", "");
            for (int t = 0; t < TOOL_COUNT; t++)
                printf(" %-16s", e[t]);
            printf("   [%s]\n", variant_names[v]);
            for (int t = 0; t < TOOL_COUNT; t++)
                free(e[t]);
        }
        printf("%-22s title: %s\n", "", s->title ? s->title : "-");
        if (s->diagnosis)
            printf("%-22s diagnosis: %s\n", "", s->diagnosis);
        if (s->symptom)
            printf("%-22s symptom oracle: %s%s%s\n", "", s->symptom,
                   s->symptom_description ? " - " : "",
                   s->symptom_description ? s->symptom_description : "");
    }
    if (n == 0)
        printf("(no scenarios under %s/scenarios)\n", paths->source);
    scenarios_free(all, (size_t)n);
    return EXIT_OK;
}
