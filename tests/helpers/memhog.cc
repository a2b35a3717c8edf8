// memhog: a target whose memory, fds, threads and children are known, so the
// integration tests can compare what memgate measures with what is really held.
//
//   memhog [--alloc-mib N] [--grow-mib-per-s R] [--fds N] [--threads N]
//          [--children N --child-mib M] [--hold-s S] [--exit CODE]
//          [--crash segv|abort] [--ignore-term] [--ready-file PATH] [--shared-mib N]
//          [--jitter-mib N]
//
// --shared-mib is touched before the children fork, so parent and children share
// those pages copy-on-write: RSS counts them once per process, PSS once in total.
// Memory is allocated with mmap and every page touched, so RSS really holds it.
// --jitter-mib makes RSS noisy: every 30 ms a random block of 0..N MiB is mapped,
// touched, and the previous one unmapped (the baseline check's UNKNOWN case).
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

void* touch_mib(double mib) {
  const auto bytes = static_cast<std::size_t>(mib * 1024 * 1024);
  if (bytes == 0) return nullptr;
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    std::perror("memhog: mmap");
    std::exit(90);
  }
  for (std::size_t i = 0; i < bytes; i += 4096) static_cast<volatile char*>(p)[i] = 1;
  return p;
}

double arg_double(int& i, int argc, char** argv) {
  if (i + 1 >= argc) {
    std::fprintf(stderr, "memhog: %s needs a value\n", argv[i]);
    std::exit(2);
  }
  return std::atof(argv[++i]);
}

}  // namespace

int main(int argc, char** argv) {
  double jitter_mib = 0, shared_mib = 0, alloc_mib = 0, grow_mib_per_s = 0, hold_s = 0, child_mib = 0;
  int fds = 0, threads = 0, children = 0, exit_code = 0;
  std::string crash, ready_file;
  bool ignore_term = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--shared-mib") shared_mib = arg_double(i, argc, argv);
    else if (a == "--jitter-mib") jitter_mib = arg_double(i, argc, argv);
    else if (a == "--alloc-mib") alloc_mib = arg_double(i, argc, argv);
    else if (a == "--grow-mib-per-s") grow_mib_per_s = arg_double(i, argc, argv);
    else if (a == "--fds") fds = static_cast<int>(arg_double(i, argc, argv));
    else if (a == "--threads") threads = static_cast<int>(arg_double(i, argc, argv));
    else if (a == "--children") children = static_cast<int>(arg_double(i, argc, argv));
    else if (a == "--child-mib") child_mib = arg_double(i, argc, argv);
    else if (a == "--hold-s") hold_s = arg_double(i, argc, argv);
    else if (a == "--exit") exit_code = static_cast<int>(arg_double(i, argc, argv));
    else if (a == "--crash" && i + 1 < argc) crash = argv[++i];
    else if (a == "--ignore-term") ignore_term = true;
    else if (a == "--ready-file" && i + 1 < argc) ready_file = argv[++i];
    else {
      std::fprintf(stderr, "memhog: unknown option %s\n", a.c_str());
      return 2;
    }
  }
  if (ignore_term) ::signal(SIGTERM, SIG_IGN);

  touch_mib(shared_mib);
  std::vector<pid_t> kids;
  for (int c = 0; c < children; ++c) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      touch_mib(child_mib);
      std::this_thread::sleep_for(std::chrono::duration<double>(hold_s + 1));
      ::_exit(0);
    }
    kids.push_back(pid);
  }

  touch_mib(alloc_mib);
  for (int f = 0; f < fds; ++f)
    if (::open("/dev/null", O_RDONLY) < 0) std::perror("memhog: open");

  std::atomic<bool> stop{false};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&stop] {
      while (!stop) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    });

  if (jitter_mib > 0)
    pool.emplace_back([&stop, jitter_mib] {
      unsigned seed = static_cast<unsigned>(::getpid());
      void* block = nullptr;
      std::size_t block_bytes = 0;
      while (!stop) {
        const double mib = jitter_mib * (::rand_r(&seed) % 1001) / 1000.0;
        void* next = touch_mib(mib);
        if (block) ::munmap(block, block_bytes);
        block = next;
        block_bytes = static_cast<std::size_t>(mib * 1024 * 1024);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
      }
      if (block) ::munmap(block, block_bytes);
    });

  if (!ready_file.empty()) {
    if (FILE* f = std::fopen(ready_file.c_str(), "w")) std::fclose(f);
  }

  if (crash == "segv") {
    std::this_thread::sleep_for(std::chrono::duration<double>(hold_s));
    ::raise(SIGSEGV);
  } else if (crash == "abort") {
    std::this_thread::sleep_for(std::chrono::duration<double>(hold_s));
    std::abort();
  }

  // Hold (and grow linearly if asked) for hold_s seconds.
  const auto start = std::chrono::steady_clock::now();
  double grown = 0;
  for (;;) {
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (elapsed >= hold_s) break;
    const double due = grow_mib_per_s * elapsed;
    if (due - grown >= 0.25) {
      touch_mib(due - grown);
      grown = due;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  stop = true;
  for (auto& t : pool) t.join();
  for (pid_t k : kids) ::kill(k, SIGTERM), ::waitpid(k, nullptr, 0);
  return exit_code;
}
