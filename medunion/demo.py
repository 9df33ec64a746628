"""`make demo`: the main job on bundled example data, end to end.

1. a two-way referral decided with its explanation (the core);
2. the yearly appraisal of both counties on synthetic example data (appraisal/);
3. rectification cases opened from the appraisal and moved past their deadline (lifecycle/);
4. the public doc site built from rules/ (publication/).

It speaks as every command does: `MEDUNION_LANG` (zh or en), else Chinese; each heading carries
both languages so either reader can follow it.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

from governance.decide import decide
from governance.explain import render_text
from governance.i18n import choose_language
from governance.load import resolve_ruleset
from governance.source import load_yaml

ROOT = Path(__file__).resolve().parents[1]  # the bundled examples and rules of a source checkout


def _shown(path: Path) -> Path:
    """Paths inside the repository are printed relative to it."""
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def referral(out: Path, lang: str = "zh") -> None:
    on = dt.date(2017, 9, 1)
    case_file = ROOT / "examples" / "cases" / "zhenghe-upward-referral.yaml"
    ruleset = resolve_ruleset("zhenghe-referral", on, ROOT / "rules")
    decision = decide(ruleset, load_yaml(case_file).data["inputs"], on)
    print(f"== 1. 转诊决定 A referral decision ({case_file.relative_to(ROOT)}, on {on}) ==\n")
    print(render_text(decision.trace, lang))
    target = out / "referral-decision.json"
    target.write_text(json.dumps(decision.explanation, ensure_ascii=False, indent=2, allow_nan=False), encoding="utf-8")
    print(f"(同一解释的数据形式 the same explanation as data: {_shown(target)})\n")


def appraisal(out: Path, lang: str = "zh") -> None:
    from appraisal.demo import run_demo

    print("== 2. 成员单位年度考核 Yearly appraisal of member units (模拟数据 SYNTHETIC example data) ==\n")
    written = run_demo(out / "appraisal", lang)
    shown = [p for p in written if p.parent.name != "explanations"]
    for path in shown:
        print(f"  wrote {_shown(path)}")
    explained = len(written) - len(shown)
    print(f"  and {explained} per-unit explanations (text and Markdown) beside them\n")


def lifecycle(out: Path, lang: str = "zh") -> None:
    """The appraisal's rectification notices open cases; the deadline passes; why is X terminated?"""
    from lifecycle.explain import explain_case
    from lifecycle.explain import render_text as render_history
    from lifecycle.feeds import open_from_appraisal
    from lifecycle.load import find_lifecycle
    from lifecycle.run import Runner
    from lifecycle.store import Store

    print("== 4. 整改与终止 Rectification and termination over time (from the SYNTHETIC appraisal) ==\n")
    results = out / "appraisal" / "zhenghe-member-appraisal" / "2019" / "results.csv"
    database = out / "lifecycle.sqlite"
    database.unlink(missing_ok=True)
    store = Store(f"sqlite:///{database}")
    try:
        runner = Runner(store, rules_root=ROOT / "rules")
        membership = find_lifecycle("zhenghe-membership", ROOT / "rules" / "lifecycles")
        opened = [item for item in open_from_appraisal(runner, membership, results)
                  if item.outcome.status == "applied"]
        print(f"  {len(opened)} rectification case(s) opened from {_shown(results)}")
        moved = runner.tick({membership.id: membership}, dt.date(2020, 6, 30))
        print(f"  tick on 2020-06-30: {sum(o.status == 'applied' for o in moved)} case(s) moved past their deadline")
        if opened:
            explained = explain_case(store, opened[0].outcome.case_id)
            if explained is not None:
                print()
                print("\n".join("  " + line for line in render_history(explained, lang).splitlines()))
        print(f"\n  state kept in {_shown(database)}; try `medunion lifecycle show CASE --db "
              f"sqlite:///{_shown(database)}`\n")
    finally:
        store.close()


def site(target: Path) -> None:
    from publication.build import build_site

    print("== 5. 公开网站 The public doc site ==\n")
    index = build_site(target)
    print(f"  built: {index}\n  open it in a browser, or run `medunion docs serve`\n")


def main(out: Path = ROOT / "out", site_dir: Path = ROOT / "site") -> int:
    out.mkdir(parents=True, exist_ok=True)
    lang = choose_language(None, "zh")
    referral(out, lang)
    appraisal(out, lang)
    lifecycle(out, lang)
    site(site_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
