"""The classroom notebook (analysis/notebooks/gil-experiment.ipynb) executes headless with
Debian's jupyter-nbconvert, on a results file made here by the real binary (small counts,
traced, with the latency probe), in a kernel pinned to /usr/bin/python3 through a kernelspec
of the test's own (pyenv's python3 first on PATH lacks h5py): no cell may raise."""

import json
import os
import shutil
import subprocess

import pytest

from conftest import ANALYSIS, _run

NOTEBOOK = os.path.join(ANALYSIS, "notebooks", "gil-experiment.ipynb")
PYTHON = "/usr/bin/python3"
KERNEL = "gilbench-usr-python3"


def _kernelspec(root):
    """A kernelspec directory under ``root`` whose argv[0] is /usr/bin/python3."""
    spec = os.path.join(root, "share", "jupyter", "kernels", KERNEL)
    os.makedirs(spec)
    with open(os.path.join(spec, "kernel.json"), "w") as fh:
        json.dump({"argv": [PYTHON, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                   "display_name": "Debian python3", "language": "python"}, fh)
    return os.path.join(root, "share", "jupyter")


def _execute(tmp_path, results, extra_env=None):
    nbconvert = shutil.which("jupyter-nbconvert") or "/usr/bin/jupyter-nbconvert"
    if not os.access(nbconvert, os.X_OK):
        pytest.fail("jupyter-nbconvert missing: apt-get install -y jupyter-nbconvert python3-ipykernel "
                    "(scripts/install-deps.sh)")
    data = _kernelspec(str(tmp_path / "jupyter"))
    env = dict(os.environ, JUPYTER_PATH=data, JUPYTER_DATA_DIR=data, JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), IPYTHONDIR=str(tmp_path / "ipython"),
               GILBENCH_NOTEBOOK_FILE=str(results), MPLBACKEND="Agg", **(extra_env or {}))
    work = tmp_path / "nb"
    work.mkdir()
    copy = work / "gil-experiment.ipynb"
    shutil.copy(NOTEBOOK, copy)
    out = tmp_path / "executed.ipynb"
    proc = subprocess.run([PYTHON, nbconvert, "--to", "notebook", "--execute", str(copy), "--output", str(out),
                           f"--ExecutePreprocessor.kernel_name={KERNEL}", "--ExecutePreprocessor.timeout=300"],
                          env={**env, "GILBENCH_ANALYSIS": ANALYSIS}, capture_output=True, text=True,
                          cwd=str(work))
    assert proc.returncode == 0, f"nbconvert exit {proc.returncode}: {proc.stderr[-3000:]}"
    with open(out) as fh:
        return json.load(fh)


def _outputs(nb):
    return [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]


@pytest.fixture(scope="module")
def traced(gilbench, tmp_path_factory):
    path = tmp_path_factory.mktemp("nbdata") / "exp.h5"
    _run([gilbench, "--count", "20M", "--threads", "1,2", "--lock", "none,gil", "--repeat", "2", "--warmup", "0",
          "--trace", "--trace-window", "30ms", "--probe", "latency:2ms", "-q", "-o", str(path)])
    return path


def test_notebook_executes_on_a_real_file(traced, tmp_path):
    nb = _execute(tmp_path, traced)
    outputs = _outputs(nb)
    assert not [o for o in outputs if o["output_type"] == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 3, f"want speedup, lock, timeline and latency plots; got {len(images)} images"
    text = "".join("".join(o.get("text", "")) for o in outputs)
    assert "1x2 gil 5ms" in text and "1x1 none" in text          # the summary table
    assert "one kernel only" in text                              # no --kernel python runs in this file
    assert f"python: {PYTHON}" in text                            # the pinned kernel ran it


def test_kernelspec_is_debian_python(tmp_path):
    data = _kernelspec(str(tmp_path))
    with open(os.path.join(data, "kernels", KERNEL, "kernel.json")) as fh:
        assert json.load(fh)["argv"][0] == PYTHON
