"""check: references generated from the test's own real file pass, a shifted one fails, one
whose system matches no launch is exit 5; bad reference files are one line, exit 2."""

import pytest

from conftest import _run, run_cli
from gilbench_analysis import configs, metrics, references
from gilbench_analysis.load import load


@pytest.fixture(scope="module")
def real(gilbench, tmp_path_factory):
    path = tmp_path_factory.mktemp("refs") / "scan.h5"
    _run([gilbench, "--count", "20M", "--threads", "1,2", "--lock", "none,gil", "--repeat", "2", "--warmup", "0",
          "--probe", "latency:2ms", "-q", "-o", str(path)])
    ds = load([str(path)], progress=False)
    table = metrics.config_table(ds)
    table = table.set_index(table.apply(configs.summary_label, axis=1))   # '1x2 gil 5ms', as check names it
    lat = metrics.latency_table(ds)
    lat = lat.set_index(lat.apply(configs.summary_label, axis=1))
    return dict(path=str(path), table=table, launch=ds.launches.iloc[0], lat=lat)


def _refs(tmp_path, body, name="refs.yaml"):
    path = tmp_path / name
    path.write_text(body)
    return str(path)


def _measured(real):
    t = real["table"]
    return dict(speedup=t.loc["1x2 none", "speedup"], vs_none=t.loc["1x2 gil 5ms", "speedup_vs_none"],
                switches=t.loc["1x2 gil 5ms", "switches_per_s"], eff=t.loc["1x2 none", "efficiency"])


def test_generated_reference_passes(real, tmp_path):
    m = _measured(real)
    cpu = real["launch"]["cpu_model"]
    refs = _refs(tmp_path, f"""
systems:
  here:
    match: {{host: "{real['launch']['hosts']}", cpu_model: "{cpu}", cpus: "{int(real['launch']['allowed_cpus'])}"}}
    references:
      - {{config: "1x2 none", metric: speedup, reference: {m['speedup']!r}, lower: -0.001, upper: 0.001}}
      - {{threads: 2, lock: gil, interval: 0.005, metric: speedup_vs_none, reference: {m['vs_none']!r},
          lower: -0.001, upper: null}}
      - {{config: "1x2 gil*", metric: switches_per_s, reference: {m['switches']!r}, lower: null, upper: 0.001}}
      - {{ranks: 1, threads: 2, lock: none, metric: efficiency, reference: {m['eff']!r}, lower: -0.001, upper: 0.001}}
""")
    code, out, err = run_cli("check", real["path"], "--reference", refs)
    assert code == 0, out + err
    assert out.count("PASS") == 4 and "FAIL" not in out
    assert "4 passed, 0 failed, 0 without data, 0 system(s) unmatched" in out


def test_shifted_reference_fails(real, tmp_path):
    m = _measured(real)
    refs = _refs(tmp_path, f"""
systems:
  here:
    match: {{host: "*"}}
    references:
      - {{config: "1x2 none", metric: speedup, reference: {10 * m['speedup']!r}, lower: -0.1, upper: 0.1}}
      - {{config: "1x1 none", metric: speedup, reference: 1.0, lower: -0.01, upper: 0.01}}
""")
    code, out, _ = run_cli("check", real["path"], "--reference", refs)
    assert code == 1
    lines = [line for line in out.splitlines() if "1x2 none" in line]
    assert len(lines) == 1 and lines[0].rstrip().endswith("FAIL")
    assert "1 passed, 1 failed" in out


def test_system_that_selects_nothing_is_exit_5(real, tmp_path):
    refs = _refs(tmp_path, """
systems:
  cluster:
    match: {partition: "compute", host: "node*"}
    references:
      - {config: "*", metric: speedup, reference: 1.0}
""")
    code, out, err = run_cli("check", real["path"], "--reference", refs)
    assert code == references_exit()
    assert "system 'cluster' selects no launch of the files" in err


def test_latency_p99_needs_enough_events(real, tmp_path):
    """p99 is NaN below 100 events (stats.quantile_if_enough): NO DATA, exit 5, never a PASS."""
    lat = real["lat"]
    p99 = lat.loc["1x2 gil 5ms", "p99_s"]
    refs = _refs(tmp_path, f"""
systems:
  here:
    match: {{}}
    references:
      - {{config: "1x2 gil 5ms", metric: latency_p99_s, reference: {p99 if p99 == p99 else 0.01!r}, lower: -0.001, upper: 0.001}}
""")
    code, out, _ = run_cli("check", real["path"], "--reference", refs)
    assert code == (0 if p99 == p99 else references_exit())
    assert ("PASS" if p99 == p99 else "NO DATA") in out


def references_exit():
    from gilbench_analysis.errors import EXIT_CHECK_UNMATCHED
    return EXIT_CHECK_UNMATCHED


@pytest.mark.parametrize("body, words", [
    ("nonsense_key: 1\n", "unknown key 'nonsense_key'"),
    ("systems:\n  a:\n    match: {}\n    references:\n      - {config: x, metric: speedup, reference: 1, colour: red}\n",
     "systems.a.references[0]: unknown key 'colour'"),
    ("systems:\n  a:\n    match: {rack: r1}\n    references:\n      - {config: x, metric: speedup, reference: 1}\n",
     "systems.a.match: unknown key 'rack'"),
    ("systems:\n  a:\n    references:\n      - {config: x, metric: speedupp, reference: 1}\n",
     "systems.a.references[0]: unknown metric 'speedupp'"),
    ("systems:\n  a:\n    references:\n      - {config: x, metric: speedup, reference: 1, lower: 0.2, upper: 0.1}\n",
     "systems.a.references[0]: lower tolerance 0.2 > upper tolerance 0.1"),
    ("systems:\n  a:\n    references:\n      - {config: x, metric: speedup, reference: fast}\n",
     "'reference' must be a finite number"),
    ("systems: [\n", "not valid YAML"),
])
def test_bad_reference_file_is_one_line_exit_2(real, tmp_path, body, words):
    refs = _refs(tmp_path, body)
    code, out, err = run_cli("check", real["path"], "--reference", refs)
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and words in err and refs in err, err
    assert out == ""


def test_bounds_are_reframe_fractions():
    assert references.bounds(dict(reference=2.0, lower=-0.1, upper=None)) == (pytest.approx(1.8), None)
    assert references.bounds(dict(reference=-2.0, lower=-0.1, upper=0.2)) == (pytest.approx(-2.2), pytest.approx(-1.6))


def test_shipped_reference_file_parses():
    import os
    from conftest import ANALYSIS
    systems = references.load_file(os.path.join(ANALYSIS, "references", "refs.yaml"))
    assert systems and all(s["references"] for s in systems)
