#pragma once
// Internal: a mutex and a condition variable on raw Linux futexes that work across processes —
// placed in memory that several processes map (the job-scope lock's MPI-3 shared window), they
// use FUTEX_WAIT / FUTEX_WAKE without FUTEX_PRIVATE_FLAG, which is keyed by the physical page and
// so crosses processes (std::mutex, std::condition_variable and libstdc++'s atomic::wait use
// private futexes, which do not). The words are plain std::uint32_t accessed through
// std::atomic_ref, so the objects are trivially copyable layouts with no process-local pointers.
// Both satisfy what gil_lock.cpp's state machine uses of std::mutex / std::condition_variable.
#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <ctime>
#include <mutex>

namespace gilbench::gil::detail {

/// FUTEX_WAIT while *word == expected, at most `timeout` when given; `flags` 0 (shared: crosses
/// processes) or FUTEX_PRIVATE_FLAG. Returns 0 when woken (or spuriously), else -1 with errno
/// (EAGAIN: the word differed; ETIMEDOUT; EINTR).
inline int futex_wait(std::uint32_t* word, std::uint32_t expected, const std::chrono::nanoseconds* timeout,
                      int flags) noexcept {
  timespec ts{};
  if (timeout != nullptr) {
    const auto ns = timeout->count() > 0 ? timeout->count() : 0;
    ts.tv_sec = static_cast<time_t>(ns / 1'000'000'000);
    ts.tv_nsec = static_cast<long>(ns % 1'000'000'000);
  }
  return static_cast<int>(
      syscall(SYS_futex, word, FUTEX_WAIT | flags, expected, timeout != nullptr ? &ts : nullptr, nullptr, 0));
}

/// FUTEX_WAKE: wakes up to `n` waiters of `word` (`flags` as for futex_wait).
inline void futex_wake(std::uint32_t* word, int n, int flags) noexcept {
  syscall(SYS_futex, word, FUTEX_WAKE | flags, n, nullptr, nullptr, 0);
}

/// Drepper's three-state futex mutex ("Futexes are tricky", mutex 2): 0 free, 1 locked, 2 locked
/// with (possible) waiters. Zero-initialised memory is an unlocked mutex.
class SharedMutex {
 public:
  /// Only one process uses it (a node with one rank): private futexes, which are cheaper — a
  /// shared FUTEX_WAKE looks the page up first, and that longer syscall changes who wins a race
  /// (legacy-gil: more hand-offs at checks). Call before any use.
  void set_process_private(bool p) noexcept { flags_ = p ? FUTEX_PRIVATE_FLAG : 0; }
  void lock() noexcept {
    std::atomic_ref<std::uint32_t> s(word_);
    std::uint32_t c = 0;
    if (s.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed)) return;
    if (c != 2) c = s.exchange(2, std::memory_order_acquire);
    while (c != 0) {
      futex_wait(&word_, 2, nullptr, flags_);
      c = s.exchange(2, std::memory_order_acquire);
    }
  }
  void unlock() noexcept {
    std::atomic_ref<std::uint32_t> s(word_);
    if (s.fetch_sub(1, std::memory_order_release) != 1) {
      s.store(0, std::memory_order_release);
      futex_wake(&word_, 1, flags_);
    }
  }

 private:
  alignas(4) std::uint32_t word_ = 0;
  int flags_ = 0;
};

/// A sequence-counter condition variable: wait reads the counter, unlocks, and sleeps while the
/// counter is unchanged; notify bumps it and wakes a sleeper if there is one. Spurious wake-ups
/// are possible (as for std::condition_variable); a notify after the waiter released the mutex
/// is never lost (the counter changed, so FUTEX_WAIT returns at once).
class SharedCond {
 public:
  using Lock = std::unique_lock<SharedMutex>;

  /// As SharedMutex::set_process_private.
  void set_process_private(bool p) noexcept { flags_ = p ? FUTEX_PRIVATE_FLAG : 0; }

  /// One timed wait (CPython's COND_TIMED_WAIT): timeout when the futex wait timed out.
  std::cv_status wait_for(Lock& lk, std::chrono::nanoseconds d) noexcept {
    const int r = sleep(lk, &d);
    return r != 0 && errno == ETIMEDOUT ? std::cv_status::timeout : std::cv_status::no_timeout;
  }
  template <class Pred>
  void wait(Lock& lk, Pred pred) {
    while (!pred()) sleep(lk, nullptr);
  }
  void notify_one() noexcept {
    std::atomic_ref<std::uint32_t>(seq_).fetch_add(1, std::memory_order_seq_cst);
    if (std::atomic_ref<std::uint32_t>(waiters_).load(std::memory_order_seq_cst) > 0) futex_wake(&seq_, 1, flags_);
  }

 private:
  /// REQUIRES: lk owns the mutex. Returns futex_wait's result (errno preserved).
  int sleep(Lock& lk, const std::chrono::nanoseconds* d) noexcept {
    std::atomic_ref<std::uint32_t> waiters(waiters_);
    waiters.fetch_add(1, std::memory_order_seq_cst);  // before the counter is read: see notify_one
    const std::uint32_t s = std::atomic_ref<std::uint32_t>(seq_).load(std::memory_order_seq_cst);
    lk.unlock();
    const int r = futex_wait(&seq_, s, d, flags_);
    const int err = errno;
    waiters.fetch_sub(1, std::memory_order_relaxed);
    lk.lock();
    errno = err;
    return r;
  }

  alignas(4) std::uint32_t seq_ = 0;
  alignas(4) std::uint32_t waiters_ = 0;
  int flags_ = 0;
};

/// The primitives of a lock whose state lives in one process (rank scope) ...
struct ProcessSync {
  using Mutex = std::mutex;
  using Cond = std::condition_variable;
};
/// ... and of one whose state lives in memory shared by the processes of a node (job scope).
struct SharedSync {
  using Mutex = SharedMutex;
  using Cond = SharedCond;
};

}  // namespace gilbench::gil::detail
