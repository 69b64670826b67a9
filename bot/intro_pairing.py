"""Who meets whom in an introduction round: pure pairing, no database.

Pairing is greedy over *bounded* candidate lists. Candidates come from
buckets keyed by tag (people who have a skill, people who need it) and from a
shuffled pool of everyone (for a different-space partner when no tag fits).
Each bucket keeps a cursor past the people already paired, so the work is
linear in members times a constant breadth: 100,000 members never means
10 billion comparisons. A perfect matching is not the goal; a good one that
runs in a few seconds every Monday is.

Preferences, as scores: complementary (one's skills answer the other's open
needs) 4, a different space 2, related skills 2. Hard rules: no pair that met
(or was proposed) in the last 90 days, at most one introduction per member.
Whoever the last round left out chooses first, so the odd one out is never
the same person twice running while anyone is free to meet them.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from random import Random

SCAN = 8  # entries looked at per bucket
BREADTH = 32  # candidates scored per person, at most (plus one pool scan)
NEED_SCORE, SPACE_SCORE, RELATED_SCORE = 4, 2, 2


@dataclass(frozen=True, slots=True)
class Person:
    """What pairing needs to know of an opted-in member."""

    id: int
    space_id: int | None
    skills: frozenset[str]
    needs: frozenset[str]
    #: The last round found nobody for them.
    left_out: bool = False


def pair_people(people: list[Person], recent: set[tuple[int, int]], related: Callable[[str], Iterable[str]],
                rng: Random) -> tuple[list[tuple[Person, Person]], list[Person]]:
    """Greedy pairs and the people left without one. Linear in ``len(people)``."""
    order = list(range(len(people)))
    rng.shuffle(order)
    by_skill: dict[str, list] = defaultdict(lambda: [[], 0])  # tag → [indices, cursor]
    by_need: dict[str, list] = defaultdict(lambda: [[], 0])
    for i in order:
        for tag in people[i].skills:
            by_skill[tag][0].append(i)
        for tag in people[i].needs:
            by_need[tag][0].append(i)
    pool: list = [order, 0]
    taken = [False] * len(people)
    related_of: dict[str, frozenset[str]] = {}

    def candidates(bucket: list, me: int) -> list[int]:
        """Up to SCAN free people of a bucket; the cursor skips the taken ones for good."""
        items, start = bucket
        while start < len(items) and taken[items[start]]:
            start += 1
        bucket[1] = start
        return [j for j in items[start:start + SCAN] if not taken[j] and j != me]

    pairs: list[tuple[Person, Person]] = []
    # Those left out last time first; then those with needs, then those with skills: they have
    # the most to gain from a good match.
    for i in sorted(order, key=lambda k: (not people[k].left_out, not people[k].needs, not people[k].skills)):
        if taken[i]:
            continue
        me = people[i]
        rel: set[str] = set()
        for tag in me.skills:
            if tag not in related_of:
                related_of[tag] = frozenset(related(tag))
            rel |= related_of[tag]
        need_buckets = [by_skill[t] for t in me.needs if t in by_skill] + [by_need[t] for t in me.skills if t in by_need]
        related_buckets = [by_skill[t] for t in rel if t in by_skill]
        # The best score this person could get; reaching it ends the search early.
        ceiling = SPACE_SCORE + (NEED_SCORE if need_buckets else 0) + (RELATED_SCORE if related_buckets else 0)
        seen: set[int] = set()
        best, best_score = -1, -1
        for bucket in (*need_buckets, *related_buckets, pool):
            if best_score >= ceiling or (len(seen) >= BREADTH and bucket is not pool):
                continue
            for j in candidates(bucket, i):
                if j in seen:
                    continue
                seen.add(j)
                other = people[j]
                if ((me.id, other.id) if me.id < other.id else (other.id, me.id)) in recent:
                    continue
                score = SPACE_SCORE if me.space_id is None or me.space_id != other.space_id else 0
                # isdisjoint: no intersection set is built (this runs ~4 times per member)
                if not me.needs.isdisjoint(other.skills) or not other.needs.isdisjoint(me.skills):
                    score += NEED_SCORE
                if not rel.isdisjoint(other.skills):
                    score += RELATED_SCORE
                if score > best_score:
                    best, best_score = j, score
        if best >= 0:
            taken[i] = taken[best] = True
            pairs.append((me, people[best]))
    return pairs, [people[i] for i in order if not taken[i]]
