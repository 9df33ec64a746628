"""`make demo`: the main job on bundled example data, end to end.

1. a two-way referral decided with its explanation (the core);
2. the yearly appraisal of both counties on synthetic example data (appraisal/);
3. the public doc site built from rules/ (publication/).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from governance.decide import decide
from governance.explain import render_text
from governance.load import resolve_ruleset
from governance.source import load_yaml

ROOT = Path(__file__).resolve().parents[1]


def referral(out: Path) -> None:
    on = dt.date(2017, 9, 1)
    case_file = ROOT / "examples" / "cases" / "zhenghe-upward-referral.yaml"
    ruleset = resolve_ruleset("zhenghe-referral", on, ROOT / "rules")
    decision = decide(ruleset, load_yaml(case_file).data["inputs"], on)
    print(f"== 1. A referral decision ({case_file.relative_to(ROOT)}, on {on}) ==\n")
    print(render_text(decision.explanation))
    import json

    target = out / "referral-decision.json"
    target.write_text(json.dumps(decision.explanation, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"(the same explanation as data: {target.relative_to(ROOT)})\n")


def appraisal(out: Path) -> None:
    from appraisal.demo import run_demo

    print("== 2. Yearly appraisal of member units (SYNTHETIC example data) ==\n")
    written = run_demo(out / "appraisal")
    shown = [p for p in written if p.parent.name != "explanations"]
    for path in shown:
        print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    explained = len(written) - len(shown)
    print(f"  and {explained} per-unit explanations (text and Markdown) beside them\n")


def site() -> None:
    from publication.build import build_site

    print("== 3. The public doc site ==\n")
    index = build_site(ROOT / "site")
    print(f"  built: {index}\n  open it in a browser, or run `medunion docs serve`\n")


def main() -> int:
    out = ROOT / "out"
    out.mkdir(exist_ok=True)
    referral(out)
    appraisal(out)
    site()
    return 0


if __name__ == "__main__":
    sys.exit(main())
