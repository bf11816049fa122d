"""docs/install.md documents every CMake option() and GILBENCH_* cache variable of the project,
and its apt-get line has what `cmake --workflow --preset release` needs (h5dump, the default
libpython, the notebook runner), every package of it also in scripts/install-deps.sh.
usage: python3 install_options.py <repo>"""
import pathlib
import re
import sys

repo = pathlib.Path(sys.argv[1])
doc = (repo / "docs" / "install.md").read_text(encoding="utf-8")
files = [repo / "CMakeLists.txt", *repo.glob("cmake/*.cmake"), *repo.glob("*/CMakeLists.txt"),
         *repo.glob("*/*/CMakeLists.txt")]
names = set()
for f in files:
    text = f.read_text(encoding="utf-8")
    names |= set(re.findall(r"^\s*option\((\w+)", text, re.M))
    names |= set(re.findall(r"^\s*set\((GILBENCH_\w+)\s[^)]*\bCACHE\b", text, re.M))
bad = [n for n in sorted(names) if f"`{n}`" not in doc]
apt = re.search(r"apt-get install -y(.*?)\n(?!\s{4})", doc, re.S)
line = apt.group(1).replace("\\", " ").split() if apt else []
for needed in ("hdf5-tools", "libpython3.11", "jupyter-nbconvert", "python3-ipykernel"):
    if needed not in line:
        bad.append(f"{needed} missing from install.md's apt-get line")
deps = (repo / "scripts" / "install-deps.sh").read_text(encoding="utf-8")
known = set(re.findall(r"[\w.+-]+", re.search(r"PKGS=\((.*?)\)\n", deps, re.S).group(1)))
known |= {"g++", "make"}  # build-essential's
bad += [f"{p} (install.md's apt-get line) not in scripts/install-deps.sh" for p in line if p not in known]
if "install_manifest.txt" not in doc:
    bad.append("no uninstall recipe (install_manifest.txt)")
if bad:
    sys.exit("FAIL: docs/install.md lacks: " + ", ".join(bad))
print(f"docs/install.md documents all {len(names)} options: {', '.join(sorted(names))}")
