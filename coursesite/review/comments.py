"""The comment bank: each instructor's own reusable grading comments."""

from __future__ import annotations

from dataclasses import dataclass

from piccolo.engine.base import Engine

from coursesite.core import clock
from coursesite.core.errors import NotFound
from coursesite.db.engine import write_transaction
from coursesite.db.review import CommentBankEntry
from coursesite.review.text import BANK_COMMENT, BANK_COMMENT_MAX_CHARS, review_text

__all__ = ["BANK_COMMENT_MAX_CHARS", "BankComment", "CommentBank"]


@dataclass(frozen=True)
class BankComment:
    id: int
    text: str


class CommentBank:
    """Built once in create_app. Every entry belongs to one instructor; nobody else sees or deletes it."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    async def comments(self, owner_id: int) -> list[BankComment]:
        rows = await (
            CommentBankEntry.select(CommentBankEntry.id, CommentBankEntry.text)
            .where(CommentBankEntry.owner == owner_id)
            .order_by(CommentBankEntry.id)
        )
        return [BankComment(row["id"], row["text"]) for row in rows]

    async def save(self, owner_id: int, text: str | None) -> BankComment:
        """Keep ``text`` in the owner's bank (once: saving the same text again gives the entry there is)."""
        text = review_text(text, "text", BANK_COMMENT)
        async with write_transaction(self.engine):
            existing = await CommentBankEntry.select(CommentBankEntry.id).where(
                (CommentBankEntry.owner == owner_id) & (CommentBankEntry.text == text)
            )
            if existing:
                return BankComment(existing[0]["id"], text)
            rows = await CommentBankEntry.insert(
                CommentBankEntry(owner=owner_id, text=text, created_at=clock.now())
            ).returning(CommentBankEntry.id)
        return BankComment(rows[0]["id"], text)

    async def delete(self, owner_id: int, comment_id: int) -> None:
        deleted = (
            await CommentBankEntry.delete()
            .where((CommentBankEntry.id == comment_id) & (CommentBankEntry.owner == owner_id))
            .returning(CommentBankEntry.id)
        )
        if not deleted:
            raise NotFound("Kommentaren finns inte.")
