/* hi_deadlock_server.c - a tiny HTTP server (one thread per connection)
 * whose request path takes cache_lock and stats_lock in an order that
 * depends on the request count: two requests in flight take them in
 * opposite orders and deadlock.  For the watchdog and the wait-for cycle:
 *   cache_lock -> stats_lock at hi_deadlock_server.c:31
 *   stats_lock -> cache_lock at hi_deadlock_server.c:35
 * Usage: hi_deadlock_server PORT */
#include <arpa/inet.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static long served;     /* read unlocked on purpose: it only picks an order */

static void *serve(void *arg)
{
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    int fd = (int)(long)arg;
    char buf[4096];

    for (;;) {
        if (read(fd, buf, sizeof buf) <= 0)
            break;
        if (__atomic_load_n(&served, __ATOMIC_RELAXED) % 2) {
            pthread_mutex_lock(&cache_lock);
            usleep(200);
            pthread_mutex_lock(&stats_lock);
        } else {
            pthread_mutex_lock(&stats_lock);
            usleep(200);
            pthread_mutex_lock(&cache_lock);
        }
        __atomic_add_fetch(&served, 1, __ATOMIC_RELAXED);
        pthread_mutex_unlock(&cache_lock);
        pthread_mutex_unlock(&stats_lock);
        if (write(fd, resp, sizeof resp - 1) < 0)
            break;
    }
    close(fd);
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_in sa = {0};
    int s = socket(AF_INET, SOCK_STREAM, 0), one = 1;

    if (argc != 2 || s < 0)
        return 2;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)atoi(argv[1]));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(s, 64) < 0) {
        perror("bind/listen");
        return 1;
    }
    for (;;) {
        int c = accept(s, NULL, NULL);
        pthread_t t;
        if (c < 0)
            continue;
        pthread_create(&t, NULL, serve, (void *)(long)c);
        pthread_detach(t);
    }
}
