"""`medunion check`'s semantic checks with every message a catalog template (issue 12, helper H2).

Measures, beside a baseline in the same run:
- the checks of every shipped rule set (check_ruleset + check_readings + check_labels, the latter now
  with the plain-summary and reading_zh warnings), against governance/check.py as committed before this
  change (`git show <--baseline>:governance/check.py` into a module of its own), on the same loaded rule sets;
- a rule set with --rules broken rules (each never fires, sets an unknown output and gives a wrong type),
  its diagnostics built as templates and shown in Chinese, against the committed checker's f-strings shown
  as they are.

    .venv/bin/python benchmarks/bench_check_messages.py --rules 400 --repeat 5
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

from timing import best_time

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fixtures.builders import rule, write_ruleset  # noqa: E402

from governance.i18n import translator  # noqa: E402
from governance.load import load_ruleset, load_rulesets  # noqa: E402

BEFORE = "e4e0e69"
"""The last commit before the checker's messages became catalog templates (issue 12): the baseline."""


def committed_checker(revision: str = BEFORE) -> ModuleType:
    """governance/check.py as committed at `revision`, imported under another name."""
    text = subprocess.run(["git", "show", f"{revision}:governance/check.py"], cwd=ROOT, capture_output=True,
                          text=True, check=True).stdout
    path = Path(tempfile.mkdtemp()) / "committed_check.py"
    path.write_text(text, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("committed_check", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module



def broken(root: Path, count: int) -> Path:
    body = "inputs:\n  x: {type: number, minimum: 0, maximum: 600}\noutputs:\n  a: {type: number}\nrules:\n"
    for i in range(count):
        body += rule(f"r{i}", "x > 700", f"b{i}: 1", "    status: law\n")
    return write_ruleset(root, body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rules", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--baseline", default=BEFORE, help="the git revision of check.py to compare with")
    args = parser.parse_args()
    import governance.check as new

    old = committed_checker(args.baseline)
    shipped = [r for versions in load_rulesets(ROOT / "rules").values() for r in versions]

    def checks(module: ModuleType) -> Callable[[], object]:
        return lambda: [d for r in shipped for d in (*module.check_ruleset(r), *module.check_readings(r),
                                                      *module.check_labels(r))]

    t_new, t_old = best_time(checks(new), args.repeat), best_time(checks(old), args.repeat)
    print(f"shipped rule sets ({len(shipped)} versions): new {t_new * 1000:.1f} ms, committed {t_old * 1000:.1f} ms, "
          f"ratio {t_new / t_old:.2f}")

    ruleset = load_ruleset(broken(Path(tempfile.mkdtemp()), args.rules))
    zh = translator("zh").gettext

    def shown_new() -> list[str]:
        return [d.text(zh) for d in (*new.check_ruleset(ruleset), *new.check_labels(ruleset))]

    def shown_old() -> list[str]:
        return [d.message for d in (*old.check_ruleset(ruleset), *old.check_labels(ruleset))]

    assert len(shown_new()) == len(shown_old()) + 3  # the three summary warnings are new
    t_new, t_old = best_time(shown_new, args.repeat), best_time(shown_old, args.repeat)
    print(f"{len(shown_new())} diagnostics of {args.rules} broken rules: templates shown in Chinese "
          f"{t_new * 1000:.1f} ms, committed f-strings {t_old * 1000:.1f} ms, ratio {t_new / t_old:.2f}")


if __name__ == "__main__":
    main()
