"""README's "Every flag" table and `gilbench --help` name the same options (long names, and the
short letter where there is one); --help's exit code 5, --check-interval and FILE example texts. usage: python3 flags_agree.py GILBENCH README.md"""
import re
import subprocess
import sys

gilbench, readme = sys.argv[1], sys.argv[2]
text = subprocess.run([gilbench, "--help"], capture_output=True, text=True, check=True).stdout
opt = re.compile(r"^  (?:(-[a-zA-Z]),)?(--[a-z][a-z-]*)")
help_opts = {m.group(2): m.group(1) for m in map(opt.match, text.splitlines()) if m}
help_opts.pop("--help", None)

lines = open(readme, encoding="utf-8").read().splitlines()
start = next(i for i, l in enumerate(lines) if l.strip() == "## Every flag")
row = re.compile(r"^\| `(?:(-[a-zA-Z]), )?(--[a-z][a-z-]*)")
table = {}
bad = []
for line in lines[start + 1:]:
    if line.startswith("## "):
        break
    m = row.match(line)
    if m:
        if m.group(2) in table:
            bad.append(f"{m.group(2)} has two rows in README's flag table")
        table[m.group(2)] = m.group(1)

# the texts issue 13 found wrong
ci = next((l for l in text.splitlines() if l.startswith("  --check-interval")), "")
if "list" not in ci:
    bad.append(f"--check-interval does not say it takes a list: {ci.strip()}")
if "python3 -c 'import h5py" in text and "/usr/bin/python3 -c 'import h5py" not in text:
    bad.append("the FILE example runs the python3 on PATH, not /usr/bin/python3")
five = next((l for l in text.splitlines() if l.strip().startswith("5 interrupted")), "")
if "SIGUSR1" not in five:
    bad.append(f"exit code 5 does not name SIGUSR1: {five.strip()}")
for name in sorted(set(help_opts) - set(table)):
    bad.append(f"{name} is in --help, not in README's flag table")
for name in sorted(set(table) - set(help_opts)):
    bad.append(f"{name} is in README's flag table, not in --help")
for name in sorted(set(table) & set(help_opts)):
    if table[name] != help_opts[name]:
        bad.append(f"{name}: short form {help_opts[name]} in --help, {table[name]} in README")
if bad:
    sys.exit("FAIL: " + "; ".join(bad))
print(f"README's flag table and --help agree on {len(table)} options")
