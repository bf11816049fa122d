#include "python/interpreter.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>

#include "app/exit_codes.hpp"

namespace gilbench::python {
namespace {

/// Test hook: a different kernel (e.g. one that raises) to exercise the INVALID path.
const char* kernel_source() {
  const char* hook = std::getenv("GILBENCH_TEST_PYTHON_KERNEL");
  return hook != nullptr && *hook != '\0' ? hook : kCountdownSource;
}

/// The GIL for one call from any thread of the main interpreter.
class Attached {
 public:
  explicit Attached(const Api& a) : a_(a), state_(a.PyGILState_Ensure()) {}
  ~Attached() { a_.PyGILState_Release(state_); }
  Attached(const Attached&) = delete;
  Attached& operator=(const Attached&) = delete;

 private:
  const Api& a_;
  int state_;
};

/// A thread state of its own in a subinterpreter, for one call from any thread: made and
/// attached (that interpreter's GIL taken), then cleared and deleted (the GIL let go).
/// PyGILState_* does not support subinterpreters.
class AttachedSub {
 public:
  AttachedSub(const Api& a, void* interp) : a_(a), state_(a.PyThreadState_New(interp)) {
    if (state_ != nullptr) a_.PyEval_RestoreThread(state_);
  }
  ~AttachedSub() {
    if (state_ == nullptr) return;
    a_.PyThreadState_Clear(state_);
    a_.PyThreadState_DeleteCurrent();
  }
  AttachedSub(const AttachedSub&) = delete;
  AttachedSub& operator=(const AttachedSub&) = delete;
  [[nodiscard]] bool attached() const { return state_ != nullptr; }

 private:
  const Api& a_;
  PyThreadState* state_;
};

}  // namespace

Interpreter::Interpreter(const Location& where) : api_(load(where.library)) {
  info_.library = where.library;
  info_.executable = where.executable;
  info_.major = api_.major;
  info_.minor = api_.minor;
  if (api_.Py_IsInitialized != nullptr && api_.Py_IsInitialized() != 0)
    throw Error(ExitCode::runtime, "--python: " + where.library + " is already initialised in this process");
  program_ = where.executable;
  if (!program_.empty()) {
    if (api_.major == 2) {
      api_.Py_SetProgramName(const_cast<char*>(program_.c_str()));
    } else if (api_.Py_DecodeLocale != nullptr) {
      program_w_ = api_.Py_DecodeLocale(program_.c_str(), nullptr);
      if (program_w_ != nullptr) api_.Py_SetProgramName(program_w_);
    }
  }
  api_.Py_InitializeEx(0);  // 0: no signal handlers of Python's own (gilbench keeps SIGINT/SIGTERM)
  if (api_.Py_IsInitialized != nullptr && api_.Py_IsInitialized() == 0)
    throw Error(ExitCode::runtime, "--python: " + where.library + " failed to initialise");
  if ((api_.major == 2 || api_.minor < 7) && api_.PyEval_InitThreads != nullptr) api_.PyEval_InitThreads();
  info_.version = eval_text("'%d.%d.%d' % __import__('sys').version_info[:3]");
  info_.implementation = eval_text("__import__('platform').python_implementation()");
  info_.debug = eval_text("int(hasattr(__import__('sys'), 'gettotalrefcount'))") == "1";
  info_.free_threaded = eval_text("int(bool(__import__('sysconfig').get_config_var('Py_GIL_DISABLED')))") == "1";
  info_.gil_disabled = info_.free_threaded &&
                       eval_text("int(getattr(__import__('sys'), '_is_gil_enabled', lambda: True)())") == "0";
  std::string error;
  countdown_ = compile_kernel(error);
  if (countdown_ == nullptr) throw Error(ExitCode::runtime, "--python: the countdown kernel did not compile: " + error);
  main_state_ = api_.PyEval_SaveThread();  // the workers take the GIL from here on
}

Interpreter::~Interpreter() {
  // The main interpreter is left running: finalising would wait on whatever threads Python still
  // knows of, and the process exits right after the sweep. The subinterpreters are ended (on
  // this thread, where their thread states were made: Py_EndInterpreter needs that).
  end_subinterpreters();
}

void Interpreter::add_subinterpreters(int k) {
  if (k <= 1) return;
  const bool has_api = api_.Py_NewInterpreterFromConfig != nullptr && api_.PyThreadState_New != nullptr &&
                       api_.PyThreadState_Clear != nullptr && api_.PyThreadState_DeleteCurrent != nullptr &&
                       api_.PyThreadState_GetInterpreter != nullptr && api_.PyThreadState_Swap != nullptr &&
                       api_.Py_EndInterpreter != nullptr;
  if (!has_api || api_.major != 3 || api_.minor < 12)
    throw Error(ExitCode::runtime, "--interpreters: " + info_.library +
                                       " has no Py_NewInterpreterFromConfig (a GIL per interpreter needs CPython "
                                       "3.12 or later)");
  PyInterpreterConfig config{};
  config.use_main_obmalloc = 0;  // own-GIL interpreters need their own allocator state
  config.allow_fork = 0;
  config.allow_exec = 0;
  config.allow_threads = 1;
  config.allow_daemon_threads = 0;
  config.check_multi_interp_extensions = 1;
  config.gil = kOwnGil;
  for (int i = 1; i < k; ++i) {
    api_.PyEval_RestoreThread(main_state_);  // creating an interpreter needs the main GIL held
    Sub sub;
    const PyStatus status = api_.Py_NewInterpreterFromConfig(&sub.state, &config);
    if (status.type != 0 || sub.state == nullptr) {
      main_state_ = api_.PyEval_SaveThread();  // on failure CPython re-attached the main state
      throw Error(ExitCode::runtime, "--interpreters: subinterpreter " + std::to_string(i) +
                                         " could not be created (Py_NewInterpreterFromConfig: " +
                                         (status.err_msg != nullptr ? status.err_msg : "failed") + ")");
    }
    // The new interpreter's thread state is attached and its own GIL held.
    sub.interp = api_.PyThreadState_GetInterpreter(sub.state);
    std::string error;
    sub.countdown = compile_kernel(error);
    // Back to the main state (3.12+: lets the new GIL go, takes the main one), then let that go.
    api_.PyThreadState_Swap(main_state_);
    main_state_ = api_.PyEval_SaveThread();
    subs_.push_back(sub);  // ended with the others, whatever happens next
    if (sub.countdown == nullptr)
      throw Error(ExitCode::runtime, "--interpreters: the countdown kernel did not compile in subinterpreter " +
                                         std::to_string(i) + ": " + error);
  }
  rebind_main();
}

void Interpreter::rebind_main() const {
  api_.PyEval_RestoreThread(main_state_);
  api_.PyEval_SaveThread();
}

bool Interpreter::run_in(const Sub& s, const std::string& code) const {
  api_.PyEval_RestoreThread(s.state);
  const bool ok = api_.PyRun_SimpleStringFlags(code.c_str(), nullptr) == 0;
  api_.PyEval_SaveThread();
  rebind_main();
  return ok;
}

void Interpreter::end_subinterpreters() {
  if (subs_.empty()) return;
  for (const Sub& s : subs_) {
    api_.PyEval_RestoreThread(s.state);
    api_.Py_EndInterpreter(s.state);  // leaves no thread state attached
  }
  subs_.clear();
  rebind_main();
}

std::uint64_t Interpreter::count_in(int i, std::uint64_t n, std::string& error) const {
  if (i <= 0) return count(n, error);
  if (i > static_cast<int>(subs_.size())) {
    error = "no subinterpreter " + std::to_string(i);
    return 0;
  }
  const Sub& s = subs_[static_cast<std::size_t>(i - 1)];
  const AttachedSub gil(api_, s.interp);  // that interpreter's own GIL
  if (!gil.attached()) {
    error = "PyThreadState_New failed in subinterpreter " + std::to_string(i);
    return 0;
  }
  return call(s.countdown, n, error);
}

PyObject* Interpreter::compile_kernel(std::string& error) const {
  if (api_.PyRun_SimpleStringFlags(kernel_source(), nullptr) != 0) {
    error = "PyRun_SimpleString failed (the traceback is on stderr)";
    return nullptr;
  }
  PyObject* main = api_.PyImport_AddModule("__main__");
  PyObject* fn = main != nullptr ? api_.PyDict_GetItemString(api_.PyModule_GetDict(main), "countdown") : nullptr;
  if (fn == nullptr) {
    error = "no function countdown in __main__";
    return nullptr;
  }
  return fn;  // borrowed from __main__, which lives as long as the interpreter
}

std::string Interpreter::take_error() const {
  PyObject *type = nullptr, *value = nullptr, *tb = nullptr;
  api_.PyErr_Fetch(&type, &value, &tb);
  std::string text = "unknown Python error";
  if (PyObject* what = value != nullptr ? value : type; what != nullptr) {
    if (PyObject* s = api_.PyObject_Str(what); s != nullptr) {
      const char* c = api_.major == 2 ? api_.PyString_AsString(s) : api_.PyUnicode_AsUTF8(s);
      if (c != nullptr) text = c;
      api_.Py_DecRef(s);
    }
    if (PyObject* ts = type != nullptr ? api_.PyObject_Str(type) : nullptr; ts != nullptr) {
      const char* c = api_.major == 2 ? api_.PyString_AsString(ts) : api_.PyUnicode_AsUTF8(ts);
      if (c != nullptr) text = std::string(c) + ": " + text;
      api_.Py_DecRef(ts);
    }
  }
  for (PyObject* o : {type, value, tb})
    if (o != nullptr) api_.Py_DecRef(o);
  api_.PyErr_Clear();
  return text;
}

std::string Interpreter::eval_text(const char* expr) const {
  PyObject* main = api_.PyImport_AddModule("__main__");
  PyObject* globals = api_.PyModule_GetDict(main);
  PyObject* v = api_.PyRun_StringFlags(expr, kEvalInput, globals, globals, nullptr);
  if (v == nullptr) return "?" + take_error();
  PyObject* s = api_.PyObject_Str(v);
  api_.Py_DecRef(v);
  if (s == nullptr) return "?" + take_error();
  const char* c = api_.major == 2 ? api_.PyString_AsString(s) : api_.PyUnicode_AsUTF8(s);
  std::string out = c != nullptr ? c : "";
  api_.Py_DecRef(s);
  return out;
}

double Interpreter::set_switch_interval(double seconds) const {
  const std::string code = "__import__('sys').setswitchinterval(" + std::to_string(seconds) + ")\n";
  for (const Sub& s : subs_)
    if (!run_in(s, code))
      throw Error(ExitCode::runtime,
                  "sys.setswitchinterval(" + std::to_string(seconds) + ") failed in a subinterpreter");
  Attached gil(api_);
  if (api_.PyRun_SimpleStringFlags(code.c_str(), nullptr) != 0)
    throw Error(ExitCode::runtime, "sys.setswitchinterval(" + std::to_string(seconds) + ") failed");
  return std::strtod(eval_text("repr(__import__('sys').getswitchinterval())").c_str(), nullptr);
}

std::int64_t Interpreter::set_check_interval(std::int64_t ticks) const {
  Attached gil(api_);
  const std::string code = "__import__('sys').setcheckinterval(" + std::to_string(ticks) + ")\n";
  if (api_.PyRun_SimpleStringFlags(code.c_str(), nullptr) != 0)
    throw Error(ExitCode::runtime, "sys.setcheckinterval(" + std::to_string(ticks) + ") failed");
  return std::strtoll(eval_text("__import__('sys').getcheckinterval()").c_str(), nullptr, 10);
}

namespace {

/// Live ints held across a countdown call. The loop allocates one int and frees one per
/// iteration (`n -= 1`); when those two blocks cycle through an obmalloc pool that has no other
/// spare block, every iteration takes the pool's slow paths (full: unlink; a block back: relink
/// at the head), ~15 more instructions a iteration, ~3 % of the loop (callgrind, 3.11.7, 2M
/// iterations: _PyObject_Free + _PyObject_Malloc 157.5M instead of 127.5M; the eval loop 356.5M
/// either way). Whether a process is in that state is its allocation history's luck — the
/// standalone script is in it with one line more or fewer before the call. Taking a few dozen
/// blocks first moves the loop's ints into a pool with room to spare unless that pool happens
/// to end up with exactly one, so every run measures the common state.
constexpr int kAllocatorSlack = 64;

}  // namespace

std::uint64_t Interpreter::call(PyObject* fn, std::uint64_t n, std::string& error) const {
  std::array<PyObject*, kAllocatorSlack> slack{};
  for (int i = 0; i < kAllocatorSlack; ++i)  // values above the small-int cache: real allocations
    slack[static_cast<std::size_t>(i)] = api_.new_int(1'000'003 + i);
  struct Release {
    const Api& a;
    std::array<PyObject*, kAllocatorSlack>& objects;
    ~Release() {
      for (PyObject* o : objects)
        if (o != nullptr) a.Py_DecRef(o);
    }
  } release{api_, slack};
  if (std::find(slack.begin(), slack.end(), nullptr) != slack.end()) {
    error = take_error();
    return 0;
  }
  PyObject* arg = api_.new_int(static_cast<long long>(n));
  if (arg == nullptr) {
    error = take_error();
    return 0;
  }
  PyObject* result = api_.PyObject_CallFunctionObjArgs(fn, arg, nullptr);
  api_.Py_DecRef(arg);
  if (result == nullptr) {
    error = take_error();
    return 0;
  }
  const long long done = api_.major == 2 ? api_.PyInt_AsLong(result) : api_.PyLong_AsLongLong(result);
  api_.Py_DecRef(result);
  if (api_.PyErr_Occurred() != nullptr) {
    error = "countdown returned no integer: " + take_error();
    return 0;
  }
  return done < 0 ? 0 : static_cast<std::uint64_t>(done);
}

std::uint64_t Interpreter::count(std::uint64_t n, std::string& error) const {
  Attached gil(api_);
  return call(countdown_, n, error);
}

int Interpreter::set_async_exc_in(int i, unsigned long thread, PyObject* exc) const {
  if (api_.PyThreadState_SetAsyncExc == nullptr) return 0;
  if (i <= 0) {
    Attached gil(api_);
    return api_.PyThreadState_SetAsyncExc(thread, exc);
  }
  if (i > static_cast<int>(subs_.size())) return 0;
  const AttachedSub gil(api_, subs_[static_cast<std::size_t>(i - 1)].interp);  // its own GIL
  return gil.attached() ? api_.PyThreadState_SetAsyncExc(thread, exc) : 0;
}

void Interpreter::renew_kernel() const {
  std::string error;
  for (const Sub& s : subs_) {
    api_.PyEval_RestoreThread(s.state);
    PyObject* fn = compile_kernel(error);
    api_.PyEval_SaveThread();
    if (fn == nullptr) {
      rebind_main();
      throw Error(ExitCode::runtime, "the countdown kernel did not compile again in a subinterpreter: " + error);
    }
    s.countdown = fn;
  }
  if (!subs_.empty()) rebind_main();
  Attached gil(api_);
  PyObject* fn = compile_kernel(error);
  if (fn == nullptr) throw Error(ExitCode::runtime, "the countdown kernel did not compile again: " + error);
  countdown_ = fn;
}

double Interpreter::measure_rate(double seconds) const {
  std::uint64_t n = 1 << 14, total = 0;
  std::string error;
  double elapsed = 0;  // in the countdown only: the recompiles are outside, as in the runs
  while (elapsed < seconds) {
    renew_kernel();
    const auto t0 = std::chrono::steady_clock::now();
    total += count(n, error);
    elapsed += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!error.empty()) throw Error(ExitCode::runtime, "python kernel: " + error);
    if (elapsed < seconds / 8) n *= 2;
  }
  return static_cast<double>(total) / elapsed;
}

}  // namespace gilbench::python
