#include "python/probe_holder.hpp"

#include <algorithm>
#include <cmath>

#include "app/exit_codes.hpp"
#include "python/interpreter.hpp"

namespace gilbench::python {
namespace {

/// The countdown's loop (kCountdownSource's), under its own name: the kernel's `countdown` in
/// __main__ is left alone (the interpreter holds a borrowed reference to it).
constexpr const char* kHandlerSource =
    "def gilbench_probe_handler(n):\n"
    "    while n > 0:\n"
    "        n -= 1\n";

}  // namespace

std::uint64_t handler_iterations(std::chrono::nanoseconds work, double rate) {
  if (work.count() <= 0 || !(rate > 0)) return 0;
  return static_cast<std::uint64_t>(std::max(1.0, std::round(static_cast<double>(work.count()) * 1e-9 * rate)));
}

RealGilHolder::RealGilHolder(const Interpreter& py, std::uint64_t iterations) : py_(py), iterations_(iterations) {}

void RealGilHolder::attach() {
  const Api& a = py_.api();
  gilstate_ = a.PyGILState_Ensure();  // this thread's state, kept for the run
  std::string error;
  if (iterations_ > 0) {
    PyObject* main = a.PyImport_AddModule("__main__");
    PyObject* globals = main != nullptr ? a.PyModule_GetDict(main) : nullptr;
    if (globals != nullptr && a.PyDict_GetItemString(globals, "gilbench_probe_handler") == nullptr &&
        a.PyRun_SimpleStringFlags(kHandlerSource, nullptr) != 0)
      error = "PyRun_SimpleString failed";
    handler_ = globals != nullptr ? a.PyDict_GetItemString(globals, "gilbench_probe_handler") : nullptr;
    arg_ = a.new_int(static_cast<long long>(iterations_));
    if (handler_ == nullptr || arg_ == nullptr) {
      if (error.empty()) error = a.PyErr_Occurred() != nullptr ? py_.take_error() : "no gilbench_probe_handler";
      if (arg_ != nullptr) a.Py_DecRef(arg_);
      a.PyGILState_Release(gilstate_);
      throw Error(ExitCode::runtime, "latency probe: the Python handler did not compile: " + error);
    }
  }
  state_ = a.PyEval_SaveThread();  // blocked in "recv()": the GIL is the workers'
}

void RealGilHolder::take(gil::Counters& c, std::vector<gil::TraceEvent>* /*trace: the emulation's only*/) {
  py_.api().PyEval_RestoreThread(state_);  // Py_END_ALLOW_THREADS: take_gil
  ++c.acquisitions;
}

void RealGilHolder::work() {
  if (handler_ == nullptr) return;
  const Api& a = py_.api();
  PyObject* r = a.PyObject_CallFunctionObjArgs(handler_, arg_, nullptr);
  if (r != nullptr) {
    a.Py_DecRef(r);
  } else {
    const std::string e = py_.take_error();
    if (error_.empty()) error_ = e;
  }
}

void RealGilHolder::release(gil::Counters& /*c*/, std::vector<gil::TraceEvent>* /*trace*/) {
  state_ = py_.api().PyEval_SaveThread();  // Py_BEGIN_ALLOW_THREADS: drop_gil
}

void RealGilHolder::detach() {
  const Api& a = py_.api();
  a.PyEval_RestoreThread(state_);
  if (arg_ != nullptr) a.Py_DecRef(arg_);
  arg_ = nullptr;
  a.PyGILState_Release(gilstate_);  // the thread state goes with the thread's last use
}

}  // namespace gilbench::python
