#!/usr/bin/python3
# Checks that every include between the hub's modules is one docs/development.md allows:
# the table between "<!-- modules" and "<!-- /modules -->" gives each module (a folder of
# hub/src/) the modules it may include. Tests (*_test.cc) may include any module. Exits 1
# naming each include that breaks the table, 0 when none does.
# Usage: scripts/check_modules.py [REPO]   (default: this script's repository)
import os
import re
import sys

repo = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
doc = open(os.path.join(repo, "docs/development.md"), encoding="utf-8").read()
table = re.search(r"<!-- modules.*?-->(.*?)<!-- /modules -->", doc, re.S)
if not table:
    sys.exit("docs/development.md: no table between <!-- modules --> and <!-- /modules -->")
allowed = {}
for row in table.group(1).splitlines():
    cells = [c.strip() for c in row.strip().strip("|").split("|")]
    if len(cells) != 3 or not cells[0].startswith("`"):
        continue
    allowed[cells[0].strip("`")] = set(re.findall(r"`([a-z0-9_]+)`", cells[2]))

src = os.path.join(repo, "hub/src")
problems = []
folders = {d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d))}
for missing in sorted(folders - set(allowed)):
    problems.append("hub/src/%s/ is a module the table in docs/development.md does not list" % missing)
include = re.compile(r'^\s*#\s*include\s+"([a-z0-9_]+)/[^"]+"', re.M)
for root, _, files in os.walk(src):
    module = os.path.relpath(root, src).split(os.sep)[0]
    for name in sorted(files):
        if not name.endswith((".cc", ".h", ".in")) or name.endswith("_test.cc"):
            continue
        path = os.path.join(root, name)
        text = open(path, encoding="utf-8").read()
        for m in include.finditer(text):
            target = m.group(1)
            if target == module or target not in folders:
                continue
            if target not in allowed.get(module, set()):
                line = text.count("\n", 0, m.start()) + 1
                problems.append("%s:%d: module %s includes %s, which its row in docs/development.md does not allow"
                                % (os.path.relpath(path, repo), line, module, target))
for p in problems:
    print(p)
if problems:
    print("%d include(s) break the module arrows; move the code, or change the table with the reason" % len(problems))
    sys.exit(1)
print("module arrows: every include of %d modules keeps to docs/development.md" % len(allowed))
