#include "app/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace gilbench {

Progress::Progress(std::size_t total_runs, bool enabled)
    : total_(total_runs),
      enabled_(enabled),
      tty_(::isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_print_(start_) {}

void Progress::update(std::size_t done, const std::string& what) {
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 2.0) return;
  if (!tty_ && std::chrono::duration<double>(now - last_print_).count() < 10.0 && done < total_) return;
  last_print_ = now;
  const double eta = done > 0 ? elapsed * static_cast<double>(total_ - done) / static_cast<double>(done) : 0;
  std::fprintf(stderr, "%s[%zu/%zu runs] %-24s elapsed %.0fs, about %.0fs left%s", tty_ ? "\r" : "", done, total_,
               what.c_str(), elapsed, eta, tty_ ? "   " : "\n");
  std::fflush(stderr);
  shown_ = true;
}

void Progress::finish() {
  if (enabled_ && tty_ && shown_) std::fputc('\n', stderr);
  shown_ = false;
}

}  // namespace gilbench
