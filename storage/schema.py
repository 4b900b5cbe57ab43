"""The store's tables as typed SQLAlchemy models. Every change here needs an Alembic migration.

JSON columns hold what the store never filters on (parameters, variables, messages); everything a
query filters, groups or sorts on is a real column with an index.
"""

from __future__ import annotations

from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, list[Any]: JSON}


class Prompt(Base):
    __tablename__ = "prompts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[str] = mapped_column(String(32))


class PromptVersion(Base):
    """Immutable and content-addressed: `id` is the sha256 of the messages and parameters."""

    __tablename__ = "prompt_versions"

    # An integer key that never changes, for the external-content FTS table (rowid of a table
    # keyed by text can change on VACUUM).
    pk: Mapped[int] = mapped_column(primary_key=True)
    id: Mapped[str] = mapped_column(String(64), unique=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"), index=True)
    parent_id: Mapped[str | None] = mapped_column(String(64))
    messages: Mapped[list[Any]] = mapped_column()
    params: Mapped[dict[str, Any]] = mapped_column()
    text: Mapped[str] = mapped_column(Text)  # the messages' contents, for full-text search
    description: Mapped[str] = mapped_column(Text, default="")
    defaults: Mapped[dict[str, Any]] = mapped_column()
    source_path: Mapped[str | None] = mapped_column(Text)
    repo_path: Mapped[str | None] = mapped_column(Text)
    repo_commit: Mapped[str | None] = mapped_column(String(64))
    file_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(String(32))
    # Front-matter fields kept as the file had them (PromptTemplate.meta); None before 0004.
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Suite(Base):
    """An imported prompt set: its suite as JSON, and the text of each file as it was read.

    The texts let an export give back the very bytes that were imported while nothing changed.
    """

    __tablename__ = "suites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    document: Mapped[dict[str, Any]] = mapped_column()
    files: Mapped[dict[str, Any]] = mapped_column()
    source_path: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class RunSource(Base):
    """Where a run's prompt was read from: the file, its git commit, and uncommitted changes.

    `blob` is the git blob id of the file's bytes as run, so every output a given file version
    produced is found by `git rev-parse COMMIT:path` without any call to git at query time.
    """

    __tablename__ = "run_sources"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"), index=True)
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"))
    source_path: Mapped[str] = mapped_column(Text)
    repo_path: Mapped[str | None] = mapped_column(Text)
    repo_commit: Mapped[str | None] = mapped_column(String(64))
    dirty: Mapped[bool | None] = mapped_column()
    blob: Mapped[str | None] = mapped_column(String(64), index=True)


class Draft(Base):
    """Autosaved editor text, one row per key (e.g. a tab), so typed text is never lost."""

    __tablename__ = "drafts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[str] = mapped_column(String(32))


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[str] = mapped_column(String(32), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    options: Mapped[dict[str, Any]] = mapped_column()
    pid: Mapped[int | None] = mapped_column()
    host: Mapped[str | None] = mapped_column(String(255))
    # The suite the run was judged with (checks and cases), as `suite_codec.document`; 0005.
    suite_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class CellRow(Base):
    __tablename__ = "cells"
    __table_args__ = (
        UniqueConstraint("run_id", "index"),
        Index("ix_cells_run_status", "run_id", "status"),
        Index("ix_cells_request_hash_status", "request_hash", "status"),
        Index("ix_cells_version_model", "prompt_version_id", "model"),
        # Covers every column the aggregates read, so they scan this narrow index instead of
        # the wide rows (outputs, messages); it also serves filters on the model.
        Index(
            "ix_cells_figures",
            "model",
            "prompt_version_id",
            "status",
            "run_id",
            "latency_ms",
            "ttft_ms",
            "input_tokens",
            "output_tokens",
            "cost_usd",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id", ondelete="CASCADE"))
    index: Mapped[int] = mapped_column()
    prompt_id: Mapped[int] = mapped_column(ForeignKey("prompts.id"), index=True)
    prompt_version_id: Mapped[str] = mapped_column(ForeignKey("prompt_versions.id"))
    model: Mapped[str] = mapped_column(String(200))
    api_base: Mapped[str | None] = mapped_column(Text)
    model_options: Mapped[dict[str, Any]] = mapped_column()  # transport, key name, price, params
    params: Mapped[dict[str, Any]] = mapped_column()  # what was sent: prompt's under model's
    variables: Mapped[dict[str, Any]] = mapped_column()
    messages: Mapped[list[Any]] = mapped_column()  # rendered, exactly as sent
    request_hash: Mapped[str] = mapped_column(String(64))
    repeat: Mapped[int] = mapped_column(default=0)
    case_index: Mapped[int | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    output: Mapped[str] = mapped_column(Text, default="")
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    input_tokens: Mapped[int | None] = mapped_column()
    output_tokens: Mapped[int | None] = mapped_column()
    tokens_source: Mapped[str | None] = mapped_column(String(16))
    ttft_ms: Mapped[float | None] = mapped_column()
    latency_ms: Mapped[float | None] = mapped_column()
    decode_ms: Mapped[float | None] = mapped_column()
    cost_usd: Mapped[float | None] = mapped_column()
    cost_source: Mapped[str | None] = mapped_column(String(32))
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cached: Mapped[bool] = mapped_column(default=False)
    rating: Mapped[int | None] = mapped_column()
    note: Mapped[str | None] = mapped_column(Text)
    ended_at: Mapped[str | None] = mapped_column(String(32))
    score: Mapped[int | None] = mapped_column()  # 1..5 (workbench.ratings.check_score); 0005
    # The model's load time and the server's own prefill and decode figures
    # (workbench.domain.ServerTimings), where the server reports them; 0006.
    load_ms: Mapped[float | None] = mapped_column()
    server_prompt_tokens: Mapped[int | None] = mapped_column()
    server_prompt_ms: Mapped[float | None] = mapped_column()
    server_decode_tokens: Mapped[int | None] = mapped_column()
    server_decode_ms: Mapped[float | None] = mapped_column()


def _cell_key(run_id: str, cell: str) -> ForeignKeyConstraint:
    """A reference to one cell by its run and index; it goes when the cell (or run) goes."""
    return ForeignKeyConstraint([run_id, cell], ["cells.run_id", "cells.index"], ondelete="CASCADE")


class PreferenceRow(Base):
    """One blind A/B choice between two cells. The outputs, prompts and models are read from
    the cells, never copied here."""

    __tablename__ = "preferences"
    __table_args__ = (
        _cell_key("left_run_id", "left_cell"),
        _cell_key("right_run_id", "right_cell"),
        # Listing by run, and the cascade from a deleted cell, look pairs up by either side.
        Index("ix_preferences_left", "left_run_id", "left_cell"),
        Index("ix_preferences_right", "right_run_id", "right_cell"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    left_run_id: Mapped[int] = mapped_column()
    left_cell: Mapped[int] = mapped_column()
    right_run_id: Mapped[int] = mapped_column()
    right_cell: Mapped[int] = mapped_column()
    choice: Mapped[str] = mapped_column(String(8))  # workbench.ratings.Choice
    variables: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[str] = mapped_column(String(32))


class JudgementRow(Base):
    """A model's verdict on one check of one cell, kept because asking again costs a call and
    may answer differently."""

    __tablename__ = "judgements"
    __table_args__ = (_cell_key("run_id", "cell"),)

    run_id: Mapped[int] = mapped_column(primary_key=True)
    cell: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int] = mapped_column(primary_key=True)
    check_json: Mapped[dict[str, Any]] = mapped_column()
    passed: Mapped[bool] = mapped_column()
    score: Mapped[float] = mapped_column()
    reason: Mapped[str] = mapped_column(Text)
    model: Mapped[str] = mapped_column(String(200))
    raw: Mapped[str] = mapped_column(Text)
    created_at: Mapped[str] = mapped_column(String(32))
