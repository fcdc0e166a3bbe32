"""The claims report: does every checked claim of every notebook hold under other seeds?

    python benchmarks/claims.py                          # quick mode, seeds 0-4, every notebook
    python benchmarks/claims.py --seeds 0 1 --mode full  # full mode (the benchmark does this)
    python benchmarks/claims.py --notebooks 02 08        # a few notebooks; the rest is kept
    python benchmarks/claims.py --report                 # only rewrite claims.md from claims.json

Each (notebook, seed) runs top to bottom in a fresh kernel with ``DNN_SEED`` set to the seed
shift and ``DNN_CLAIMS=explain``, so a missed claim is recorded and the notebook goes on;
every ``check_claim`` appends a line to the file named by ``DNN_CLAIMS_FILE``. Two kernels
run at a time (``--jobs``). The raw rows go to ``benchmarks/claims.json`` and the table
(claim × mode and seed → held or missed, measured value, margin) to ``benchmarks/claims.md``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import fcntl
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
CLAIMS_JSON = ROOT / "benchmarks" / "claims.json"
CLAIMS_MD = ROOT / "benchmarks" / "claims.md"
MODES = ("quick", "full")


# Per cell. The longest cell takes under 2 min in full mode on a slow day; a reply that the client
# never receives (seen once here: the kernel idle, nbconvert still waiting) then costs 15 min,
# reported as an error, instead of an hour.
CELL_TIMEOUT_S = 900


def run_key(mode: str, seed: int) -> str:
    """The column a run fills: 'quick/0', 'full/1', …"""
    return f"{mode}/{seed}"


def execute(notebook: Path, mode: str, seed: int, timeout: int = CELL_TIMEOUT_S) -> dict:
    """Run one notebook in a fresh kernel with seeds shifted by ``seed``; return its claims."""
    with tempfile.TemporaryDirectory() as tmp:
        claims_file = Path(tmp) / "claims.jsonl"
        env = {
            **os.environ,
            "DNN_QUICK": "1" if mode == "quick" else "0",
            "DNN_SEED": str(seed),
            "DNN_CLAIMS": "explain",
            "DNN_CLAIMS_FILE": str(claims_file),
            "DNN_RESULTS_FILE": "",
        }
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "notebook", "--execute",
             f"--ExecutePreprocessor.timeout={timeout}", "--output-dir", tmp,
             "--output", "executed", str(notebook)],
            env=env, capture_output=True, text=True, check=False,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        rows = (
            [json.loads(line) for line in claims_file.read_text().splitlines()]
            if (claims_file.exists())
            else []
        )
    error = ""
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        error = lines[-1][:300] if lines else f"exit code {done.returncode}"
    return {"notebook": notebook.stem, "mode": mode, "seed": seed, "seconds": seconds,
            "error": error, "claims": rows}  # fmt: skip


def load() -> dict:
    """Everything recorded so far: {'runs': {'quick/0': {notebook: run}}, 'dates': {...}}."""
    if CLAIMS_JSON.exists():
        return json.loads(CLAIMS_JSON.read_text(encoding="utf-8"))
    return {"runs": {}, "dates": {}}


def store(runs: list[dict]) -> dict:
    """Merge new runs into claims.json (a run replaces the same notebook, mode and seed)."""
    with (ROOT / "benchmarks" / ".claims.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two reports may finish at once; neither loses rows
        everything = load()
        today = dt.date.today().isoformat()
        for run in runs:
            key = run_key(run["mode"], run["seed"])
            everything["runs"].setdefault(key, {})[run["notebook"]] = run
            everything["dates"][key] = today
        CLAIMS_JSON.write_text(json.dumps(everything, indent=1, ensure_ascii=False) + "\n")
    return everything


def _cell(row: dict | None) -> str:
    if row is None:
        return "–"
    mark = "✔" if row["held"] else "✘ **missed**"
    if row.get("value") is None:
        return mark
    return f"{mark} {row['value']:.3g} ({row['margin']:+.2g})"


def _columns(everything: dict) -> list[str]:
    def order(key: str) -> tuple[int, int]:
        mode, seed = key.split("/")
        return MODES.index(mode), int(seed)

    return sorted(everything["runs"], key=order)


def write_report(everything: dict, notebooks: list[str]) -> tuple[int, int]:
    """claims.md from all runs; returns (claim checks, misses and errors) over every run."""
    columns = _columns(everything)
    checked = missed = 0
    lines = [
        "# Claims report",
        "",
        "Every `check_claim` of every notebook, run top to bottom in a fresh kernel with its seeds "
        "shifted by `DNN_SEED` (0 is the stored run). A cell shows ✔ when the claim held; for a "
        "claim with a threshold it also shows the measured value and, in brackets, the margin by "
        "which it passed the threshold (negative: missed). Written by `benchmarks/claims.py` "
        "(`make claims` for quick mode; `make bench` adds the full-mode seeds).",
        "",
        "Runs: " + ", ".join(f"{c} ({everything['dates'].get(c, '?')})" for c in columns) + ".",
        "",
    ]
    failures = []
    for notebook in notebooks:
        runs = {c: everything["runs"].get(c, {}).get(notebook) for c in columns}
        statements: list[str] = []
        for run in runs.values():
            for row in (run or {}).get("claims", []):
                if row["statement"] not in statements:
                    statements.append(row["statement"])
        lines += [f"## {notebook}", "", "| claim | " + " | ".join(columns) + " |",
                  "|---|" + "---|" * len(columns)]  # fmt: skip
        for statement in statements:
            cells = []
            for column, run in runs.items():
                rows = [r for r in (run or {}).get("claims", []) if r["statement"] == statement]
                if not rows:
                    cells.append("–")
                    continue
                worst = min(rows, key=lambda r: (r["held"], r.get("margin") or 0))
                checked += len(rows)
                bad = [r for r in rows if not r["held"]]
                missed += len(bad)
                if bad:
                    failures.append(f"{notebook} · {column}: {statement}")
                cells.append(_cell(worst))
            lines.append(f"| {statement.replace('|', '∣')} | " + " | ".join(cells) + " |")
        errors = [f"{c}: {r['error']}" for c, r in runs.items() if r and r["error"]]
        if errors:
            lines += ["", "Stopped with an error: " + "; ".join(errors)]
            failures += [f"{notebook} · {e}" for e in errors]
        lines.append("")
    summary = [
        "## Summary",
        "",
        f"{checked} claim checks over {len(columns)} runs of {len(notebooks)} notebooks; "
        f"{missed} missed.",
        "",
    ]
    summary += [f"* ✘ {f}" for f in failures] or ["Every claim held in every run."]
    at = next(i for i, line in enumerate(lines) if line.startswith("Runs: ")) + 2
    lines[at:at] = summary
    CLAIMS_MD.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return checked, len(failures)


def main(argv: list[str] | None = None) -> None:
    """Run the asked notebooks × seeds, merge into claims.json, rewrite claims.md."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--mode", choices=MODES, default="quick")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--notebooks", nargs="*", default=None, help="two-digit prefixes")
    parser.add_argument("--jobs", type=int, default=2, help="kernels at a time (default 2)")
    parser.add_argument("--report", action="store_true", help="only rewrite claims.md")
    args = parser.parse_args(argv)

    paths = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
    if args.notebooks:
        unknown = [n for n in args.notebooks if not any(p.name.startswith(n) for p in paths)]
        if unknown:
            parser.error(f"no notebook starts with {unknown}; have {[p.name[:2] for p in paths]}")
        chosen = [p for p in paths if any(p.name.startswith(n) for n in args.notebooks)]
    else:
        chosen = paths
    if not args.report:
        jobs = [(p, seed) for seed in args.seeds for p in chosen]
        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(execute, p, args.mode, seed) for p, seed in jobs]
            runs = []
            for future in futures:
                run = future.result()
                runs.append(run)
                missed = [c["statement"] for c in run["claims"] if not c["held"]]
                status = run["error"] or (f"{len(missed)} missed: {missed}" if missed else "ok")
                print(f"{run['mode']:5} seed {run['seed']:>2} {run['notebook']:<40} "
                      f"{len(run['claims']):3d} claims {run['seconds']:6.1f} s  {status}",
                      flush=True)  # fmt: skip
        everything = store(runs)
    else:
        everything = load()
    checked, missed = write_report(everything, [p.stem for p in paths])
    print(f"wrote {CLAIMS_MD.relative_to(ROOT)}: {checked} claim checks, {missed} missed")
    if missed:
        sys.exit(1)


if __name__ == "__main__":
    main()
