"""docs/install.md documents every CMake option() and GILBENCH_* cache variable of the project,
and its apt-get line has hdf5-tools (h5dump, which the smoke tests call).
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
if not apt or "hdf5-tools" not in apt.group(1):
    bad.append("hdf5-tools missing from install.md's apt-get line")
if "install_manifest.txt" not in doc:
    bad.append("no uninstall recipe (install_manifest.txt)")
if bad:
    sys.exit("FAIL: docs/install.md lacks: " + ", ".join(bad))
print(f"docs/install.md documents all {len(names)} options: {', '.join(sorted(names))}")
