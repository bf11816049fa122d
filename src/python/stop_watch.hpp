#pragma once
// Stop requests in the python kernel (signals::run_stop(), --stop-grace): a worker inside
// countdown(n) polls no flag of gilbench's, so a watcher thread does what Ctrl-C does to a Python
// program: once the flag is set it takes the GIL of each worker's interpreter and raises
// KeyboardInterrupt in every worker still counting (PyThreadState_SetAsyncExc, which looks at the
// threads of the interpreter it is called in: raised at the worker's next bytecode), again every
// poll until each has come back. Until the flag is set it only sleeps (kPoll), never touching
// the GIL. The interrupted call's iterations are unknown: the worker records 0 and the run is
// "interrupted" (sweep/runner.cpp), as a stopped native run.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

namespace gilbench::python {

class Interpreter;

class StopWatch {
 public:
  /// How often the watcher looks at the flag (and, once set, re-raises in the workers left).
  static constexpr std::chrono::milliseconds kPoll{20};

  /// `stop` may be null (nothing to watch: no thread). `workers`: the team's size.
  StopWatch(const Interpreter& py, const std::atomic<bool>* stop, int workers);
  ~StopWatch();  ///< joins the watcher
  StopWatch(const StopWatch&) = delete;
  StopWatch& operator=(const StopWatch&) = delete;

  /// On worker `w`'s thread, before it attaches to interpreter `interpreter` (0: the main one):
  /// the thread the watcher interrupts, and where its thread state lives.
  void started(int w, int interpreter = 0);
  /// On worker `w`'s thread, after it detached.
  void finished(int w);
  /// Whether KeyboardInterrupt was raised in worker `w` (its error is then the stop's, not the kernel's).
  [[nodiscard]] bool interrupted(int w) const;

 private:
  struct Worker {
    std::atomic<unsigned long> ident{0};  // pthread_self() = PyThread_get_thread_ident(); 0: not started
    std::atomic<int> interpreter{0};
    std::atomic<bool> running{false};
    std::atomic<bool> interrupted{false};
  };
  void watch();
  /// With the stop flag set: KeyboardInterrupt into every running worker.
  void interrupt_running();

  const Interpreter& py_;
  const std::atomic<bool>* stop_;
  int workers_;
  std::unique_ptr<Worker[]> w_;
  std::atomic<int> finished_{0};
  std::mutex m_;
  std::condition_variable wake_;
  bool done_ = false;  // under m_: the destructor ends the watcher
  std::thread thread_;
};

}  // namespace gilbench::python
