"""Print mutmut's score per module (`make mutation` runs it after `mutmut run`).

Reads mutmut's result files (mutants/**/*.py.meta), with mutmut's own meaning of
each exit code: 0 the tests passed with the mutant in place (it survived); 1 or 3
killed; a timeout counts as killed (the mutant made the tests hang), as mutmut's
own score does; 5 or 33 no test ran it (counted as a survivor here); no result
yet, not checked.
"""

import json
import sys
from pathlib import Path

KILLED = {1, 3, 36, 37, 24, -24, 152, 255}
SURVIVED = {0, 5, 33}


def main(root: Path = Path("mutants")) -> int:
    rows, survivors = [], []
    for meta in sorted(root.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        module = str(meta.relative_to(root)).removesuffix(".meta")
        checked = {k: v for k, v in codes.items() if v in KILLED | SURVIVED}
        survived = sorted(k for k, v in checked.items() if v in SURVIVED)
        survivors += [f"{k} ({'survived' if codes[k] == 0 else 'no test'})" for k in survived]
        killed = len(checked) - len(survived)
        score = f"{100 * killed / len(checked):.1f}%" if checked else "—"
        rows.append((module, len(codes), len(checked), killed, len(survived), score))
    print("| module | mutants | checked | killed | survived | score |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print("| " + " | ".join(str(v) for v in row) + " |")
    total = sum(r[2] for r in rows)
    killed = sum(r[3] for r in rows)
    if total:
        print(
            f"| all | {sum(r[1] for r in rows)} | {total} | {killed} | {total - killed} | "
            f"{100 * killed / total:.1f}% |"
        )
    if "--survivors" in sys.argv:
        print("\n".join(survivors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
