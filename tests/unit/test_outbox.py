"""The persistent outbox: stored before sent, sent once, paced, retried, never lost."""
from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.messages import ChatRef, DeliveryError, Reply, RetryAfter, SentRef
from bot.outbox import DeliveryWorker, enqueue
from bot.pacer import SendPacer
from storage.models import OutboxMessage
from tests.world import FakeAdapter, World


class Tick:
    """A monotonic clock tests move by hand (the pacer's clock)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class PacedAdapter(FakeAdapter):
    """A fake platform that keeps its pacer's books like the real adapters do."""

    async def send(self, chat: ChatRef, reply: Reply) -> SentRef:
        release = await self.pacer.acquire(chat)
        try:
            return await super().send(chat, reply)
        finally:
            release()


def queue(world: World, *chats: str, text: str = "hello") -> None:
    with world.sessions() as session:
        for chat in chats:
            enqueue(session, ChatRef("telegram", chat), Reply(text), not_before=world.clock.now)
        session.commit()


def rows(world: World) -> list[OutboxMessage]:
    with world.sessions() as session:
        return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)))


def delivered(world: World) -> list[tuple[str, str]]:
    return [(chat.chat_id, reply.text) for chat, reply in world.adapters["telegram"].sent]


async def test_each_row_is_sent_once_even_after_a_restart(world: World) -> None:
    queue(world, "-1", "-2", "-3")
    await world.deliver()
    assert delivered(world) == [("-1", "hello"), ("-2", "hello"), ("-3", "hello")]
    assert [r.status for r in rows(world)] == ["sent"] * 3
    restarted = DeliveryWorker(world.sessions, world.adapters, clock=world.clock)
    assert await restarted.deliver_due() == 0
    assert len(delivered(world)) == 3


async def test_a_chat_gets_its_messages_in_order(world: World) -> None:
    with world.sessions() as session:
        for n in range(5):
            enqueue(session, ChatRef("telegram", "-1"), Reply(f"part {n}"), not_before=world.clock.now)
        session.commit()
    await world.deliver()
    assert [text for _, text in delivered(world)] == [f"part {n}" for n in range(5)]


async def test_retry_after_is_honoured_and_is_not_a_failed_attempt(world: World) -> None:
    queue(world, "-1")
    world.adapters["telegram"].failures.append(RetryAfter(7))
    await world.deliver()
    assert delivered(world) == []
    world.clock.advance(seconds=6)
    await world.deliver()
    assert delivered(world) == []
    world.clock.advance(seconds=1)
    await world.deliver()
    assert delivered(world) == [("-1", "hello")]
    assert rows(world)[0].attempts == 1


async def test_transient_errors_back_off_then_succeed(world: World) -> None:
    queue(world, "-1")
    world.adapters["telegram"].failures += [DeliveryError("network: timed out"), DeliveryError("network: reset")]
    await world.deliver()
    world.clock.advance(seconds=2)  # first retry after 2 s
    await world.deliver()
    assert delivered(world) == []
    world.clock.advance(seconds=3)
    await world.deliver()
    assert delivered(world) == []  # second retry after 4 s
    world.clock.advance(seconds=1)
    await world.deliver()
    assert delivered(world) == [("-1", "hello")]
    assert rows(world)[0].status == "sent"


async def test_permanent_failure_does_not_hold_up_the_others(world: World) -> None:
    queue(world, "-1", "-2")
    world.adapters["telegram"].failures.append(DeliveryError("Forbidden: bot was kicked", permanent=True))
    await world.deliver()
    assert delivered(world) == [("-2", "hello")]
    first, second = rows(world)
    assert (first.status, first.last_error) == ("failed", "Forbidden: bot was kicked")
    assert second.status == "sent"


async def test_a_group_over_its_per_minute_budget_waits_while_others_go_on(world: World) -> None:
    tick = Tick()
    adapter = PacedAdapter("telegram")
    adapter.pacer = SendPacer(overall=(30, 1.0), per_chat=(20, 60.0), clock=tick)
    world.adapters["telegram"] = adapter
    queue(world, *["-1"] * 25)
    queue(world, "-2")
    await world.deliver()
    to_first = [chat for chat, _ in delivered(world) if chat == "-1"]
    assert len(to_first) == 20 and ("-2", "hello") in delivered(world)
    tick.now += 60
    world.clock.advance(seconds=60)
    await world.deliver()
    assert len([chat for chat, _ in delivered(world) if chat == "-1"]) == 25


async def test_the_pacer_keeps_the_overall_rate() -> None:
    pacer = SendPacer(overall=(30, 0.2))  # 30 per 0.2 s: the same shape, five times faster
    loop = asyncio.get_running_loop()
    stamps = []
    for _ in range(90):
        release = await pacer.acquire(ChatRef("telegram", "1", is_direct=True))
        stamps.append(loop.time())
        release()
    assert all(later - earlier >= 0.2 for earlier, later in zip(stamps, stamps[30:]))
    assert stamps[-1] - stamps[0] < 0.6  # and does not crawl


async def test_a_reply_waiting_for_a_slot_goes_before_bulk_sends_that_waited_longer() -> None:
    """Replies first: with the window full, the next free slots go to a member's reply, then to the
    outbox rows in the order they came."""
    from bot.pacer import BULK

    pacer = SendPacer(overall=(2, 0.3))
    chat = ChatRef("telegram", "5", is_direct=True)
    held = [await pacer.acquire(chat), await pacer.acquire(chat)]  # the window is full
    order: list[str] = []

    async def send(name: str, bulk: bool) -> None:
        BULK.set(bulk)
        release = await pacer.acquire(chat)
        order.append(name)
        release()

    bulk_sends = [asyncio.create_task(send(f"bulk {i}", True)) for i in range(3)]
    await asyncio.sleep(0.05)  # the bulk sends have waited a while when the reply comes
    reply = asyncio.create_task(send("reply", False))
    await asyncio.sleep(0.05)
    for release in held:
        release()
    await asyncio.gather(reply, *bulk_sends)
    assert order == ["reply", "bulk 0", "bulk 1", "bulk 2"]
