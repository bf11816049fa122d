#pragma once
// The latency probe under the python kernel (--kernel python --probe latency): the probe thread
// is a Python I/O thread. It keeps one thread state of the main interpreter for the whole run
// (PyGILState_Ensure once, in attach()) and per event does what CPython does around a blocking
// recv(): Py_END_ALLOW_THREADS when the read returns (PyEval_RestoreThread: take_gil, the real
// GIL's request/forced-switch protocol), a Python handler, Py_BEGIN_ALLOW_THREADS before the next
// read (PyEval_SaveThread: drop_gil). Creating and deleting a thread state per event
// (PyGILState_Ensure/Release from a thread without one) is not what an I/O thread does, so not
// done here.
#include <chrono>
#include <cstdint>
#include <string>

#include "sweep/probe.hpp"

namespace gilbench::python {

class Interpreter;
struct PyObject;
struct PyThreadState;

/// The handler's iterations for `work` at `rate` iterations/s of the countdown (0: no handler).
std::uint64_t handler_iterations(std::chrono::nanoseconds work, double rate);

/// The real GIL of `py`'s main interpreter. The handler is `gilbench_probe_handler(n)`, the
/// countdown's loop compiled into __main__, called with `iterations` (handler_iterations of
/// --probe-work at the python kernel's rate measured at start-up); 0: no handler, the GIL is
/// only taken and dropped.
class RealGilHolder final : public ProbeHolder {
 public:
  RealGilHolder(const Interpreter& py, std::uint64_t iterations);
  /// Throws Error(runtime) when the handler does not compile.
  void attach() override;
  void take(gil::Counters& c, std::vector<gil::TraceEvent>* trace) override;
  /// A Python exception in the handler (never expected) is kept; error() reports it.
  void work() override;
  void release(gil::Counters& c, std::vector<gil::TraceEvent>* trace) override;
  void detach() override;
  /// The first Python exception the handler raised ("" when none); read after the probe stopped.
  [[nodiscard]] const std::string& error() const noexcept { return error_; }

 private:
  const Interpreter& py_;
  std::uint64_t iterations_;
  PyObject* handler_ = nullptr;
  PyObject* arg_ = nullptr;  // the int `iterations_`, made once
  PyThreadState* state_ = nullptr;
  int gilstate_ = 0;
  std::string error_;
};

}  // namespace gilbench::python
