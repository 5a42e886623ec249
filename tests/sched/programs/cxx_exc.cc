// Exceptions thrown and caught across threads under the scheduler: a
// worker's exception travels to main through std::exception_ptr and
// through std::promise/std::future; a function-local static is
// initialized once while several threads reach it.
#include <atomic>
#include <cstdio>
#include <exception>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

struct Registry {
    std::vector<int> ids;
    Registry() { for (int i = 0; i < 3; i++) ids.push_back(i); }
};
static Registry &registry()
{
    static Registry r;  // __cxa_guard_acquire/release
    return r;
}

static std::mutex m;
static std::vector<std::exception_ptr> errors;
static std::atomic<int> unwound{0};

struct Guard {
    ~Guard() { unwound++; }
};

static void work(int i)
{
    Guard g;
    if (registry().ids.size() != 3)
        throw std::logic_error("registry half-built");
    if (i % 2)
        throw std::runtime_error("worker " + std::to_string(i));
}

int main()
{
    std::vector<std::thread> ts;
    for (int i = 0; i < 4; i++)
        ts.emplace_back([i] {
            try {
                work(i);
            } catch (...) {
                std::lock_guard<std::mutex> l(m);
                errors.push_back(std::current_exception());
            }
        });
    std::promise<int> p;
    std::future<int> f = p.get_future();
    std::thread t([&p] {
        try {
            throw std::out_of_range("from the promise");
        } catch (...) {
            p.set_exception(std::current_exception());
        }
    });
    int caught = 0;
    try {
        f.get();
    } catch (const std::out_of_range &) {
        caught++;
    }
    t.join();
    for (auto &th : ts)
        th.join();
    for (auto &e : errors) {
        try {
            std::rethrow_exception(e);
        } catch (const std::runtime_error &) {
            caught++;
        }
    }
    std::printf("caught %d unwound %d\n", caught, unwound.load());
    return caught == 3 && unwound == 4 ? 0 : 1;
}
