/* chaos_spec.c - the one parser of a schedule spec.  See chaos_spec.h.
 * libc only: no malloc, no globals written, no locks (it runs inside
 * librlchaos.so, the --wrap objects and the scheduler's runtime). */
#include "chaos_spec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct chaos_key_info chaos_keys[CHAOS_KEY_COUNT] = {
#define CHAOS_X_(name, strat, type, min, max, def, meta, help) \
    { #name, meta, help, #type, strat, (double)(min), (double)(max) },
    CHAOS_KEYS(CHAOS_X_)
#undef CHAOS_X_
};

const struct chaos_strategy_info chaos_strategies[CHAOS_STRATEGY_COUNT] = {
#define CHAOS_X_(name, NAME, where, help) { #name, help, where },
    CHAOS_STRATEGIES(CHAOS_X_)
#undef CHAOS_X_
};

static void say(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t n, const char *fmt, ...)
{
    va_list ap;

    if (!err || n == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, n, fmt, ap);
    va_end(ap);
}

/* Per type: setting a key's field from a number (TEXT has no number). */
/* X the value as a double (REAL), U as an integer (the others). */
#define CHAOS_SET_U64(f, x, u)  ((f) = (uint64_t)(u))
#define CHAOS_SET_INT(f, x, u)  ((f) = (int)(u))
#define CHAOS_SET_REAL(f, x, u) ((f) = (double)(x))
#define CHAOS_SET_WORD(f, x, u) ((f) = (int)(u))
#define CHAOS_SET_TEXT(f, x, u) ((void)(f))     /* set by its text (below) */
/* Per type: the characters of a TEXT field, NULL for the others. */
#define CHAOS_CHARS_U64(f)  ((void)(f), (char *)NULL)
#define CHAOS_CHARS_INT(f)  ((void)(f), (char *)NULL)
#define CHAOS_CHARS_REAL(f) ((void)(f), (char *)NULL)
#define CHAOS_CHARS_WORD(f) ((void)(f), (char *)NULL)
#define CHAOS_CHARS_TEXT(f) ((f).s)

static void set_defaults(struct chaos_config *c)
{
    memset(c, 0, sizeof *c);
    c->strategy = CHAOS_NONE;
#define CHAOS_X_(name, strat, type, min, max, def, meta, help) \
    CHAOS_SET_##type(c->name, def, def);
    CHAOS_KEYS(CHAOS_X_)
#undef CHAOS_X_
}

/* Key K's field set from the number X. */
static void set_number(struct chaos_config *out, int k, double x, unsigned long long u)
{
#define CHAOS_X_(name, strat, type, min, max, def, meta, help) \
    if (k == CHAOS_KEY_##name)                                  \
        CHAOS_SET_##type(out->name, x, u);
    CHAOS_KEYS(CHAOS_X_)
#undef CHAOS_X_
}

/* WORD: V's index among META's '|'-separated words, or -1. */
static int word_index(const char *meta, const char *v)
{
    int i = 0;
    size_t vl = strlen(v);

    for (const char *w = meta; *w; i++) {
        size_t wl = strcspn(w, "|");
        if (wl == vl && !strncmp(w, v, vl))
            return i;
        w += wl;
        if (*w == '|')
            w++;
    }
    return -1;
}

int chaos_spec_grammar(enum chaos_strategy s, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s", chaos_strategies[s].name);

    for (int k = 0; k < CHAOS_KEY_COUNT; k++)
        if (chaos_keys[k].strategies & (1u << s))
            len += snprintf(buf + ((size_t)len < n ? (size_t)len : n),
                            (size_t)len < n ? n - (size_t)len : 0, "[:%s=%s]",
                            chaos_keys[k].name, chaos_keys[k].meta);
    return len;
}

/* "seed, p, steps": the keys strategy S takes. */
static void key_list(enum chaos_strategy s, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (int k = 0; k < CHAOS_KEY_COUNT && len < n; k++)
        if (chaos_keys[k].strategies & (1u << s))
            len += (size_t)snprintf(buf + len, n - len, "%s%s", len ? ", " : "",
                                    chaos_keys[k].name);
}

/* VALUE (NUL-terminated) of key K into OUT; 0, or -1 with ERR said. */
static int set_value(struct chaos_config *out, int k, const char *v,
                     char *err, size_t errlen)
{
    const struct chaos_key_info *ki = &chaos_keys[k];
    char *end = NULL;

    errno = 0;
    if (!strcmp(ki->type, "WORD")) {
        int w = word_index(ki->meta, v);
        if (w >= 0) {
            set_number(out, k, w, (unsigned long long)w);
            return 0;
        }
        say(err, errlen, "%s=%s: expected %s", ki->name, v, ki->meta);
        return -1;
    }
    if (!strcmp(ki->type, "TEXT")) {
        char *dst = NULL;
#define CHAOS_X_(name, strat, type, min, max, def, meta, help) \
        if (k == CHAOS_KEY_##name)                              \
            dst = CHAOS_CHARS_##type(out->name);
        CHAOS_KEYS(CHAOS_X_)
#undef CHAOS_X_
        if (dst && *v && strspn(v, "0123456789@,") == strlen(v) &&
            strlen(v) < sizeof(chaos_text)) {
            memcpy(dst, v, strlen(v) + 1);      /* fits: checked */
            return 0;
        }
        say(err, errlen, "%s=%s: expected %s", ki->name, v, ki->meta);
        return -1;
    }
    if (!strcmp(ki->type, "REAL")) {
        double d = strtod(v, &end);
        if (*v && *end == '\0' && errno == 0 && d > ki->min && d <= ki->max) {
            set_number(out, k, d, 0);
            return 0;
        }
        say(err, errlen, "%s=%s: expected a number in (%g, %g]", ki->name, v,
            ki->min, ki->max);
        return -1;
    }
    unsigned long long x = strtoull(v, &end, 10);
    if (*v >= '0' && *v <= '9' && *end == '\0' && errno == 0 &&
        (double)x >= ki->min && (double)x <= ki->max) {
        set_number(out, k, (double)x, x);
        return 0;
    }
    if (ki->max >= (double)UINT64_MAX)
        say(err, errlen, "%s=%s: expected an integer from %.0f up", ki->name, v,
            ki->min);
    else
        say(err, errlen, "%s=%s: expected an integer from %.0f to %.0f", ki->name,
            v, ki->min, ki->max);
    return -1;
}

/* One "KEY=VALUE" field (LEN bytes at F) of strategy S. */
static int parse_field(struct chaos_config *out, const char *f, size_t len,
                       char *err, size_t errlen)
{
    const char *eq = memchr(f, '=', len);
    size_t klen = eq ? (size_t)(eq - f) : len;
    char value[200], keys[160];

    for (int k = 0; k < CHAOS_KEY_COUNT; k++) {
        if (strlen(chaos_keys[k].name) != klen || strncmp(chaos_keys[k].name, f, klen) ||
            !(chaos_keys[k].strategies & (1u << out->strategy)))
            continue;
        size_t vlen = eq ? len - klen - 1 : 0;
        if (vlen >= sizeof value) {
            say(err, errlen, "%.*s: value too long", (int)klen, f);
            return -1;
        }
        memcpy(value, eq ? eq + 1 : "", vlen);
        value[vlen] = '\0';
        if (set_value(out, k, value, err, errlen) < 0)
            return -1;
        out->given |= 1u << k;
        return 0;
    }
    key_list(out->strategy, keys, sizeof keys);
    say(err, errlen, "unknown key '%.*s' for %s (keys: %s)", (int)klen, f,
        chaos_strategies[out->strategy].name, keys);
    return -1;
}

int chaos_spec_parse(const char *spec, struct chaos_config *out, char *err,
                     size_t errlen)
{
    set_defaults(out);
    if (err && errlen)
        err[0] = '\0';
    if (spec == NULL || *spec == '\0')
        return 0;
    size_t slen = strcspn(spec, ":");
    int s = -1;
    for (int i = 0; i < CHAOS_STRATEGY_COUNT; i++)
        if (strlen(chaos_strategies[i].name) == slen &&
            !strncmp(chaos_strategies[i].name, spec, slen))
            s = i;
    if (s < 0) {
        char names[128];
        size_t len = 0;
        for (int i = 0; i < CHAOS_STRATEGY_COUNT && len < sizeof names; i++)
            len += (size_t)snprintf(names + len, sizeof names - len, "%s%s",
                                    i ? ", " : "", chaos_strategies[i].name);
        say(err, errlen, "unknown strategy '%.*s' (strategies: %s)", (int)slen,
            spec, names);
        set_defaults(out);
        return -1;
    }
    out->strategy = (enum chaos_strategy)s;
    for (const char *f = spec + slen; *f == ':';) {
        f++;
        size_t len = strcspn(f, ":");
        if (parse_field(out, f, len, err, errlen) < 0) {
            set_defaults(out);
            return -1;
        }
        f += len;
    }
    return 0;
}
