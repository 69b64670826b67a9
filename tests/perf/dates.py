"""Print how long `bot.dates.parse_when` takes: first parse in a fresh process, then per parse.

Run from the repository root: `python tests/perf/dates.py [--reps N]`. Goals: first parse
<= 150 ms, median <= 1 ms. Figures are printed, not asserted: timings depend on the machine.

- import: `import bot.dates` (imports dateparser's code, loads none of its language data).
- first parse, cold: the very first `parse_when` of a process, so it includes dateparser's lazy
  loading (time-zone regexes, the language's dictionaries). Measured in a fresh subprocess.
- first parse, cold, each phrase: one fresh process per phrase (language and path differ).
- first parse after warm_up: same, but `warm_up(ALL_LANGUAGES)` ran first, as at bot start-up.
- median, as used: every phrase parsed repeatedly with the same base date, so repetitions hit
  the per-(text, languages, base date) cache, as a /event then /confirm of the same text would.
- median, uncached: the plan cache cleared before every call, so each call runs dateparser
  (with its language data already loaded): the cost of a text never seen before that day.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("Europe/Paris")
NOW = datetime(2026, 11, 25, 10, 0, tzinfo=TZ)  # a Wednesday
ALL_LANGUAGES = ["en", "fr", "it", "es", "el", "hr", "de", "sl"]
PHRASES: list[tuple[str, str]] = [
    ("tomorrow at 6pm", "en"),
    ("demain à 18h", "fr"),
    ("domani alle 18", "it"),
    ("mañana a las 18:00", "es"),
    ("αύριο στις 18:00", "el"),
    ("sutra u 18 sati", "hr"),
    ("morgen um 18 Uhr", "de"),
    ("jutri ob 18:00", "sl"),
    ("next friday 9:30", "en"),
    ("12/12 18:30", "fr"),
    ("2026-12-03 19:00", "de"),
    ("vendredi 18h", "fr"),
    ("venerdì alle 18", "it"),
    ("Freitag 18 Uhr", "de"),
    ("every friday 9:00", "en"),
    ("chaque vendredi 9h", "fr"),
    ("ogni venerdì alle 9", "it"),
    ("cada viernes a las 9:00", "es"),
    ("todos los viernes a las 9", "es"),
    ("κάθε Παρασκευή στις 9:00", "el"),
    ("svaki petak u 9", "hr"),
    ("jeden Freitag um 9 Uhr", "de"),
    ("vsak petek ob 9:00", "sl"),
    ("every day 9:00", "en"),
    ("every month 18:00", "en"),
]


def first_parse(index: int, warm: bool) -> dict[str, float]:
    """Time the import and the first parse_when of this process (run in a fresh subprocess)."""
    t0 = time.perf_counter()
    from bot.dates import parse_when, warm_up  # noqa: PLC0415 (the import is what we time)

    t1 = time.perf_counter()
    if warm:
        warm_up(ALL_LANGUAGES)
    t2 = time.perf_counter()
    text, lang = PHRASES[index]
    result = parse_when(text, [lang], TZ, NOW)
    t3 = time.perf_counter()
    second = parse_when("domani alle 18", ["it", "fr"], TZ, NOW)  # another language set
    t4 = time.perf_counter()
    assert result is not None and second is not None
    return {"import": t1 - t0, "warm_up": t2 - t1, "first": t3 - t2, "other_lang": t4 - t3}


def in_fresh_process(index: int, warm: bool) -> dict[str, float]:
    """Run `first_parse` in a new interpreter, so nothing is loaded or cached yet."""
    args = [sys.executable, __file__, "--child", str(index)] + (["--warm"] if warm else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    figures: dict[str, float] = json.loads(out)
    return figures


def per_parse(reps: int, cached: bool) -> list[float]:
    """Seconds per call over all phrases, `reps` times each, in this (already warm) process."""
    from bot import dates  # noqa: PLC0415

    for text, lang in PHRASES:  # load every language and check every phrase parses
        assert dates.parse_when(text, [lang], TZ, NOW) is not None, text
    timings: list[float] = []
    for _ in range(reps):
        for text, lang in PHRASES:
            if not cached:
                dates._plan.cache_clear()
            t0 = time.perf_counter()
            dates.parse_when(text, [lang], TZ, NOW)
            timings.append(time.perf_counter() - t0)
    return timings


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.3f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--warm", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.child is not None:
        print(json.dumps(first_parse(args.child, args.warm)))
        return

    runs, french = 5, 1  # PHRASES[1] is "demain à 18h"
    cold = [in_fresh_process(french, warm=False) for _ in range(runs)]
    warm = [in_fresh_process(french, warm=True) for _ in range(runs)]
    each = [in_fresh_process(i, warm=False)["first"] for i in range(len(PHRASES))]

    def spread(rows: list[dict[str, float]], key: str) -> str:
        values = [row[key] for row in rows]
        return f"{ms(statistics.median(values))} (best {ms(min(values)).strip()}, {runs} processes)"

    print(f"{len(PHRASES)} phrases, {args.reps} repetitions, Python {sys.version.split()[0]}")
    print(f"import bot.dates                    {spread(cold, 'import')}")
    print(f"first parse, cold ('demain à 18h')  {spread(cold, 'first')}")
    print(f"  then another language (it,fr)     {spread(cold, 'other_lang')}")
    print(
        f"first parse, cold, each phrase      {ms(statistics.median(each))} median,"
        f" max {ms(max(each)).strip()} ({PHRASES[each.index(max(each))][0]!r})"
    )
    print(f"warm_up(8 languages) at start-up    {spread(warm, 'warm_up')}")
    print(f"first parse after warm_up           {spread(warm, 'first')}")
    for cached in (True, False):
        timings = per_parse(args.reps, cached)
        label = "as used (cache hits)" if cached else "uncached (dateparser)"
        q = statistics.quantiles(timings, n=20)
        print(
            f"per parse, {label:24} median {ms(statistics.median(timings))}"
            f"  p95 {ms(q[18])}  max {ms(max(timings))}"
        )


if __name__ == "__main__":
    main()
