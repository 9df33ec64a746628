"""The doc site's build time in two languages (issue 12, item 7) beside the one-language build.

Baseline, in the same run: the same mkdocs.yml with the i18n plugin taken out (one build, in
Chinese, the default language: the generated pages rendered once, Chinese search segmented by
jieba as in the real build). Measured: the real configuration (Chinese at the root, English
under en/, every generated page rendered in both). Each build runs in a fresh process (mkdocs
and the plugins start cold, as `medunion docs build` does), the two interleaved; the best and
the median of `--repeat` runs are printed with their ratio.

    .venv/bin/python benchmarks/bench_site.py --repeat 3
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]


def one_language_config(folder: Path) -> Path:
    """mkdocs.yml without the i18n plugin, written beside the original so docs/ and rules/ resolve."""
    text = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    config = yaml.safe_load(text)  # anchors resolved: the Chinese nav is the top-level one
    config["plugins"] = [p for p in config["plugins"] if not (isinstance(p, dict) and "i18n" in p)]
    config["docs_dir"] = str(REPO / "docs")
    path = folder / "mkdocs-one-language.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def build_seconds(config: Path, out: Path) -> float:
    env = {**{k: v for k, v in os.environ.items() if k != "MEDUNION_RULES"}, "NO_MKDOCS_2_WARNING": "1",
           "MEDUNION_RULES": str(REPO / "rules")}
    command = [sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet", "--config-file", str(config),
               "--site-dir", str(out)]
    start = time.perf_counter()
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if result.returncode != 0:
        raise SystemExit(f"build failed ({config.name}):\n{result.stdout}{result.stderr}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="medunion-bench-site-") as tmp:
        folder = Path(tmp)
        single = one_language_config(folder)
        both: list[float] = []
        one: list[float] = []
        for run in range(args.repeat):
            one.append(build_seconds(single, folder / f"one-{run}"))
            both.append(build_seconds(REPO / "mkdocs.yml", folder / f"both-{run}"))
        pages_one = sum(1 for _ in (folder / "one-0").rglob("index.html"))
        pages_both = sum(1 for _ in (folder / "both-0").rglob("index.html"))
    load = os.getloadavg()[0]
    print(f"site build, fresh process each, {args.repeat} interleaved runs, {os.cpu_count()} CPU(s), load {load:.1f}")
    print(f"  one language (zh, no i18n plugin): {pages_one} pages, best {min(one):.2f} s, "
          f"median {statistics.median(one):.2f} s")
    print(f"  zh + en (mkdocs-static-i18n):      {pages_both} pages, best {min(both):.2f} s, "
          f"median {statistics.median(both):.2f} s")
    print(f"  ratio: best {min(both) / min(one):.2f}x, median {statistics.median(both) / statistics.median(one):.2f}x")


if __name__ == "__main__":
    main()
