"""Writes the files of the hostile corpus that cannot be written by hand: alias bombs, files nested
500 deep, bytes that are not UTF-8, binary junk, and expressions of 500 terms or 200 brackets.
Run it to regenerate them; they are kept in the repository beside the hand-written files, so the
tests read exactly what a drafter, an officer or an attacker might hand to medunion.

One file is not kept: a single line over the size limit (`huge_line`), which the tests write
into a temporary folder.

Each folder's corpus.yaml lists every file with the command it is given to, the exit status and
the message (with its line and column) that command must print.
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent

# The first lines of a file of each kind, so that a bomb is read as that kind of file.
HEADS = {
    "rules": "kind: ruleset\nid: hostile\n",
    "cases": "level: county\n",
    "schemes": "kind: appraisal-scheme\nid: hostile-scheme\n",
    "charters": "kind: charter\nid: hostile-charter\n",
    "lifecycles": "kind: lifecycle\nid: hostile-flow\n",
    "events": "ok: true\n",  # event data for `medunion lifecycle event --data`
}
FOLDERS = {"rules": "rules", "cases": "cases", "schemes": "schemes", "charters": "charters",
           "lifecycles": "lifecycles", "events": "lifecycles/events"}


def alias_bomb(head: str) -> str:
    """Nine aliases of nine aliases of ...: a few hundred bytes that expand to 9**9 values."""
    lines = [head.rstrip("\n"), "a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for level in range(1, 10):
        refs = ", ".join([f"*a{level - 1}"] * 9)
        lines.append(f"a{level}: &a{level} [{refs}]")
    return "\n".join(lines) + "\n"


def many_aliases(head: str) -> str:
    """201 aliases of one small value: no bomb, but more aliases than a file may have."""
    return head + "base: &b 1\nrefs: [" + ", ".join(["*b"] * 201) + "]\n"


def deep_lists(head: str) -> str:
    return head + "deep: " + "[" * 500 + "]" * 500 + "\n"


def deep_mappings(head: str) -> str:
    return head + "deep:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(500)) + " " * 501 + "end: 1\n"


def _write(folder: str, name: str, content: str | bytes) -> None:
    target = HERE / FOLDERS[folder] / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))


def huge_line(path: Path, head: str, size: int) -> Path:
    """A file whose second line is one scalar of `size` bytes (the tests write it, to a temporary folder)."""
    path.write_text(head + "title: " + "x" * size + "\n", encoding="utf-8")
    return path


def expression_rules() -> None:
    """Rule sets with expressions at and past the parser's bounds (governance/expressions/limits.py)."""
    body = (HERE / "rules" / "valid.yaml").read_text(encoding="utf-8")
    original = 'then: {pay: "cost * ratio"}'
    assert original in body
    expressions = {
        "sum-500-terms.yaml": " + ".join(["c"] * 500),
        "parentheses-200.yaml": "(" * 200 + "cost" + ")" * 200,
        "expression-too-long.yaml": " + ".join(["cost"] * 500),
    }
    for name, text in expressions.items():
        _write("rules", name, body.replace(original, f'then: {{pay: "{text}"}}').replace(
            "  cost: {type: number, unit: yuan, minimum: 0}\n",
            "  cost: {type: number, unit: yuan, minimum: 0}\n  c: {type: number, default: 0}\n"))


def main() -> None:
    for folder, head in HEADS.items():
        _write(folder, "alias-bomb.yaml", alias_bomb(head))
        _write(folder, "deep-500.yaml", deep_lists(head))
        _write(folder, "not-utf8.yaml", head.encode("utf-8") + "title: 县医院\n".encode("gb18030"))
        _write(folder, "binary-junk.yaml", bytes(range(256)) * 8)
    for folder in ("rules", "cases", "lifecycles"):
        _write(folder, "aliases-201.yaml", many_aliases(HEADS[folder]))
        _write(folder, "deep-500-mappings.yaml", deep_mappings(HEADS[folder]))
    _write("rules", "utf16.yaml", "\ufeff".encode("utf-16-le") + HEADS["rules"].encode("utf-16-le"))
    _write("rules", "nul-byte.yaml", HEADS["rules"] + "title: a\x00b\n")
    expression_rules()


if __name__ == "__main__":
    main()
