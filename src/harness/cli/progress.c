/* progress.c - the progress bar (TTY) or plain lines (anything else). */
#include "progress.h"
#include "harness_util.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static size_t total, done, running;
static double started;
static bool tty, quiet, bar_shown;
static char current[96];

static void clear_bar(void)
{
    if (bar_shown) {
        fputs("\r\033[K", stderr);
        bar_shown = false;
    }
}

static void draw_bar(void)
{
    char bar[31];
    double el = now_mono() - started;
    size_t fill = total ? done * 30 / total : 30;
    char eta[32] = "--:--";

    if (!tty || quiet)
        return;
    if (done > 0 && done < total) {
        long s = (long)(el / (double)done * (double)(total - done) + 0.5);
        snprintf(eta, sizeof eta, "%ld:%02ld", s / 60, s % 60);
    } else if (done == total)
        snprintf(eta, sizeof eta, "0:00");
    memset(bar, '=', fill);
    memset(bar + fill, ' ', 30 - fill);
    if (fill < 30 && fill > 0)
        bar[fill - 1] = '>';
    bar[30] = '\0';
    fprintf(stderr, "\r\033[K[%s] %zu/%zu  %3.0f%%  ETA %s  %s", bar, done, total,
            total ? 100.0 * (double)done / (double)total : 100.0, eta, current);
    fflush(stderr);         /* a progress bar: a lost one changes nothing */
    bar_shown = true;
}

void progress_start(size_t n, bool q)
{
    pthread_mutex_lock(&lock);
    total = n;
    done = running = 0;
    started = now_mono();
    quiet = q;
    tty = isatty(2) && getenv("TERM") && strcmp(getenv("TERM"), "dumb") != 0;
    draw_bar();
    pthread_mutex_unlock(&lock);
}

void progress_begin(const char *label)
{
    pthread_mutex_lock(&lock);
    running++;
    snprintf(current, sizeof current, "%s", label);
    draw_bar();
    pthread_mutex_unlock(&lock);
}

void progress_end(const char *label, const struct run_record *rec,
                  const char *repro)
{
    pthread_mutex_lock(&lock);
    done++;
    running--;
    if (!quiet && (!tty || rec->outcome != RUN_CLEAN || rec->oracles)) {
        char nf[96] = "";
        if (rec->nfindings)
            snprintf(nf, sizeof nf, ", %zu finding%s", rec->nfindings,
                     rec->nfindings == 1 ? "" : "s");
        if (rec->true_positives)
            snprintf(nf + strlen(nf), sizeof nf - strlen(nf), ", %zu at the "
                     "manifest's locations", rec->true_positives);
        clear_bar();
        /* a run never reads "clean" while an oracle fired: name it */
        fprintf(stderr, "[%zu/%zu] %s: %s%s%s%s (%.1f s)%s%s\n", done, total,
                label, rec->outcome == RUN_CLEAN && rec->oracles ? "oracle fired"
                                                                 : run_outcome_name(rec->outcome),
                nf, rec->oracles ? " - " : "", rec->oracles ? rec->oracles : "",
                rec->seconds, rec->reason ? ": " : "", rec->reason ? rec->reason : "");
    }
    if (!quiet && repro != NULL && (rec->symptom || rec->oracles ||
                                    rec->outcome == RUN_FINDING
                                    || rec->outcome == RUN_HANG
                                    || rec->outcome == RUN_CRASH)) {
        clear_bar();
        fprintf(stderr, "  repeat with: %s\n", repro);
    }
    draw_bar();
    pthread_mutex_unlock(&lock);
}

void progress_skip(void)
{
    pthread_mutex_lock(&lock);
    if (total > done)
        total--;                /* a run that turned out not to be needed */
    draw_bar();
    pthread_mutex_unlock(&lock);
}

void progress_finish(void)
{
    pthread_mutex_lock(&lock);
    clear_bar();
    fflush(stderr);         /* as above */
    pthread_mutex_unlock(&lock);
}

void progress_note(const char *fmt, ...)
{
    va_list ap;

    pthread_mutex_lock(&lock);
    clear_bar();
    fputs("racelab: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    draw_bar();
    pthread_mutex_unlock(&lock);
}
