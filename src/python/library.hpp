#pragma once
// Which libpython a launch embeds, and loading it: --python PATH names a python executable
// (its shared library is found by asking it: sysconfig LIBDIR/LDLIBRARY, outside any timing)
// or a libpython*.so directly; without --python, the interpreter configured at build time
// (-DGILBENCH_DEFAULT_PYTHON=PATH, e.g. Spack's python+shared), else Debian's
// libpython3.11.so.1.0, else the shared library of the python3 on PATH. dlopen(RTLD_NOW | RTLD_GLOBAL), so extension modules
// the interpreter imports find its symbols; the C API is resolved into an Api (api.hpp).
#include <string>
#include <vector>

#include "python/api.hpp"

namespace gilbench::python {

/// Debian's shared CPython (package libpython3.11).
inline constexpr const char* kDebianLibrary = "/usr/lib/x86_64-linux-gnu/libpython3.11.so.1.0";

/// The build's GILBENCH_DEFAULT_PYTHON (a python executable or a libpython*.so, as --python
/// takes), "" when none was configured. The one place it is read (library.cpp).
const char* configured_default();

/// The defaults tried in order without --python, before the python3 on PATH: the configured
/// one, then Debian's (each only when the file exists at run time).
std::vector<std::string> default_candidates();

/// --help's words for the default ("X, else Debian's ..., else the libpython of the python3 on PATH").
std::string describe_default();

/// Where the interpreter is: the library to load and the executable to name as the program
/// (sys.executable, from which CPython finds its standard library; may be empty).
struct Location {
  std::string library;
  std::string executable;
};

/// Resolves --python PATH ("" = the default). Throws Error(usage) with one line naming
/// --python when PATH is no CPython or has no shared library.
Location locate(const std::string& path);

/// dlopen + dlsym. Throws Error(usage) when the library cannot be loaded or lacks the C API.
/// The handle is never closed (an interpreter cannot be unloaded).
Api load(const std::string& library);

}  // namespace gilbench::python
