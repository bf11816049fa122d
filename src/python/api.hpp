#pragma once
// The slice of CPython's C API gilbench calls, as function pointers resolved with dlsym from a
// libpython chosen at run time (no Python.h: one binary serves 2.7 and every 3.x). Objects are
// opaque; only calls that are functions in every supported version are used (never macros).
#include <cstddef>
#include <cstdint>

namespace gilbench::python {

struct PyObject;       ///< opaque
struct PyThreadState;  ///< opaque

/// PyStatus of 3.8+, returned by value by Py_NewInterpreterFromConfig.
struct PyStatus {
  int type;
  const char* func;
  const char* err_msg;
  int exitcode;
};

/// PyInterpreterConfig of 3.12/3.13 (same layout in both).
struct PyInterpreterConfig {
  int use_main_obmalloc;
  int allow_fork;
  int allow_exec;
  int allow_threads;
  int allow_daemon_threads;
  int check_multi_interp_extensions;
  int gil;  ///< 2: PyInterpreterConfig_OWN_GIL
};
inline constexpr int kOwnGil = 2;
inline constexpr int kEvalInput = 258;  ///< Py_eval_input (every version)
inline constexpr int kFileInput = 257;  ///< Py_file_input

/// Resolved entry points. A null member is absent from the loaded version (see library.cpp for
/// which are required).
struct Api {
  int major = 0, minor = 0;  ///< from Py_GetVersion()

  const char* (*Py_GetVersion)() = nullptr;
  void (*Py_SetProgramName)(void*) = nullptr;                        ///< char* on 2.7, wchar_t* on 3.x
  wchar_t* (*Py_DecodeLocale)(const char*, std::size_t*) = nullptr;  ///< 3.5+
  void (*Py_InitializeEx)(int) = nullptr;
  int (*Py_IsInitialized)() = nullptr;
  int (*Py_FinalizeEx)() = nullptr;  ///< 3.6+
  void (*Py_Finalize)() = nullptr;
  void (*PyEval_InitThreads)() = nullptr;  ///< needed before 3.7 (2.7 creates the GIL there)
  PyThreadState* (*PyEval_SaveThread)() = nullptr;
  void (*PyEval_RestoreThread)(PyThreadState*) = nullptr;
  int (*PyGILState_Ensure)() = nullptr;
  void (*PyGILState_Release)(int) = nullptr;
  int (*PyRun_SimpleStringFlags)(const char*, void*) = nullptr;
  PyObject* (*PyRun_StringFlags)(const char*, int, PyObject*, PyObject*, void*) = nullptr;
  PyObject* (*PyImport_AddModule)(const char*) = nullptr;
  PyObject* (*PyModule_GetDict)(PyObject*) = nullptr;
  PyObject* (*PyDict_GetItemString)(PyObject*, const char*) = nullptr;
  PyObject* (*PyObject_CallFunctionObjArgs)(PyObject*, ...) = nullptr;
  PyObject* (*PyObject_Str)(PyObject*) = nullptr;
  PyObject* (*PyLong_FromLongLong)(long long) = nullptr;
  long long (*PyLong_AsLongLong)(PyObject*) = nullptr;
  PyObject* (*PyInt_FromSsize_t)(std::ptrdiff_t) = nullptr;  ///< 2.7: a small int, as `countdown(20000000)` makes
  long (*PyInt_AsLong)(PyObject*) = nullptr;                 ///< 2.7
  const char* (*PyUnicode_AsUTF8)(PyObject*) = nullptr;      ///< 3.3+
  char* (*PyString_AsString)(PyObject*) = nullptr;           ///< 2.7
  PyObject* (*PyErr_Occurred)() = nullptr;
  void (*PyErr_Fetch)(PyObject**, PyObject**, PyObject**) = nullptr;
  void (*PyErr_Clear)() = nullptr;
  void (*Py_DecRef)(PyObject*) = nullptr;
  PyThreadState* (*PyThreadState_New)(void*) = nullptr;
  void (*PyThreadState_Clear)(PyThreadState*) = nullptr;
  void (*PyThreadState_DeleteCurrent)() = nullptr;
  void* (*PyThreadState_GetInterpreter)(PyThreadState*) = nullptr;  ///< 3.9+
  PyThreadState* (*PyThreadState_Swap)(PyThreadState*) = nullptr;
  void (*Py_EndInterpreter)(PyThreadState*) = nullptr;
  PyStatus (*Py_NewInterpreterFromConfig)(PyThreadState**, const PyInterpreterConfig*) = nullptr;  ///< 3.12+

  // Stopping the python kernel's workers (python/stop_watch.cpp): an exception raised in a
  // thread at its next bytecode. The id is the thread's PyThread_get_thread_ident(), i.e.
  // pthread_self(); `unsigned long` on 3.7+, `long` on 2.7 (passed alike on x86-64 and aarch64).
  int (*PyThreadState_SetAsyncExc)(unsigned long, PyObject*) = nullptr;
  PyObject** PyExc_KeyboardInterrupt = nullptr;  ///< the address of the exception type (a data symbol)

  /// With the GIL held: a new Python int (2.7's int or 3.x's int); null with an exception set.
  [[nodiscard]] PyObject* new_int(long long v) const {
    return major == 2 ? PyInt_FromSsize_t(static_cast<std::ptrdiff_t>(v)) : PyLong_FromLongLong(v);
  }
};

}  // namespace gilbench::python
