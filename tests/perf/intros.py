"""Print how long an introduction round takes on a big network, and its peak memory.

Run from the repository root: `python tests/perf/intros.py [--members 20000] [--spaces 400]`.
Goals: the round (load, pair, store introductions, queue every DM, commit) under 3 s and the
process under 300 MB peak. Figures are printed, not asserted: timings depend on the machine
(and on what else runs on it, hence the best of ``--repeats`` runs, all but the last rolled back).

`python tests/perf/intros.py --postgres` runs the same on the PostgreSQL database named by
COWORKBOT_TEST_POSTGRES_URL (its schema is dropped and rebuilt: a test database only), by default
at 100,000 members in 2,000 spaces. Goals there: under 10 s and under 500 MB peak.

The network is built once in a temporary SQLite file (bulk inserts, not timed): every member
opted in (a few on a pause, a few left out by the last round), 1-4 skills each from the
vocabulary, 10% with an open request (some with a free #tag), and past introductions in the
last 90 days that the round must not repeat. The round then runs in a fresh subprocess, so
its peak RSS is the round's and not the builder's.

A second table times the pairing alone at growing sizes, to show it is linear, not quadratic.
"""
from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.utc)  # a Monday, 10:00 in Brussels
WORDS = ["python", "javascript", "graphic design", "translation", "accounting", "marketing", "photography",
         "copywriting", "project management", "law", "data analysis", "ux design", "video editing",
         "seo", "sales", "illustration", "web development", "fundraising", "teaching", "3d modelling"]
LANGS = ["en", "fr", "it", "es", "el", "hr", "de", "sl"]


def build(url: str, members: int, spaces: int, seed: int = 1) -> None:
    """A network of ``members`` opted-in members in ``spaces`` spaces, in a new, empty database."""
    from sqlalchemy import insert

    from bot.vocabulary import canonical_tags
    from storage.models import Introduction, Member, MemberSkill, NeedRequest, Space
    from tests.perf.databases import fresh_engine

    rng = random.Random(seed)
    tags = sorted({tag for word in WORDS for tag in canonical_tags(word)})
    engine = fresh_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Space), [
            {"slug": f"space-{i}", "name": f"Space {i}", "city": f"City {i}", "country": "FR",
             "timezone": "Europe/Paris", "language": LANGS[i % 8], "closing_time": "20:00", "created_at": NOW}
            for i in range(1, spaces + 1)])
        conn.execute(insert(Member), [
            {"platform": "telegram" if i % 3 else "matrix", "user_id": f"user{i}", "display_name": f"User {i}",
             "handle": f"user{i}" if i % 5 else None, "language": LANGS[i % 8], "home_space_id": 1 + i % spaces,
             "is_coordinator": False, "consent_directory": True, "consent_presence": True, "consent_intros": True,
             "consent_requests": True, "created_at": NOW, "last_seen_at": NOW,
             "intros_paused_until": NOW + timedelta(days=7) if i % 50 == 0 else None,
             "intro_left_out_at": NOW - timedelta(days=7) if i % 997 == 0 else None}
            for i in range(1, members + 1)])
        conn.execute(insert(MemberSkill), [
            {"member_id": i, "tag": tag}
            for i in range(1, members + 1) for tag in rng.sample(tags, rng.randint(1, 4))])
        conn.execute(insert(NeedRequest), [
            {"space_id": 1 + i % spaces, "requester_id": i,
             "text": "help wanted #Λουκουμάδες" if i % 7 == 0 else "help wanted",  # a free tag, shown as typed
             "tags": rng.sample(tags, 1) + (["free:λουκουμαδες"] if i % 7 == 0 else []),
             "status": "open", "network": False, "created_at": NOW - timedelta(days=2)}
            for i in rng.sample(range(1, members + 1), members // 10)])
        conn.execute(insert(Introduction), [
            {"member_a_id": rng.randint(1, members), "member_b_id": rng.randint(1, members), "kind": "round",
             "created_at": NOW - timedelta(days=rng.randint(1, 89))}
            for _ in range(members // 2)])
    engine.dispose()


def run_round(url: str, repeats: int) -> None:
    """In a fresh process: the round ``repeats`` times (all but the last rolled back), timed."""
    from bot.config import Settings
    from bot.intro_pairing import pair_people
    from bot.intro_round import load_people, recent_pairs
    from bot.intro_round import run_round as round_
    from bot.skills import vocabulary
    from storage.db import create_db_engine, session_factory

    vocabulary()  # loaded at start-up in the bot too; not part of a round
    settings = Settings(database_url=url)
    sessions = session_factory(create_db_engine(settings.database_url))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with sessions() as session:
        start = time.perf_counter()
        people, _, _ = load_people(session, NOW)
        recent = recent_pairs(session, NOW)
        loaded = time.perf_counter()
        pairs, _ = pair_people(people, recent, vocabulary().related, random.Random(1))
        paired = time.perf_counter()
    print(f"phases: load {loaded - start:.2f} s ({len(people)} people, {len(recent)} recent pairs), "
          f"pairing {paired - loaded:.2f} s; {quality(pairs)}")
    times, cpu = [], []
    for attempt in range(repeats):
        with sessions() as session:
            start, start_cpu = time.perf_counter(), time.process_time()
            result = round_(session, NOW, settings)
            if attempt == repeats - 1:
                session.commit()
            else:
                session.flush()
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            session.rollback()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"round (load, pair, store, queue DMs{', commit' if repeats == 1 else ''}): best {min(times):.2f} s of "
          f"{', '.join(f'{t:.2f}' for t in times)} (this process's CPU: {min(cpu):.2f} s; the rest is the "
          f"database and waiting); {result.pairs} pairs, {result.unmatched} unmatched, {result.messages} DMs queued")
    print(f"peak memory: {peak:.0f} MB (whole process), {before:.0f} MB before the round")
    load, cores = os.getloadavg()[0], os.cpu_count()
    print(f"machine load while measuring: {load:.1f} on {cores} cores (timings grow with it)")


def quality(pairs: list) -> str:
    """How well the preferences were met: pairs across spaces, needs answered by a skill."""
    apart = sum(a.space_id != b.space_id for a, b in pairs) / max(1, len(pairs))
    askers = [(a, b) for a, b in pairs if a.needs or b.needs]
    answered = sum(bool(a.needs & b.skills or b.needs & a.skills) for a, b in askers) / max(1, len(askers))
    return f"{apart:.0%} across spaces, {answered:.0%} of pairs with a need get a matching skill"


def pairing_scaling() -> None:
    """The pairing alone on synthetic people: time per size should grow linearly."""
    from bot.intro_pairing import Person, pair_people

    print("pairing only (synthetic):")
    for n in (5_000, 10_000, 20_000, 40_000):
        rng = random.Random(n)
        tags = [f"t{i}" for i in range(80)]
        people = [Person(i, i % (n // 50), frozenset(rng.sample(tags, rng.randint(1, 4))),
                         frozenset(rng.sample(tags, 1)) if i % 10 == 0 else frozenset()) for i in range(1, n + 1)]
        related = {t: {tags[(k + 1) % 80], tags[(k + 7) % 80]} for k, t in enumerate(tags)}
        start = time.perf_counter()
        pairs, alone = pair_people(people, set(), related.__getitem__, random.Random(1))
        elapsed = time.perf_counter() - start
        print(f"  {n:>6} people: {elapsed:.3f} s, {len(pairs)} pairs, {len(alone)} alone; {quality(pairs)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, help="default 20,000 (100,000 with --postgres)")
    parser.add_argument("--spaces", type=int, help="default 400 (2,000 with --postgres)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds to time (the last one commits)")
    parser.add_argument("--postgres", action="store_true",
                        help="run on COWORKBOT_TEST_POSTGRES_URL (dropped and rebuilt) instead of SQLite")
    parser.add_argument("--round-only", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.round_only:
        run_round(args.round_only, args.repeats)
        return
    members = args.members or (100_000 if args.postgres else 20_000)
    spaces = args.spaces or (2_000 if args.postgres else 400)
    with tempfile.TemporaryDirectory() as folder:
        url = os.environ.get("COWORKBOT_TEST_POSTGRES_URL") if args.postgres else f"sqlite:///{folder}/network.db"
        if not url:
            parser.error("--postgres needs COWORKBOT_TEST_POSTGRES_URL")
        start = time.perf_counter()
        build(url, members, spaces)
        where = "PostgreSQL" if args.postgres else "SQLite"
        print(f"built {members} members in {spaces} spaces ({where}) in {time.perf_counter() - start:.1f} s")
        subprocess.run([sys.executable, __file__, "--round-only", url, "--repeats", str(args.repeats)],
                       check=True, cwd=ROOT)
    if not args.postgres:
        pairing_scaling()


if __name__ == "__main__":
    main()
