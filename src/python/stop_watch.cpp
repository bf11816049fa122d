#include "python/stop_watch.hpp"

#include <pthread.h>

#include <mutex>

#include "python/interpreter.hpp"

namespace gilbench::python {

StopWatch::StopWatch(const Interpreter& py, const std::atomic<bool>* stop, int workers)
    : py_(py), stop_(stop), workers_(workers), w_(std::make_unique<Worker[]>(static_cast<std::size_t>(workers))) {
  const Api& a = py_.api();
  if (stop_ != nullptr && a.PyThreadState_SetAsyncExc != nullptr && a.PyExc_KeyboardInterrupt != nullptr)
    thread_ = std::thread([this] { watch(); });
}

StopWatch::~StopWatch() {
  {
    const std::lock_guard<std::mutex> l(m_);
    done_ = true;
  }
  wake_.notify_all();
  if (!thread_.joinable()) return;
  thread_.join();
  bool any = false;
  for (int i = 0; i < workers_; ++i) any = any || w_[static_cast<std::size_t>(i)].interrupted.load();
  if (!any) return;
  // A KeyboardInterrupt raised just as a worker's countdown returned stays pending on its thread
  // state; worker 0 is the main thread, whose state lives on: cleared (a null exception).
  for (int i = 0; i < workers_; ++i) {
    const Worker& k = w_[static_cast<std::size_t>(i)];
    if (const unsigned long id = k.ident.load(); id != 0) py_.set_async_exc_in(k.interpreter.load(), id, nullptr);
  }
}

void StopWatch::started(int w, int interpreter) {
  Worker& k = w_[static_cast<std::size_t>(w)];
  k.ident.store(static_cast<unsigned long>(::pthread_self()));
  k.interpreter.store(interpreter);
  k.running.store(true);
}

void StopWatch::finished(int w) {
  w_[static_cast<std::size_t>(w)].running.store(false);
  finished_.fetch_add(1);
}

bool StopWatch::interrupted(int w) const { return w_[static_cast<std::size_t>(w)].interrupted.load(); }

void StopWatch::interrupt_running() {
  PyObject* exc = *py_.api().PyExc_KeyboardInterrupt;
  for (int i = 0; i < workers_; ++i) {
    Worker& k = w_[static_cast<std::size_t>(i)];
    if (!k.running.load()) continue;
    // 0: the worker has no thread state yet (waiting to attach) or no longer: tried again at
    // the next poll. 1: raised at its next bytecode — which may come before this thread runs
    // another instruction (a subinterpreter's GIL is free the moment set_async_exc_in returns),
    // so the mark is set first and taken back only when nothing was raised.
    const bool was = k.interrupted.exchange(true);
    if (py_.set_async_exc_in(k.interpreter.load(), k.ident.load(), exc) != 1 && !was) k.interrupted.store(false);
  }
}

void StopWatch::watch() {
  std::unique_lock<std::mutex> l(m_);
  while (!done_) {
    if (finished_.load() < workers_ && stop_->load(std::memory_order_relaxed)) {
      l.unlock();
      interrupt_running();
      l.lock();
    }
    wake_.wait_for(l, kPoll, [this] { return done_; });
  }
}

}  // namespace gilbench::python
