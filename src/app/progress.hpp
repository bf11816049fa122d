#pragma once
// The progress line on stderr while a sweep runs longer than a couple of seconds: updated in
// place on a terminal, a plain line every 10 s otherwise (batch logs stay readable).
#include <chrono>
#include <string>

namespace gilbench {

class Progress {
 public:
  Progress(std::size_t total_runs, bool enabled);
  void update(std::size_t done, const std::string& what);  ///< after each finished run
  void finish();                                           ///< ends the line on a terminal

 private:
  std::size_t total_;
  bool enabled_, tty_, shown_ = false;
  std::chrono::steady_clock::time_point start_, last_print_;
};

}  // namespace gilbench
