/* manifest.c - reading scenario manifests with inih. */
#include "manifest.h"
#include "report/finding.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

const char *const variant_names[VARIANT_COUNT] = {"buggy", "fixed"};
const char *const tool_names[TOOL_COUNT] = {"tsan", "helgrind", "drd", "none"};

int variant_from_name(const char *name)
{
    for (int i = 0; i < VARIANT_COUNT; i++)
        if (strcmp(name, variant_names[i]) == 0)
            return i;
    return -1;
}

int tool_from_name(const char *name)
{
    for (int i = 0; i < TOOL_COUNT; i++)
        if (strcmp(name, tool_names[i]) == 0)
            return i;
    return -1;
}

bool symptom_known(const char *name)
{
    static const char *const names[] = {
        "stats-mismatch", "hang", "crash", "shutdown-hang", "memory-growth",
        "cache-duplicates", "log-garbled", "slow-request", "wrong-response"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

struct parse_ctx {
    struct scenario *s;
    const char *rel;
    char *err;
    size_t errlen;
    bool failed;
};

static bool parse_bool(const char *v, bool *out)
{
    if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") || !strcmp(v, "1"))
        *out = true;
    else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") || !strcmp(v, "0"))
        *out = false;
    else
        return false;
    return true;
}

static struct location *find_location(struct scenario *s, const char *name,
                                      bool create)
{
    for (size_t i = 0; i < s->nlocs; i++)
        if (strcmp(s->locs[i].name, name) == 0)
            return &s->locs[i];
    if (!create)
        return NULL;
    s->locs = xrealloc(s->locs, (s->nlocs + 1) * sizeof *s->locs);
    struct location *l = &s->locs[s->nlocs++];
    memset(l, 0, sizeof *l);
    l->name = xstrdup(name);
    return l;
}

#define FAIL(...)                                                   \
    do {                                                            \
        if (!c->failed)                                             \
            snprintf(c->err, c->errlen, __VA_ARGS__);               \
        c->failed = true;                                           \
        return 0;                                                   \
    } while (0)

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = xstrdup(v);
}

static int on_entry(void *user, const char *section, const char *name,
                    const char *value)
{
    struct parse_ctx *c = user;
    struct scenario *s = c->s;

    if (strcmp(section, "scenario") == 0) {
        if (!strcmp(name, "name")) set_str(&s->name, value);
        else if (!strcmp(name, "title")) set_str(&s->title, value);
        else if (!strcmp(name, "module")) set_str(&s->module, value);
        else if (!strcmp(name, "bug_class")) set_str(&s->bug_class, value);
        else if (!strcmp(name, "concept")) set_str(&s->concept, value);
        else if (!strcmp(name, "args")) set_str(&s->args, value);
        else if (!strcmp(name, "load")) {
            set_str(&s->load, value);
        } else if (!strcmp(name, "symptom")) {
            if (*value && !symptom_known(value))
                FAIL("%s: [scenario] symptom: unknown oracle '%s'", c->rel, value);
            set_str(&s->symptom, value);
        } else if (!strcmp(name, "symptom_description"))
            set_str(&s->symptom_description, value);
        else if (!strcmp(name, "slow_ms") || !strcmp(name, "memory_growth_mb") ||
                 !strcmp(name, "hang_seconds")) {
            char *end;
            double v = strtod(value, &end);
            if (*end || v <= 0)
                FAIL("%s: [scenario] %s: not a positive number: '%s'", c->rel,
                     name, value);
            if (!strcmp(name, "slow_ms")) s->slow_ms = v;
            else if (!strcmp(name, "memory_growth_mb")) s->memory_growth_mb = v;
            else s->hang_seconds = v;
        } else
            warnf("%s: [scenario]: unknown key '%s' ignored", c->rel, name);
        return 1;
    }
    if (strncmp(section, "location.", 9) == 0) {
        struct location *l = find_location(s, section + 9, true);
        if (!strcmp(name, "file")) set_str(&l->file, value);
        else if (!strcmp(name, "line")) {
            long v;
            if (!parse_long(value, 1, 10000000, &v))
                FAIL("%s: [%s] line: not a line number: '%s'", c->rel, section,
                     value);
            l->line = (int)v;
        } else if (!strcmp(name, "function")) set_str(&l->function, value);
        else if (!strcmp(name, "access")) set_str(&l->access, value);
        else if (!strcmp(name, "lock")) set_str(&l->lock, value);
        else
            warnf("%s: [%s]: unknown key '%s' ignored", c->rel, section, name);
        return 1;
    }
    if (strncmp(section, "expect.", 7) == 0) {
        char var[32], tool[32];
        int v, t;
        if (sscanf(section + 7, "%31[^.].%31s", var, tool) != 2 ||
            (v = variant_from_name(var)) < 0 || (t = tool_from_name(tool)) < 0)
            FAIL("%s: [%s]: expected [expect.<buggy|fixed>.<tsan|helgrind|drd|none>]",
                 c->rel, section);
        struct expect_spec *e = &s->expect[v][t];
        e->present = true;
        if (!strcmp(name, "kinds")) {
            struct strvec kinds;
            sv_init(&kinds);
            sv_split(&kinds, value, false);
            for (size_t i = 0; i < kinds.n; i++) {
                int k = finding_kind_from_name(kinds.v[i]);
                if (k < 0) {
                    char bad[64];
                    snprintf(bad, sizeof bad, "%s", kinds.v[i]);
                    sv_free(&kinds);
                    FAIL("%s: [%s] kinds: unknown finding kind '%s'", c->rel,
                         section, bad);
                }
                e->kinds |= 1u << k;
            }
            sv_free(&kinds);
        } else if (!strcmp(name, "at")) {
            sv_split(&e->at, value, false);
        } else if (!strcmp(name, "rate")) {
            set_str(&e->rate, value);
        } else if (!strcmp(name, "false_positive")) {
            if (!parse_bool(value, &e->false_positive))
                FAIL("%s: [%s] false_positive: expected yes or no", c->rel, section);
        } else if (!strcmp(name, "symptom")) {
            bool b;
            if (!parse_bool(value, &b))
                FAIL("%s: [%s] symptom: expected yes or no", c->rel, section);
            e->symptom = b;
        } else
            warnf("%s: [%s]: unknown key '%s' ignored", c->rel, section, name);
        return 1;
    }
    warnf("%s: unknown section [%s] ignored", c->rel, section);
    return 1;
}

int scenario_load(struct scenario *s, const char *dir, const char *rel,
                  char *err, size_t errlen)
{
    struct parse_ctx c = {s, rel, err, errlen, false};
    const char *base = strrchr(dir, '/') ? strrchr(dir, '/') + 1 : dir;
    int rc;

    memset(s, 0, sizeof *s);
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (int t = 0; t < TOOL_COUNT; t++) {
            sv_init(&s->expect[v][t].at);
            s->expect[v][t].symptom = -1;
        }
    s->dir = xstrdup(dir);
    s->path = xasprintf("%s/manifest.ini", dir);
    rc = ini_parse(s->path, on_entry, &c);
    if (rc < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", rel, strerror(errno));
        return -1;
    }
    if (c.failed)
        return -1;
    if (rc > 0) {
        snprintf(err, errlen, "%s:%d: syntax error", rel, rc);
        return -1;
    }
    if (!s->name)
        s->name = xstrdup(base);
    if (strcmp(s->name, base) != 0) {
        snprintf(err, errlen, "%s: name '%s' differs from the folder name '%s'",
                 rel, s->name, base);
        return -1;
    }
    if (!s->load)
        s->load = xstrdup("mixed");
    if (!s->args)
        s->args = xstrdup("");
    if (strcmp(s->load, "mixed") && strcmp(s->load, "stats") &&
        strcmp(s->load, "close") && strcmp(s->load, "hits")) {
        snprintf(err, errlen, "%s: [scenario] load: unknown profile '%s' "
                 "(mixed, stats, close, hits)", rel, s->load);
        return -1;
    }
    for (size_t i = 0; i < s->nlocs; i++)
        if (!s->locs[i].file || s->locs[i].line <= 0) {
            snprintf(err, errlen, "%s: [location.%s] needs file and line", rel,
                     s->locs[i].name);
            return -1;
        }
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (int t = 0; t < TOOL_COUNT; t++)
            for (size_t i = 0; i < s->expect[v][t].at.n; i++)
                if (!find_location(s, s->expect[v][t].at.v[i], false)) {
                    snprintf(err, errlen, "%s: [expect.%s.%s] at: no "
                             "[location.%s]", rel, variant_names[v], tool_names[t],
                             s->expect[v][t].at.v[i]);
                    return -1;
                }
    return 0;
}

void scenario_free(struct scenario *s)
{
    free(s->name); free(s->dir); free(s->path); free(s->title);
    free(s->module); free(s->bug_class); free(s->concept); free(s->args);
    free(s->load); free(s->symptom); free(s->symptom_description);
    for (size_t i = 0; i < s->nlocs; i++) {
        struct location *l = &s->locs[i];
        free(l->name); free(l->file); free(l->function); free(l->access);
        free(l->lock);
    }
    free(s->locs);
    for (int v = 0; v < VARIANT_COUNT; v++)
        for (int t = 0; t < TOOL_COUNT; t++) {
            sv_free(&s->expect[v][t].at);
            free(s->expect[v][t].rate);
        }
    memset(s, 0, sizeof *s);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int scenarios_load_all(const char *source, struct scenario **out,
                       char *err, size_t errlen)
{
    char *root = xasprintf("%s/scenarios", source);
    DIR *d = opendir(root);
    struct strvec names;
    struct dirent *de;
    struct scenario *s = NULL;
    size_t n = 0;

    *out = NULL;
    if (!d) {
        snprintf(err, errlen, "opendir %s: %s", root, strerror(errno));
        free(root);
        return -1;
    }
    sv_init(&names);
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *m = xasprintf("%s/%s/manifest.ini", root, de->d_name);
        if (access(m, R_OK) == 0)
            sv_push(&names, de->d_name);
        free(m);
    }
    closedir(d);
    qsort(names.v, names.n, sizeof(char *), cmp_str);
    s = xcalloc(names.n + 1, sizeof *s);
    for (size_t i = 0; i < names.n; i++) {
        char *dir = xasprintf("%s/%s", root, names.v[i]);
        char *rel = xasprintf("scenarios/%s/manifest.ini", names.v[i]);
        int rc = scenario_load(&s[n], dir, rel, err, errlen);
        free(dir);
        free(rel);
        n++;
        if (rc < 0) {
            scenarios_free(s, n);
            sv_free(&names);
            free(root);
            return -1;
        }
    }
    sv_free(&names);
    free(root);
    *out = s;
    return (int)n;
}

void scenarios_free(struct scenario *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        scenario_free(&s[i]);
    free(s);
}

struct location *expect_locations(const struct scenario *s,
                                  const struct expect_spec *e, size_t *n)
{
    struct location *out;

    if (!e || e->at.n == 0) {
        *n = s->nlocs;
        if (s->nlocs == 0)
            return NULL;
        out = xmalloc(s->nlocs * sizeof *out);
        memcpy(out, s->locs, s->nlocs * sizeof *out);
        return out;
    }
    out = xmalloc(e->at.n * sizeof *out);
    *n = 0;
    for (size_t i = 0; i < e->at.n; i++)
        for (size_t j = 0; j < s->nlocs; j++)
            if (strcmp(s->locs[j].name, e->at.v[i]) == 0)
                out[(*n)++] = s->locs[j];
    return out;
}
