/* options.c - one parser and one help generator over the option table
 * (options.h).  A value is checked where it is read, with one message per
 * kind, so `--runs 0` says the same in run, matrix, stress, check and
 * grade. */
#include "options.h"
#include "chaos_spec.h"
#include "report/finding.h"

#include <errno.h>
#include <getopt.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

const char *const opt_cmd_names[OC_COUNT] = {
    "run", "matrix", "stress", "merge", "check", "grade", "baseline"};

const struct opt_info opt_table[OPT_COUNT] = {
#define OPT_X_(id, name, alias, meta, cmds, kind, field, min, max, defs, help) \
    { name, alias, meta, cmds, kind, offsetof(struct cli_opts, field), min, max, \
      defs, help },
    OPTIONS(OPT_X_)
#undef OPT_X_
};

void options_init(struct cli_opts *o)
{
    memset(o, 0, sizeof *o);
    sv_init(&o->scenarios);
    sv_init(&o->http);
    gate_init(&o->gate);
    o->fingerprint_depth = 1;
    o->minimise = 3;
}

void options_free(struct cli_opts *o)
{
    sv_free(&o->scenarios);
    sv_free(&o->http);
    gate_free(&o->gate);
}

static const char *const kind_names[] = {
    [K_FLAG] = "flag", [K_LONG] = "integer", [K_SECONDS] = "seconds",
    [K_FRACTION] = "fraction", [K_STR] = "string", [K_OUTPUT] = "output",
    [K_TOOLS] = "tools", [K_VARIANTS] = "variants", [K_NAMES] = "names",
    [K_HTTP] = "http-path", [K_CHAOS] = "chaos", [K_SHARD] = "shard",
    [K_OPTLONG] = "optional-integer",
};

static char *commands_of(unsigned mask);

void options_dump(FILE *f)
{
    for (int i = 0; i < OPT_COUNT; i++) {
        const struct opt_info *in = &opt_table[i];
        char *cmds = commands_of(in->commands);
        fprintf(f, "%s\t%s\t%s\t%s\t%s\n", in->name, in->alias ? in->alias : "-",
                in->meta ? in->meta : "-", kind_names[in->kind], cmds);
        free(cmds);
    }
}

void options_paths(const struct cli_opts *o, struct paths *p)
{
    if (o->source_dir)
        p->source = o->source_dir;
    if (o->build_dir)
        p->build_root = o->build_dir;
}

/* "a, b, c" from NAMES[0..n). */
static char *joined(const char *const *names, int n)
{
    struct strbuf sb;

    sb_init(&sb);
    for (int i = 0; i < n; i++)
        sb_printf(&sb, "%s%s", i ? ", " : "", names[i]);
    return sb_steal(&sb);
}

/* A list of names into CHOSEN[0..count); false (printed) on an unknown. */
static bool pick(const char *flag, const char *what, const char *arg,
                 const char *const *names, int count, bool *chosen)
{
    struct strvec v;
    bool ok = true;

    sv_init(&v);
    sv_split(&v, arg, false);
    memset(chosen, 0, (size_t)count * sizeof *chosen);
    if (v.n == 0) {
        errorf("%s: empty list", flag);
        ok = false;
    }
    for (size_t i = 0; i < v.n && ok; i++) {
        int k = -1;
        for (int j = 0; j < count; j++)
            if (!strcmp(v.v[i], names[j]))
                k = j;
        if (k < 0) {
            char *known = joined(names, count);
            errorf("%s: unknown %s '%s' (known: %s)", flag, what, v.v[i], known);
            free(known);
            ok = false;
        } else
            chosen[k] = true;
    }
    sv_free(&v);
    return ok;
}

static bool read_shard(const char *arg, struct gate_opts *g)
{
    char tail;

    if (sscanf(arg, "%ld/%ld%c", &g->shard_i, &g->shard_n, &tail) != 2 ||
        g->shard_n < 1 || g->shard_i < 1 || g->shard_i > g->shard_n) {
        errorf("--shard: expected I/N with 1 <= I <= N, got '%s'", arg);
        return false;
    }
    return true;
}

static bool read_fraction(const char *flag, const char *arg, double *out)
{
    char *end;
    double v = strtod(arg, &end);

    if (end == arg || *end || !(v > 0 && v < 1)) {
        errorf("%s: expected a number between 0 and 1 (exclusive), got '%s'",
               flag, arg);
        return false;
    }
    *out = v;
    return true;
}

static bool read_chaos(const char *arg)
{
    struct chaos_config cfg;
    char err[256];

    if (!*arg) {
        errorf("--chaos: expected a strategy (none, random, pct)");
        return false;
    }
    if (chaos_spec_parse(arg, &cfg, err, sizeof err) == 0)
        return true;
    errorf("--chaos: %s", err);
    return false;
}

/* Reads ARG for option ID into O; false when the value is refused (the
 * message, printed, names the flag). */
static bool read_value(struct cli_opts *o, int id, const char *arg)
{
    const struct opt_info *in = &opt_table[id];
    char *field = (char *)o + in->offset, flag[64];

    snprintf(flag, sizeof flag, "--%s", in->name);
    switch (in->kind) {
    case K_FLAG: *(bool *)field = true; return true;
    case K_OPTLONG:     /* --name alone keeps the default set before parsing */
        return !arg || opt_long(flag, arg, in->min, in->max, (long *)field);
    case K_LONG: return opt_long(flag, arg, in->min, in->max, (long *)field);
    case K_SECONDS: return opt_seconds(flag, arg, (double *)field);
    case K_FRACTION: return read_fraction(flag, arg, (double *)field);
    case K_STR:
    case K_OUTPUT: *(const char **)field = arg; return true;
    case K_TOOLS:
        return pick(flag, "tool", arg, tool_names, TOOL_COUNT, (bool *)field);
    case K_VARIANTS:
        return pick(flag, "variant", arg, variant_names, VARIANT_COUNT, (bool *)field);
    case K_NAMES: sv_split((struct strvec *)field, arg, false); return true;
    case K_HTTP:
        if (arg[0] != '/') {
            errorf("%s: expected a path starting with '/', got '%s'", flag, arg);
            return false;
        }
        sv_push((struct strvec *)field, arg);
        return true;
    case K_CHAOS:
        if (!read_chaos(arg))
            return false;
        *(const char **)field = arg;
        return true;
    case K_SHARD: return read_shard(arg, (struct gate_opts *)field);
    }
    return false;
}

/* getopt_long's values: clear of its ':' and '?' */
#define OPT_VAL 256

/* getopt_long's table: every option of the table (so that one a command
 * does not take is named as such, not as unknown), then aliases. */
static void long_options(struct option *lo)
{
    int n = 0;

    for (int i = 0; i < OPT_COUNT; i++) {
        int has = opt_table[i].kind == K_FLAG ? no_argument
                  : opt_table[i].kind == K_OPTLONG ? optional_argument : required_argument;
        lo[n++] = (struct option){opt_table[i].name, has, NULL, OPT_VAL + i};
        if (opt_table[i].alias)
            lo[n++] = (struct option){opt_table[i].alias, has, NULL, OPT_VAL + i};
    }
    lo[n] = (struct option){0, 0, 0, 0};
}

/* "run, matrix" for the commands in MASK. */
static char *commands_of(unsigned mask)
{
    const char *names[OC_COUNT];
    int n = 0;

    for (int c = 0; c < OC_COUNT; c++)
        if (mask & (1u << c))
            names[n++] = opt_cmd_names[c];
    return joined(names, n);
}

int options_parse(enum opt_cmd cmd, int argc, char **argv, struct cli_opts *o,
                  bool stop_at_arg, const char *head, const char *tail)
{
    struct option lo[2 * OPT_COUNT + 1];
    const char *sub = opt_cmd_names[cmd];
    int id;

    long_options(lo);
    optind = 1;
    opterr = 0;
    while ((id = getopt_long(argc, argv, stop_at_arg ? "+:" : ":", lo, NULL)) != -1) {
        if (id == ':') {
            errorf("%s: option %s needs a value", sub, argv[optind - 1]);
            return -1;
        }
        id -= OPT_VAL;
        if (id < 0 || id >= OPT_COUNT) {
            errorf("%s: unknown option '%s' (see racelab %s --help)", sub,
                   argv[optind - 1], sub);
            return -1;
        }
        if (!(opt_table[id].commands & (1u << cmd))) {
            char *who = commands_of(opt_table[id].commands);
            errorf("%s: --%s is not a %s option (it is one of: %s)", sub,
                   opt_table[id].name, sub, who);
            free(who);
            return -1;
        }
        if (!read_value(o, id, optarg))
            return -1;
        o->given[id] = true;
        o->raw[id] = optarg;
        if (id == OPT_HELP) {
            fputs(head, stdout);
            options_help(stdout, cmd);
            fputs(tail, stdout);
            return 1;
        }
    }
    /* a finding's identity is global to the report library */
    if (o->given[OPT_FINGERPRINT_DEPTH])
        finding_set_fingerprint_depth((int)o->fingerprint_depth);
    return 0;
}

/* The default of option IN for command CMD ("run=3|*=8"), or NULL. */
static char *default_for(const struct opt_info *in, enum opt_cmd cmd)
{
    const char *d = in->defaults;

    while (d && *d) {
        const char *eq = strchr(d, '='), *bar = strchr(d, '|');
        size_t klen = eq ? (size_t)(eq - d) : 0;
        if (!eq)
            break;
        if ((klen == 1 && *d == '*') ||
            (klen == strlen(opt_cmd_names[cmd]) && !strncmp(d, opt_cmd_names[cmd], klen)))
            return bar ? xasprintf("%.*s", (int)(bar - eq - 1), eq + 1)
                       : xstrdup(eq + 1);
        d = bar ? bar + 1 : NULL;
    }
    return NULL;
}

/* The help text of IN with %T (the tools) and %C (the chaos grammar). */
static char *help_text(const struct opt_info *in, enum opt_cmd cmd)
{
    struct strbuf sb;
    char *def = default_for(in, cmd);

    sb_init(&sb);
    for (const char *h = in->help; *h; h++) {
        if (h[0] == '%' && h[1] == 'T') {
            char *t = joined(tool_names, TOOL_COUNT);
            sb_puts(&sb, t);
            free(t);
            h++;
        } else if (h[0] == '%' && h[1] == 'C') {
            for (int s = 0; s < CHAOS_STRATEGY_COUNT; s++) {
                char g[160];
                chaos_spec_grammar((enum chaos_strategy)s, g, sizeof g);
                sb_printf(&sb, "%s%s", s ? (s + 1 == CHAOS_STRATEGY_COUNT ? " or "
                                                                           : ", ") : "", g);
            }
            h++;
        } else if (h[0] == '%' && h[1] == '{') {
            /* %{cmd,cmd:text}: TEXT only in those commands' help */
            const char *colon = strchr(h, ':'), *end = colon ? strchr(colon, '}') : NULL;
            if (!end)
                break;          /* malformed: the rest is dropped (tests see it) */
            bool mine = false;
            for (const char *c = h + 2; c < colon;) {
                size_t len = strcspn(c, ",:");
                mine |= len == strlen(opt_cmd_names[cmd]) && !strncmp(c, opt_cmd_names[cmd], len);
                c += len + (c[len] == ',');
            }
            if (mine)
                sb_add(&sb, colon + 1, (size_t)(end - colon - 1));
            h = end;
        } else
            sb_add(&sb, h, 1);
    }
    if (def)
        sb_printf(&sb, " (default: %s)", def);
    free(def);
    return sb_steal(&sb);
}

void options_help(FILE *f, enum opt_cmd cmd)
{
    enum { COL = 22, WIDTH = 79 };

    for (int i = 0; i < OPT_COUNT; i++) {
        const struct opt_info *in = &opt_table[i];
        if (!(in->commands & (1u << cmd)))
            continue;
        char *text = help_text(in, cmd), *w = text;
        int col = fprintf(f, "  --%s%s%s", in->name,
                          in->meta && in->kind != K_OPTLONG ? " " : "",
                          in->meta ? in->meta : "");
        if (col >= COL - 1) {
            fputc('\n', f);
            col = 0;
        }
        fprintf(f, "%*s", COL - col, "");
        col = COL;
        /* word-wrapped at WIDTH, continuation lines under the text */
        while (*w) {
            size_t len = strcspn(w, " ");
            if (col > COL && col + 1 + (int)len > WIDTH) {
                fprintf(f, "\n%*s", COL, "");
                col = COL;
            } else if (col > COL) {
                fputc(' ', f);
                col++;
            }
            col += fprintf(f, "%.*s", (int)len, w);
            w += len;
            while (*w == ' ')
                w++;
        }
        fputc('\n', f);
        free(text);
    }
}
