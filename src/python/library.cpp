#include "python/library.hpp"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <vector>

#include "app/exit_codes.hpp"

extern char** environ;

namespace gilbench::python {
namespace {

[[noreturn]] void refuse(const std::string& what) { throw Error(ExitCode::usage, "--python: " + what); }

bool is_file(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string base_name(const std::string& p) { return p.substr(p.find_last_of('/') + 1); }
std::string dir_name(const std::string& p) {
  const auto slash = p.find_last_of('/');
  return slash == std::string::npos ? "." : p.substr(0, slash);
}

/// A library by its name: libpython*, or *.so / *.so.N.
bool looks_like_library(const std::string& p) {
  const std::string b = base_name(p);
  return b.rfind("libpython", 0) == 0 || b.find(".so") != std::string::npos;
}

/// Runs `exe -c code` (no shell), returns its stdout, or nullopt-like "" with ok=false.
bool run_capture(const std::string& exe, const std::string& code, std::string& out) {
  int fds[2];
  if (::pipe(fds) != 0) return false;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_addclose(&fa, fds[0]);
  posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv = {const_cast<char*>(exe.c_str()), const_cast<char*>("-c"), const_cast<char*>(code.c_str()),
                             nullptr};
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  ::close(fds[1]);
  if (rc != 0) {
    ::close(fds[0]);
    return false;
  }
  char buf[4096];
  for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// 2.7 and 3.x alike: the executable, and the shared library next to LIBDIR (or its INSTSONAME).
constexpr const char* kAsk =
    "import sys, sysconfig\n"
    "v = sysconfig.get_config_var\n"
    "print('gilbench-python')\n"
    "print(sys.executable)\n"
    "print(v('LIBDIR') or '')\n"
    "print(v('LDLIBRARY') or '')\n"
    "print(v('INSTSONAME') or '')\n"
    "print(v('Py_ENABLE_SHARED') or 0)\n";

Location from_executable(const std::string& exe) {
  if (::access(exe.c_str(), X_OK) != 0) refuse(exe + " is neither an executable python nor a libpython*.so");
  std::string out;
  const bool ok = run_capture(exe, kAsk, out);
  std::istringstream in(out);
  std::string tag, executable, libdir, ldlibrary, soname, shared;
  std::getline(in, tag), std::getline(in, executable), std::getline(in, libdir), std::getline(in, ldlibrary),
      std::getline(in, soname), std::getline(in, shared);
  if (!ok || tag != "gilbench-python")
    refuse(exe +
           " is not a CPython (running it with -c 'import sysconfig' failed); pass a python executable or "
           "its libpython*.so");
  for (const std::string& name : {soname, ldlibrary})
    if (!name.empty() && name.find(".so") != std::string::npos && is_file(libdir + "/" + name))
      return {libdir + "/" + name, executable.empty() ? exe : executable};
  refuse(exe +
         " has no shared libpython (built without --enable-shared, or linked statically as Debian's "
         "/usr/bin/python3.X); pass its libpython*.so, e.g. " +
         std::string(kDebianLibrary));
}

/// The executable beside a library: LIBDIR/../bin/pythonX.Y (pyenv, /usr/local) or, for
/// Debian's multiarch LIBDIR, /usr/bin/pythonX.Y.
std::string executable_for(const std::string& library) {
  const std::string b = base_name(library);
  const std::string rest = b.rfind("libpython", 0) == 0 ? b.substr(9) : "";
  const std::string ver = rest.substr(0, rest.find(".so"));  // "3.11", "3.7m", "2.7"
  if (ver.empty()) return "";
  std::string v = ver;
  if (!v.empty() && v.back() == 'm') v.pop_back();
  const std::string dir = dir_name(library);
  for (const std::string& cand : {dir + "/../bin/python" + v, dir + "/../../bin/python" + v})
    if (::access(cand.c_str(), X_OK) == 0) return cand;
  return "";
}

}  // namespace

#ifndef GILBENCH_DEFAULT_PYTHON
#define GILBENCH_DEFAULT_PYTHON ""
#endif

const char* configured_default() { return GILBENCH_DEFAULT_PYTHON; }

std::vector<std::string> default_candidates() {
  std::vector<std::string> c;
  for (const std::string& p : {std::string(configured_default()), std::string(kDebianLibrary)})
    if (!p.empty() && is_file(p) && (c.empty() || c.front() != p)) c.push_back(p);
  return c;
}

std::string describe_default() {
  const std::string configured = configured_default();
  return (configured.empty() ? "" : configured + " (GILBENCH_DEFAULT_PYTHON of the build), else ") + kDebianLibrary +
         ", else the libpython of the python3 on PATH";
}

Location locate(const std::string& path) {
  if (path.empty()) {
    const std::vector<std::string> candidates = default_candidates();
    if (!candidates.empty()) return locate(candidates.front());
    // The python3 on PATH, if it has a shared library.
    const char* env = std::getenv("PATH");
    std::istringstream dirs(env != nullptr ? env : "");
    for (std::string d; std::getline(dirs, d, ':');) {
      const std::string exe = (d.empty() ? "." : d) + "/python3";
      if (::access(exe.c_str(), X_OK) != 0) continue;
      try {
        return from_executable(exe);
      } catch (const Error&) {
        break;
      }
    }
    const std::string configured = configured_default();
    throw Error(ExitCode::usage, "--kernel python: no shared CPython found (neither " +
                                     (configured.empty() ? "" : configured + " nor ") + kDebianLibrary +
                                     " nor a python3 on PATH with a libpython); install libpython3.11 or name one "
                                     "with --python PATH");
  }
  if (!is_file(path)) refuse(path + ": no such file");
  if (looks_like_library(path)) return {path, executable_for(path)};
  return from_executable(path);
}

namespace {

template <class F>
void bind(void* h, const char* name, F& slot) {
  slot = reinterpret_cast<F>(::dlsym(h, name));
}

}  // namespace

Api load(const std::string& library) {
  void* h = ::dlopen(library.c_str(), RTLD_NOW | RTLD_GLOBAL);
  if (h == nullptr) {
    const char* err = ::dlerror();
    refuse("cannot load " + library + " (" + (err != nullptr ? err : "dlopen failed") + ")");
  }
  Api a;
#define GILBENCH_BIND(name) bind(h, #name, a.name)
  GILBENCH_BIND(Py_GetVersion);
  GILBENCH_BIND(Py_InitializeEx);
  if (a.Py_GetVersion == nullptr || a.Py_InitializeEx == nullptr) refuse(library + " is not a CPython library");
  GILBENCH_BIND(Py_SetProgramName);
  GILBENCH_BIND(Py_DecodeLocale);
  GILBENCH_BIND(Py_IsInitialized);
  GILBENCH_BIND(Py_FinalizeEx);
  GILBENCH_BIND(Py_Finalize);
  GILBENCH_BIND(PyEval_InitThreads);
  GILBENCH_BIND(PyEval_SaveThread);
  GILBENCH_BIND(PyEval_RestoreThread);
  GILBENCH_BIND(PyGILState_Ensure);
  GILBENCH_BIND(PyGILState_Release);
  GILBENCH_BIND(PyRun_SimpleStringFlags);
  GILBENCH_BIND(PyRun_StringFlags);
  GILBENCH_BIND(PyImport_AddModule);
  GILBENCH_BIND(PyModule_GetDict);
  GILBENCH_BIND(PyDict_GetItemString);
  GILBENCH_BIND(PyObject_CallFunctionObjArgs);
  GILBENCH_BIND(PyObject_Str);
  GILBENCH_BIND(PyLong_FromLongLong);
  GILBENCH_BIND(PyLong_AsLongLong);
  GILBENCH_BIND(PyInt_FromSsize_t);
  GILBENCH_BIND(PyInt_AsLong);
  GILBENCH_BIND(PyUnicode_AsUTF8);
  GILBENCH_BIND(PyString_AsString);
  GILBENCH_BIND(PyErr_Occurred);
  GILBENCH_BIND(PyErr_Fetch);
  GILBENCH_BIND(PyErr_Clear);
  GILBENCH_BIND(Py_DecRef);
  GILBENCH_BIND(PyThreadState_New);
  GILBENCH_BIND(PyThreadState_Clear);
  GILBENCH_BIND(PyThreadState_DeleteCurrent);
  GILBENCH_BIND(PyThreadState_GetInterpreter);
  GILBENCH_BIND(PyThreadState_Swap);
  GILBENCH_BIND(Py_EndInterpreter);
  GILBENCH_BIND(Py_NewInterpreterFromConfig);
  GILBENCH_BIND(PyThreadState_SetAsyncExc);  // python/stop_watch.cpp
  GILBENCH_BIND(PyExc_KeyboardInterrupt);
#undef GILBENCH_BIND
  const std::string v = a.Py_GetVersion();
  if (std::sscanf(v.c_str(), "%d.%d", &a.major, &a.minor) != 2 || (a.major != 2 && a.major != 3) ||
      (a.major == 2 && a.minor < 7) || (a.major == 3 && a.minor < 6))
    refuse(library + " is CPython " + v.substr(0, v.find(' ')) + "; gilbench embeds 2.7 or 3.6 and later");
  const bool text_ok = a.major == 2 ? (a.PyInt_FromSsize_t && a.PyInt_AsLong && a.PyString_AsString)
                                    : (a.PyLong_FromLongLong && a.PyLong_AsLongLong && a.PyUnicode_AsUTF8);
  if (!text_ok || !a.PyEval_SaveThread || !a.PyEval_RestoreThread || !a.PyGILState_Ensure || !a.PyGILState_Release ||
      !a.PyRun_SimpleStringFlags || !a.PyRun_StringFlags || !a.PyImport_AddModule || !a.PyModule_GetDict ||
      !a.PyDict_GetItemString || !a.PyObject_CallFunctionObjArgs || !a.PyObject_Str || !a.PyErr_Occurred ||
      !a.PyErr_Fetch || !a.PyErr_Clear || !a.Py_DecRef || !a.Py_SetProgramName)
    refuse(library + " lacks part of the C API gilbench calls (not a CPython library?)");
  return a;
}

}  // namespace gilbench::python
