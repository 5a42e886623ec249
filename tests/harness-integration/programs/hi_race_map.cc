// hi_race_map.cc - four threads count words in one std::map with no lock:
// TSan's innermost frames are in libstdc++'s headers (basic_string.h,
// new_allocator.h), and the report must still lead to worker() here.
#include <cstdio>
#include <map>
#include <string>
#include <thread>
#include <vector>

static std::map<std::string, int> hits;

static void worker(int id)
{
    for (int i = 0; i < 1000; i++)
        hits["k" + std::to_string((i + id) % 7)]++;
}

int main()
{
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; i++)
        threads.emplace_back(worker, i);
    for (auto &t : threads)
        t.join();
    std::printf("%zu keys\n", hits.size());
    return 0;
}
