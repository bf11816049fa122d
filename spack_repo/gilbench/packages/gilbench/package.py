# Spack recipe for gilbench (Spack >= 1.0 package API v2).
#
#   spack repo add /path/to/gilbench/spack_repo/gilbench
#   spack install gilbench                 # main branch, parallel HDF5, analysis entry point
#   spack install gilbench ~analysis ~parallel_hdf5 ^mpich
#   spack install gilbench ~python         # --kernel python: Debian's libpython3.11 or --python
#   spack install --test=root gilbench     # also builds and runs the ctest suite
#   spack test run gilbench                # smoke tests of an installed gilbench

import os

from spack_repo.builtin.build_systems.cmake import CMakePackage

from spack.package import *


class Gilbench(CMakePackage):
    """The GIL experiment for HPC: a C++20 benchmark that runs a countdown kernel over OpenMP
    threads and MPI ranks with and without emulations of CPython's global interpreter lock
    (3.2+ switch-interval GIL and the legacy check-interval GIL), writes every sample to an
    HDF5 results file, and ships a Python analysis entry point (gilbench-report)."""

    # This repository has no public host yet: the URL is the checkout this recipe sits in
    # (<repo>/spack_repo/gilbench/packages/gilbench/package.py), so `spack repo add` of a checkout
    # builds that checkout's `main` branch. A placeholder: put your hosting's URL here.
    _checkout = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 4))
    homepage = "file://" + _checkout
    git = "file://" + _checkout

    # test_find_package builds a small CMake project against the installed package
    test_requires_compiler = True

    # no release tag exists yet: the main branch is the one version
    version("main", branch="main")

    variant(
        "parallel_hdf5",
        default=True,
        description="Build against a parallel (MPI) HDF5; off: a serial HDF5 (results are "
        "written by rank 0 only, so both work)",
    )
    variant(
        "analysis",
        default=True,
        description="Install gilbench-report with the Python packages it needs at run time "
        "(h5py, numpy, pandas, matplotlib, scipy)",
    )
    variant(
        "python",
        default=True,
        description="Build against Spack's python (shared): its libpython becomes the default "
        "interpreter of --kernel python (GILBENCH_DEFAULT_PYTHON); off: Debian's libpython3.11, "
        "else the python3 on PATH, or --python at run time",
    )
    variant(
        "benchmarks",
        default=False,
        description="Build the Google Benchmark micro-benchmarks (not installed)",
    )

    # Linux scheduler APIs (sched_getaffinity, sched_getcpu) pin and report worker CPUs.
    conflicts("platform=darwin", msg="gilbench uses Linux-only affinity APIs")
    conflicts("platform=windows", msg="gilbench uses Linux-only affinity APIs")

    depends_on("c", type="build")  # FindHDF5 and FindMPI probe the C compiler
    depends_on("cxx", type="build")
    # C++20 (concepts, std::span) and OpenMP
    conflicts("%gcc@:9", msg="gilbench needs C++20: GCC 10 or newer")
    conflicts("%clang@:12", msg="gilbench needs C++20: Clang 13 or newer")

    # workflow presets; also the consumer build of test_find_package
    depends_on("cmake@3.25:", type=("build", "test"))

    depends_on("mpi")
    depends_on("cli11@2:")
    depends_on("hdf5@1.10:+hl")
    depends_on("hdf5+mpi", when="+parallel_hdf5")
    depends_on("hdf5~mpi", when="~parallel_hdf5")

    # --kernel python dlopens this libpython at run time (no link): build (its path is asked for
    # at configure time) and run (it must stay installed)
    depends_on("python+shared", type=("build", "run"), when="+python")

    depends_on("googletest@1.10:", type="test")
    depends_on("benchmark", type="build", when="+benchmarks")

    # the test suite (`spack install --test=root`): smoke tests read results with h5py, the
    # analysis tests (pytest) need the whole analysis stack, run by Spack's python
    depends_on("python@3.9:", type="test")
    depends_on("py-h5py", type="test")
    depends_on("py-numpy", type="test")
    depends_on("py-pandas", type="test")
    depends_on("py-matplotlib", type="test")
    depends_on("py-scipy", type="test")
    depends_on("py-pytest", type="test")
    # one HDF5 for the C++ and the Python side
    depends_on("py-h5py+mpi", type=("run", "test"), when="+parallel_hdf5")
    depends_on("py-h5py~mpi", type=("run", "test"), when="~parallel_hdf5")

    with when("+analysis"):
        # run: gilbench-report
        depends_on("python@3.9:", type="run")
        depends_on("py-h5py", type="run")
        depends_on("py-numpy", type="run")
        depends_on("py-pandas", type="run")
        depends_on("py-matplotlib", type="run")
        depends_on("py-scipy", type="run")

    def cmake_args(self):
        args = [
            self.define("GILBENCH_BUILD_TESTS", self.run_tests),
            self.define_from_variant("GILBENCH_BUILD_BENCHMARKS", "benchmarks"),
            self.define_from_variant("GILBENCH_INSTALL_ANALYSIS", "analysis"),
            # Spack may use newer compilers than the code was tested with: a new warning must
            # not break a user's install.
            self.define("GILBENCH_WERROR", False),
            self.define_from_variant("HDF5_PREFER_PARALLEL", "parallel_hdf5"),
            self.define("HDF5_ROOT", self.spec["hdf5"].prefix),
            # the real-Slurm tests start a private cluster as root: never in a Spack build
            self.define("GILBENCH_SLURM_TESTS", False),
        ]
        if self.spec.satisfies("+python"):
            # python+shared: `libs` is its LIBDIR/LDLIBRARY (libpython3.X.so)
            libpython = self.spec["python"].libs.libraries[0]
            args.append(self.define("GILBENCH_DEFAULT_PYTHON", libpython))
        if self.spec.satisfies("^python"):  # +analysis, or tests: the Python with h5py
            python = self.spec["python"].command.path
            args.append(self.define("Python3_EXECUTABLE", python))
            args.append(self.define("GILBENCH_ANALYSIS_PYTHON", python))  # the pytest suite
        return args

    def setup_run_environment(self, env):
        """gilbench-report (a launcher) runs the analysis under $GILBENCH_PYTHON: Spack's python,
        which `spack load gilbench` or an environment view gives h5py, pandas, ... ."""
        if self.spec.satisfies("+analysis"):
            env.set("GILBENCH_PYTHON", self.spec["python"].command.path)

    # lib/ or lib64/ (CMAKE_INSTALL_LIBDIR) holds the library and cmake/gilbench/
    sanity_check_is_dir = ["include/gilbench", "share/gilbench/jobs"]

    @property
    def sanity_check_is_file(self):
        files = [join_path("bin", "gilbench")]
        if self.spec.satisfies("+analysis"):
            files.append(join_path("bin", "gilbench-report"))
        return files

    def _tiny_run(self, out):
        gilbench = which(self.prefix.bin.gilbench, required=True)
        gilbench(
            "--count", "10M", "--threads", "2", "--repeat", "2", "--quiet", "--output", out
        )

    def test_run(self):
        """run the installed gilbench on a tiny problem and check it validates"""
        gilbench = which(self.prefix.bin.gilbench, required=True)
        text = gilbench(
            "--count", "10M", "--threads", "2", "--repeat", "2", "--output", "spack-test.h5",
            output=str, error=str,
        )
        assert "VALID" in text, "gilbench did not print its VALID line"
        assert "INVALID" not in text, "gilbench reported an INVALID run"

    @when("+analysis")
    def test_report(self):
        """summarise a tiny run with the installed gilbench-report"""
        self._tiny_run("spack-report.h5")
        report = which(self.prefix.bin.join("gilbench-report"), required=True)
        report("report", "spack-report.h5", "-o", "spack-report")

    def test_find_package(self):
        """configure and build a CMake project that links gilbench::core"""
        with open("CMakeLists.txt", "w") as f:
            f.write(
                "cmake_minimum_required(VERSION 3.25)\n"
                "project(consumer C CXX)\n"
                "find_package(gilbench REQUIRED)\n"
                "add_executable(consumer main.cpp)\n"
                "target_link_libraries(consumer PRIVATE gilbench::core)\n"
            )
        with open("main.cpp", "w") as f:
            f.write(
                "#include <gilbench/sweep/kernel.hpp>\n"
                "int main() { return gilbench::countdown(1000) == 1000 ? 0 : 1; }\n"
            )
        cmake = which(self.spec["cmake"].prefix.bin.cmake, required=True)
        cmake("-S", ".", "-B", "build", f"-DCMAKE_PREFIX_PATH={self.prefix}")
        cmake("--build", "build")
        consumer = which(join_path("build", "consumer"), required=True)
        consumer()
