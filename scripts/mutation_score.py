"""Per-module mutation score from mutmut's results (mutants/*.meta), for `make mutate` (issue #7).

Prints killed/total for every file of `[tool.mutmut] only_mutate`, lists the survivors (marking the ones
mutmut-equivalents.md explains) and exits 1 when a module scores below --fail-under percent.
A timeout counts as killed (the mutant made the tests hang); "no tests" and "not checked" count against the score.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]
DETECTED = {"killed", "timeout", "caught by type check"}


def modules(root: Path) -> list[str]:
    config = tomllib.loads((root / "pyproject.toml").read_text())["tool"]["mutmut"]
    return list(config["only_mutate"])


def statuses(root: Path, path: str) -> dict[str, str]:
    """mutant name -> status for one source file; empty when mutmut has not run on it."""
    meta = root / "mutants" / f"{path}.meta"
    if not meta.exists():
        return {}
    exit_codes = json.loads(meta.read_text())["exit_code_by_key"]
    return {name: status_by_exit_code[code] for name, code in exit_codes.items()}


def equivalents(root: Path) -> set[str]:
    """Mutant names written in backticks in mutmut-equivalents.md."""
    notes = root / "mutmut-equivalents.md"
    return set(re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", notes.read_text())) if notes.exists() else set()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fail-under", type=float, default=90.0, help="minimum killed %% per module (default 90)")
    parser.add_argument("--root", type=Path, default=ROOT)
    args = parser.parse_args(argv)
    known_equivalent = equivalents(args.root)
    failing = []
    print(f"{'module':<28} {'killed/total':>12} {'score':>7}  survived  other")
    for path in modules(args.root):
        by_name = statuses(args.root, path)
        counts = Counter(by_name.values())
        total = len(by_name)
        killed = sum(counts[status] for status in DETECTED)
        score = 100.0 * killed / total if total else 0.0
        undetected = sorted((status, n) for status, n in counts.items() if status not in DETECTED | {"survived"})
        other = ", ".join(f"{status}: {n}" for status, n in undetected)
        print(f"{path:<28} {f'{killed}/{total}':>12} {score:>6.1f}%  {counts['survived']:>8}  {other or '-'}")
        if score < args.fail_under:
            failing.append(path)
        for name, status in sorted(by_name.items()):
            if status not in DETECTED | {"not checked"}:  # not checked: counted above, named by `mutmut results`
                note = "  (listed in mutmut-equivalents.md)" if name in known_equivalent else ""
                print(f"    {status}: {name}{note}")
    if failing:
        print(f"below {args.fail_under:g}% killed: {', '.join(failing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
