"""The tables. One row type per thing a user can name; datetimes are aware UTC.

Every datetime column uses :class:`UTCDateTime` so SQLite and PostgreSQL give
back the same aware values. Foreign keys cascade on delete where the child row
is personal data of its parent (``/forgetme`` deletes the member and they go).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, LargeBinary, UniqueConstraint, and_, text
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime, utcnow


def _when(nullable: bool = False, index: bool = False) -> Any:
    """A tz-aware datetime column."""
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable, index=index)


def _fk(target: str, nullable: bool = False, ondelete: str = "CASCADE") -> Any:
    """An integer foreign key column (SQLModel's own ``foreign_key`` has no ON DELETE)."""
    return Field(
        default=None,
        sa_column=Column(Integer, ForeignKey(target, ondelete=ondelete), nullable=nullable, index=True),
    )


class Space(SQLModel, table=True):
    """A coworking space of the network."""

    id: Optional[int] = Field(default=None, primary_key=True)
    slug: str = Field(unique=True, index=True, max_length=64)
    name: str = Field(max_length=100)
    city: str = Field(max_length=100)
    country: str = Field(max_length=2)
    timezone: str = Field(max_length=64)
    language: str = Field(default="en", max_length=8)
    #: When check-ins end on a day without opening hours (and always, while no hours are set).
    closing_time: str = Field(default="20:00", max_length=5)
    #: OSM ``opening_hours`` as the bot writes them back (``Mo-Fr 08:00-19:00; Sa 09:00-13:00``); "" = not said.
    opening_hours: str = Field(default="", max_length=255, sa_column_kwargs={"server_default": ""})
    #: Desks; None = not said.
    capacity: Optional[int] = None
    address: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ChatLink(SQLModel, table=True):
    """A platform chat (Telegram group, Matrix room, console room) linked to a space."""

    __table_args__ = (UniqueConstraint("platform", "chat_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=255)
    space_id: int = _fk("space.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Member(SQLModel, table=True):
    """Anyone who has talked to the bot, once per platform identity."""

    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=255)
    display_name: str = Field(default="", max_length=255)
    handle: Optional[str] = Field(default=None, max_length=255)
    language: Optional[str] = Field(default=None, max_length=8)
    platform_language: Optional[str] = Field(default=None, max_length=16)
    home_space_id: Optional[int] = _fk("space.id", nullable=True, ondelete="SET NULL")
    is_coordinator: bool = False
    consent_directory: bool = True
    consent_presence: bool = True
    consent_intros: bool = False
    consent_requests: bool = True
    #: ``/intro pause 2w``: no introduction round before this time (None: not paused).
    intros_paused_until: Optional[datetime] = _when(nullable=True)
    #: When the last round found nobody for them (None once paired): the next round pairs them first.
    intro_left_out_at: Optional[datetime] = _when(nullable=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Manager(SQLModel, table=True):
    """A member who manages a space: appointed by a coordinator or seen as chat admin."""

    __table_args__ = (UniqueConstraint("space_id", "member_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    space_id: int = _fk("space.id")
    member_id: int = _fk("member.id")
    source: str = Field(default="appointed", max_length=16)
    #: For ``chat_admin`` rights, the linked chat that gave them: unlinking it ends them.
    chat_link_id: Optional[int] = _fk("chatlink.id", nullable=True)


class CheckIn(SQLModel, table=True):
    """A presence at a space. A member has at most one open check-in at a time.

    The database holds that rule (a unique index over the rows not ended), so
    two instances or two quick /checkin never make two; a check-in that simply
    expired is ended (``ended_at = expires_at``) before the member's next one.
    """

    __table_args__ = (
        Index("uq_checkin_open_member", "member_id", unique=True,
              sqlite_where=text("ended_at IS NULL"), postgresql_where=text("ended_at IS NULL")),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    member_id: Optional[int] = _fk("member.id", nullable=True, ondelete="SET NULL")
    space_id: int = _fk("space.id")
    note: str = Field(default="", max_length=280)
    started_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    expires_at: datetime = Field(sa_type=UTCDateTime, index=True)
    ended_at: Optional[datetime] = _when(nullable=True)

    @staticmethod
    def open_at(now: Any) -> Any:
        """SQL condition "this check-in is current at ``now``" (a value or a bind parameter)."""
        return and_(CheckIn.ended_at.is_(None), CheckIn.expires_at > now)  # type: ignore[union-attr]


class MemberSkill(SQLModel, table=True):
    """A skill tag of a member: a vocabulary id or ``free:<normalized text>``."""

    __table_args__ = (UniqueConstraint("member_id", "tag"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    member_id: int = _fk("member.id")
    tag: str = Field(max_length=120, index=True)


class Event(SQLModel, table=True):
    """An event of a space (or of the whole network when ``network`` is set)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    space_id: int = _fk("space.id")
    creator_id: Optional[int] = _fk("member.id", nullable=True, ondelete="SET NULL")
    title: str = Field(max_length=200)
    location: str = Field(default="", max_length=200)
    starts_at: datetime = Field(sa_type=UTCDateTime, index=True)
    #: End of the first occurrence when a range was given ("18h-20h"); each occurrence lasts as long.
    ends_at: Optional[datetime] = _when(nullable=True)
    rrule: Optional[str] = Field(default=None, max_length=200)
    network: bool = False
    capacity: Optional[int] = None
    status: str = Field(default="pending", max_length=16)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Rsvp(SQLModel, table=True):
    """A member's answer to an event; ``waitlist`` when over capacity."""

    __table_args__ = (UniqueConstraint("event_id", "member_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    event_id: int = _fk("event.id")
    member_id: int = _fk("member.id")
    status: str = Field(max_length=16)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Reminder(SQLModel, table=True):
    """One reminder of one occurrence of an event; ``sent_at`` makes it fire once."""

    __table_args__ = (UniqueConstraint("event_id", "occurrence_at", "offset_seconds"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    event_id: int = _fk("event.id")
    occurrence_at: datetime = Field(sa_type=UTCDateTime)
    offset_seconds: int
    due_at: datetime = Field(sa_type=UTCDateTime, index=True)
    sent_at: Optional[datetime] = _when(nullable=True)
    skipped_at: Optional[datetime] = _when(nullable=True)


class NeedRequest(SQLModel, table=True):
    """A skill request posted with ``/need``."""

    id: Optional[int] = Field(default=None, primary_key=True)
    space_id: int = _fk("space.id")
    requester_id: Optional[int] = _fk("member.id", nullable=True, ondelete="SET NULL")
    text: str = Field(max_length=1000)
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="open", max_length=16)
    network: bool = False
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    escalated_at: Optional[datetime] = _when(nullable=True)
    resolved_at: Optional[datetime] = _when(nullable=True)


class NeedAsk(SQLModel, table=True):
    """That a member was asked about a request, so nobody is asked twice."""

    __table_args__ = (UniqueConstraint("request_id", "member_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    request_id: int = _fk("needrequest.id")
    member_id: int = _fk("member.id")
    asked_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Introduction(SQLModel, table=True):
    """A double opt-in introduction between two members."""

    id: Optional[int] = Field(default=None, primary_key=True)
    member_a_id: Optional[int] = _fk("member.id", nullable=True, ondelete="SET NULL")
    member_b_id: Optional[int] = _fk("member.id", nullable=True, ondelete="SET NULL")
    kind: str = Field(default="round", max_length=16)
    request_id: Optional[int] = _fk("needrequest.id", nullable=True, ondelete="SET NULL")
    round_id: Optional[int] = _fk("introround.id", nullable=True, ondelete="SET NULL")
    a_answer: Optional[str] = Field(default=None, max_length=8)
    b_answer: Optional[str] = Field(default=None, max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    completed_at: Optional[datetime] = _when(nullable=True)


class IntroRound(SQLModel, table=True):
    """One introduction round, weekly or on ``/intros run``."""

    id: Optional[int] = Field(default=None, primary_key=True)
    ran_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    pairs: int = 0


class OutboxMessage(SQLModel, table=True):
    """A message stored before it is sent, so a restart loses and repeats nothing.

    ``author_id``, ``subject_id`` and ``recipient_id`` name the members a row
    concerns (who wrote it, who it is about, whose direct chat it goes to):
    ``/mydata`` and ``/forgetme`` find a member's messages by identity, never
    by searching text, and the foreign keys delete them with the member.
    """

    id: Optional[int] = Field(default=None, primary_key=True)
    author_id: Optional[int] = _fk("member.id", nullable=True)
    subject_id: Optional[int] = _fk("member.id", nullable=True)
    recipient_id: Optional[int] = _fk("member.id", nullable=True)
    platform: str = Field(max_length=16, index=True)
    chat_id: str = Field(max_length=255)
    is_direct: bool = False
    text: str
    buttons: list[Any] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    file_name: Optional[str] = Field(default=None, max_length=255)
    file_data: Optional[bytes] = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    kind: str = Field(default="message", max_length=32)
    batch_id: Optional[int] = Field(default=None, index=True)
    dedupe_key: Optional[str] = Field(default=None, max_length=255, unique=True)
    status: str = Field(default="pending", max_length=16, index=True)
    attempts: int = 0
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    last_error: Optional[str] = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: Optional[datetime] = _when(nullable=True)
    #: The event this row announces, or whose announcement it edits (live answer counts).
    event_id: Optional[int] = _fk("event.id", nullable=True)
    #: The platform's id of the message this row edits in place (None: the row sends a new message).
    edit_message_id: Optional[str] = Field(default=None, max_length=255)
    #: Parts of a reply in several parts (split text, caption, file) the platform already took:
    #: a retry sends only the others.
    parts_sent: int = Field(default=0, sa_column_kwargs={"server_default": "0"})


class PostedMessage(SQLModel, table=True):
    """A message the bot posted that shows an event (its announcement in one chat), to edit it later.

    Recorded by the delivery worker once the platform accepted the announcement;
    forgotten when the message can no longer be edited, and with the event.
    """

    __table_args__ = (UniqueConstraint("platform", "chat_id", "message_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    event_id: int = _fk("event.id")
    platform: str = Field(max_length=16)
    chat_id: str = Field(max_length=255)
    message_id: str = Field(max_length=255)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Broadcast(SQLModel, table=True):
    """A coordinator's broadcast; its outbox rows carry its id as ``batch_id``."""

    id: Optional[int] = Field(default=None, primary_key=True)
    sender_id: Optional[int] = _fk("member.id", nullable=True, ondelete="SET NULL")
    text: str = Field(max_length=4000)
    filters: str = Field(default="", max_length=200)
    origin_platform: str = Field(max_length=16)
    origin_chat_id: str = Field(max_length=255)
    origin_is_direct: bool = False
    origin_language: str = Field(default="en", max_length=8)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    reported_at: Optional[datetime] = _when(nullable=True)


class PendingConfirmation(SQLModel, table=True):
    """Something a member must confirm (an event to create, /forgetme)."""

    id: Optional[int] = Field(default=None, primary_key=True)
    member_id: int = _fk("member.id")
    kind: str = Field(max_length=32)
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class DirectChat(SQLModel, table=True):
    """Where the bot talks to a platform user in private (a Matrix DM room), kept across restarts.

    Keyed by the user's platform identity, so ``/forgetme`` removes it by identity.
    """

    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    platform: str = Field(max_length=16)
    user_id: str = Field(max_length=255)
    chat_id: str = Field(max_length=255, index=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class SyncState(SQLModel, table=True):
    """Small per-adapter state that must survive restarts (e.g. Matrix next_batch)."""

    key: str = Field(primary_key=True, max_length=255)
    value: str
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
