#pragma once
// The CPython embedded in this rank: started once (Py_InitializeEx(0): gilbench's own signal
// handlers stay), the countdown compiled afresh before every run (renew_kernel), the GIL
// released by the main thread so that any OpenMP worker can take it. With --interpreters K
// (3.12+): K-1 more subinterpreters, each with its own GIL (PEP 684) and its own countdown;
// interpreter 0 is the main one. All of it (and the subinterpreters' end) outside the timed
// region of any run.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "python/api.hpp"
#include "python/library.hpp"

namespace gilbench::python {

/// What was loaded, as the launch records it.
struct Info {
  std::string library, executable;
  std::string version;         ///< "3.11.2"
  std::string implementation;  ///< platform.python_implementation(): CPython
  int major = 0, minor = 0;
  bool debug = false;          ///< a --with-pydebug build (sys.gettotalrefcount exists)
  bool gil_disabled = false;   ///< a free-threaded build (Py_GIL_DISABLED) with the GIL off at run time
  bool free_threaded = false;  ///< built with Py_GIL_DISABLED
  /// The lock a python run is recorded under: cpython-gil, or cpython-nogil (free-threaded, GIL off).
  [[nodiscard]] const char* lock() const { return gil_disabled ? "cpython-nogil" : "cpython-gil"; }
};

/// The countdown as run by every worker (the book's loop; it returns the iterations it did).
inline constexpr const char* kCountdownSource =
    "def countdown(n):\n"
    "    k = n\n"
    "    while n > 0:\n"
    "        n -= 1\n"
    "    return k - n\n";

class Interpreter {
 public:
  /// Loads and starts the interpreter. Throws Error(usage) when the library is unusable,
  /// Error(runtime) when the interpreter fails to start or to compile the kernel.
  explicit Interpreter(const Location& where);
  ~Interpreter();
  Interpreter(const Interpreter&) = delete;
  Interpreter& operator=(const Interpreter&) = delete;

  [[nodiscard]] const Info& info() const { return info_; }
  [[nodiscard]] const Api& api() const { return api_; }

  /// 3.x: sys.setswitchinterval(seconds) in every interpreter (each GIL has its own interval; the
  /// constructing thread only); returns the main one's sys.getswitchinterval() (what is in force).
  double set_switch_interval(double seconds) const;
  /// 2.x: sys.setcheckinterval(ticks); returns sys.getcheckinterval().
  std::int64_t set_check_interval(std::int64_t ticks) const;

  /// Any thread: attaches a thread state (PyGILState_Ensure), runs countdown(n), detaches.
  /// Returns the iterations the loop reports; a Python exception leaves 0 and its text in `error`.
  std::uint64_t count(std::uint64_t n, std::string& error) const;

  /// REQUIRES: the thread that constructed this, no subinterpreter yet, CPython 3.12+.
  /// Interpreters 1..k-1 as new subinterpreters, each with its own GIL (Py_NewInterpreterFromConfig,
  /// PyInterpreterConfig_OWN_GIL, isolated: own obmalloc, no fork/exec/daemon threads, single-phase
  /// extensions refused) and its kernel compiled. Throws Error(runtime) when one cannot be made.
  void add_subinterpreters(int k);
  /// 1 + the subinterpreters.
  [[nodiscard]] int interpreters() const { return 1 + static_cast<int>(subs_.size()); }
  /// Any thread: countdown(n) in interpreter `i` (0: the main one, as count(); else a thread state
  /// of its own for the call, PyThreadState_New + PyEval_RestoreThread, since PyGILState_* does
  /// not support subinterpreters). Same contract as count().
  std::uint64_t count_in(int i, std::uint64_t n, std::string& error) const;
  /// Any thread, nothing attached: PyThreadState_SetAsyncExc(thread, exc) in interpreter `i` (the
  /// call looks at that interpreter's threads only; `thread` as PyThread_get_thread_ident(), exc
  /// null: clear a pending one). Returns its result (1: raised in that thread; 0: no such thread
  /// there), 0 when the library lacks it. For python/stop_watch.cpp.
  int set_async_exc_in(int i, unsigned long thread, PyObject* exc) const;
  /// Inside an attached thread state (the GIL held): countdown(n) on `fn` (the kernel of the
  /// thread state's interpreter). Same contract as count().
  std::uint64_t call(PyObject* fn, std::uint64_t n, std::string& error) const;

  /// The thread that constructed this, nothing attached: compiles the countdown afresh in every
  /// interpreter (a new code object, as the book's script has on its one call). CPython 3.11
  /// quickens a code object on its 8th call (QUICKENING_WARMUP_DELAY), so reusing one function
  /// would run the first runs of a launch unspecialised and the later ones specialised (~1.35×
  /// faster): the sweep renews the kernel before every run, which makes every repetition measure
  /// the state the standalone script measures. Throws Error(runtime) when it does not compile.
  void renew_kernel() const;

  /// Sequential countdown rate (iterations/s) measured for about `seconds` (each call on a
  /// renewed kernel, like the runs).
  double measure_rate(double seconds) const;

  /// With the GIL held: the value of a Python expression, as text (for provenance).
  std::string eval_text(const char* expr) const;
  /// With the GIL held: the text of the pending exception, cleared.
  std::string take_error() const;

  /// With the GIL held: compiles the kernel into __main__ of the current interpreter; returns
  /// the function (a new reference), or null with `error`.
  PyObject* compile_kernel(std::string& error) const;

 private:
  Api api_;
  Info info_;
  /// A subinterpreter: the thread state it was created with (the constructing thread's, kept for
  /// its end), the interpreter, its countdown.
  struct Sub {
    PyThreadState* state = nullptr;
    void* interp = nullptr;
    mutable PyObject* countdown = nullptr;  // renewed before every run (renew_kernel)
  };
  /// Constructing thread, nothing attached: runs `code` in subinterpreter `s`; false on an exception.
  bool run_in(const Sub& s, const std::string& code) const;
  /// Constructing thread, nothing attached: attaching a thread state binds it as the thread's
  /// PyGILState state; the main state is attached once more so that PyGILState_Ensure on this
  /// thread finds the main interpreter again, not the last subinterpreter used here.
  void rebind_main() const;
  void end_subinterpreters();

  mutable PyObject* countdown_ = nullptr;  // main interpreter's, renewed before every run (renew_kernel)
  PyThreadState* main_state_ = nullptr;
  std::vector<Sub> subs_;
  wchar_t* program_w_ = nullptr;
  std::string program_;
};

}  // namespace gilbench::python
