// std::thread, std::mutex, std::condition_variable, std::atomic, virtual
// calls (vptr hooks) and exceptions caught in workers: a correct program
// that must run clean under every schedule.
#include <thread>
#include <mutex>
#include <condition_variable>
#include <atomic>
#include <vector>
#include <stdexcept>
#include <cstdio>
struct Base { virtual ~Base() {} virtual int f() { return 1; } };
struct Der : Base { int f() override { return 2; } };
static std::mutex m;
static std::condition_variable cv;
static int ready, total;
static std::atomic<int> hits{0};
int main() {
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; i++)
        ts.emplace_back([i] {
            Base *b = new Der;
            { std::unique_lock<std::mutex> l(m); cv.wait(l, [] { return ready; }); total += b->f() + i; }
            hits.fetch_add(1);
            try { if (i % 2) throw std::runtime_error("odd"); } catch (const std::exception &e) { hits++; }
            delete b;
        });
    { std::lock_guard<std::mutex> l(m); ready = 1; }
    cv.notify_all();
    for (auto &t : ts) t.join();
    std::printf("total %d hits %d\n", total, hits.load());
    return !(total == 14 && hits == 6);
}
