"""spack_repo's package.py, loaded with stub `spack` modules: a version that resolves (the main
branch of a real git URL, no tag that does not exist), the analysis stack as test dependencies,
the Slurm tests off and the analysis tests on Spack's python; +python: python+shared a build and
run dependency and its libpython the configured default interpreter (GILBENCH_DEFAULT_PYTHON),
~python: none configured.
usage: /usr/bin/python3 spack_package.py <repo>"""
import os
import subprocess
import sys
import types

repo = os.path.abspath(sys.argv[1])
calls = []


def recorder(name):
    def f(*a, **k):
        calls.append((name, a, k))
    return f


class CMakePackage:
    def define(self, name, value):
        return (name, value)

    def define_from_variant(self, name, variant):
        return (name, "variant:" + variant)


api = types.ModuleType("spack.package")
for n in ("version", "variant", "conflicts", "depends_on"):
    setattr(api, n, recorder(n))


class _When:
    def __init__(self, *a):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        return False

    def __call__(self, f):
        return f


api.when = _When
api.join_path = os.path.join
api.which = recorder("which")
api.__all__ = ["version", "variant", "conflicts", "depends_on", "when", "join_path", "which"]
cm = types.ModuleType("spack_repo.builtin.build_systems.cmake")
cm.CMakePackage = CMakePackage
for m in ("spack", "spack_repo", "spack_repo.builtin", "spack_repo.builtin.build_systems"):
    sys.modules[m] = types.ModuleType(m)
sys.modules["spack.package"] = api
sys.modules["spack_repo.builtin.build_systems.cmake"] = cm

path = os.path.join(repo, "spack_repo/gilbench/packages/gilbench/package.py")
ns = {"__file__": path, "__name__": "gilbench_package"}
exec(compile(open(path).read(), path, "exec"), ns)
P = ns["Gilbench"]
fail = []

versions = [(a, k) for n, a, k in calls if n == "version"]
if ("main",) not in [a for a, _ in versions] or not any(k.get("branch") == "main" for _, k in versions):
    fail.append(f"no version('main', branch='main'): {versions}")
for _, k in versions:
    tag = k.get("tag")
    if tag and subprocess.run(["git", "-C", repo, "rev-parse", "-q", "--verify", f"refs/tags/{tag}"],
                              capture_output=True).returncode != 0:
        fail.append(f"version names tag {tag}, which does not exist")
url = P.git
if "gilbench/gilbench" in url:
    fail.append(f"git URL is the old placeholder: {url}")
if url.startswith("file://"):
    d = url[len("file://"):]
    if os.path.realpath(d) != os.path.realpath(repo):
        fail.append(f"git URL {url} is not this checkout {repo}")
    if subprocess.run(["git", "-C", d, "rev-parse", "--git-dir"], capture_output=True).returncode:
        fail.append(f"git URL {url} is not a git repository")

for dep in ("py-h5py", "py-pandas", "py-matplotlib", "py-scipy", "py-pytest", "python@3.9:"):
    types_ = [k.get("type") for n, a, k in calls if n == "depends_on" and a[0] == dep and "when" not in k]
    if not any(t == "test" or (isinstance(t, tuple) and "test" in t) for t in types_):
        fail.append(f"{dep} is not a test dependency (types {types_})")


variants = {a[0]: k for n, a, k in calls if n == "variant"}
if "python" not in variants:
    fail.append(f"no variant python (has {sorted(variants)})")
elif not isinstance(variants["python"].get("default"), bool):
    fail.append(f"variant python has no boolean default: {variants['python']}")
shared = [k for n, a, k in calls if n == "depends_on" and a[0] == "python+shared"]
if [k.get("when") for k in shared] != ["+python"]:
    fail.append(f"want depends_on('python+shared', when='+python') once, got {shared}")
elif not all(t in (shared[0].get("type") or ("build", "link")) for t in ("build", "run")):
    fail.append(f"python+shared must be a build and run dependency (dlopen at run time): {shared[0]}")


class _Cmd:
    path = "/spack/opt/python/bin/python3"


LIBPYTHON = "/spack/opt/python/lib/libpython3.11.so"


class _Spec:
    def __init__(self, python_variant):
        self.python_variant = python_variant

    def __getitem__(self, k):
        return types.SimpleNamespace(prefix="/spack/opt/" + k, command=_Cmd(),
                                     libs=types.SimpleNamespace(libraries=[LIBPYTHON]))

    def satisfies(self, s):
        return s == "^python" or (s == "+python" and self.python_variant)


def cmake_args(python_variant):
    pkg = P.__new__(P)
    pkg.spec = _Spec(python_variant)
    pkg.run_tests = True
    return dict(pkg.cmake_args())


if cmake_args(True).get("GILBENCH_DEFAULT_PYTHON") != LIBPYTHON:
    fail.append(f"+python: GILBENCH_DEFAULT_PYTHON is {cmake_args(True).get('GILBENCH_DEFAULT_PYTHON')}, "
                f"not the python's libpython {LIBPYTHON}")
if "GILBENCH_DEFAULT_PYTHON" in cmake_args(False):
    fail.append(f"~python still sets GILBENCH_DEFAULT_PYTHON={cmake_args(False)['GILBENCH_DEFAULT_PYTHON']}")
args = cmake_args(True)
if args.get("GILBENCH_SLURM_TESTS") is not False:
    fail.append(f"GILBENCH_SLURM_TESTS not off: {args.get('GILBENCH_SLURM_TESTS')}")
for k in ("GILBENCH_ANALYSIS_PYTHON", "Python3_EXECUTABLE"):
    if args.get(k) != _Cmd.path:
        fail.append(f"{k} is not Spack's python: {args.get(k)}")
if fail:
    sys.exit("FAIL: package.py: " + "; ".join(fail))
print(f"package.py: version main from {url}, test deps, Slurm tests off, analysis on Spack's python, "
      f"+python: GILBENCH_DEFAULT_PYTHON={LIBPYTHON}")
