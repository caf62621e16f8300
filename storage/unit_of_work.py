"""One unit of work per command, update or job: it owns the transaction."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.db import create_engine_for, migrate, session_factory
from storage.repositories.alerts import EventAlertRepository
from storage.repositories.articles import ArticleRepository
from storage.repositories.events import EventRepository
from storage.repositories.feeds import FeedRepository
from storage.repositories.outbox import OutboxRepository
from storage.repositories.processes import ProcessRepository
from storage.repositories.sources import SourceRepository
from storage.repositories.stats import StatsRepository
from storage.repositories.subscribers import SubscriberRepository, SubscriptionRepository


class UnitOfWork:
    """Repositories over one session; commits on a clean exit, rolls back on an exception."""

    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self._factory = factory

    async def __aenter__(self) -> UnitOfWork:
        self.session = self._factory()
        self.sources = SourceRepository(self.session)
        self.articles = ArticleRepository(self.session)
        self.events = EventRepository(self.session)
        self.feeds = FeedRepository(self.session)
        self.stats = StatsRepository(self.session)
        self.subscribers = SubscriberRepository(self.session)
        self.subscriptions = SubscriptionRepository(self.session)
        self.alerts = EventAlertRepository(self.session)
        self.outbox = OutboxRepository(self.session)
        self.processes = ProcessRepository(self.session)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            if exc_type is None:
                await self.session.commit()
            else:
                await self.session.rollback()
        finally:
            await self.session.close()


class Database:
    """The engine and the unit-of-work factory for one database URL."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine: AsyncEngine = create_engine_for(url)
        self._factory = session_factory(self.engine)
        self._reads = self._factory
        if self.engine.dialect.name == "postgresql":
            # READ COMMITTED gives each statement its own snapshot inside a transaction too.
            reads = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            self._reads = session_factory(reads)

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self._factory)

    def reader(self) -> UnitOfWork:
        """Return a unit of work for reads (and writes that stand alone, committed each).

        On PostgreSQL its statements run outside a transaction: no BEGIN and COMMIT, two of
        the round trips of a /summary's four. SQLite keeps one transaction (one snapshot).
        """
        return UnitOfWork(self._reads)

    def migrate(self) -> None:
        """Apply every pending migration (synchronously, before the event loop needs the DB)."""
        migrate(self.url)

    async def check_writable(self) -> None:
        """Raise DatabaseError when the database takes no writes (a read-only file, a replica)."""
        from sqlalchemy import text

        from storage.db import DatabaseError, describe_error, safe_url

        try:
            async with self.engine.connect() as conn:
                # Writes nothing (the value stays) and is rolled back, but needs write access.
                await conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
                await conn.rollback()
        except Exception as exc:
            raise DatabaseError(
                f"database {safe_url(self.url)} takes no writes: {describe_error(exc)}"
            ) from exc

    async def create_all(self) -> None:
        """Create the schema directly (throwaway in-memory stores only; real ones migrate)."""
        from storage.tables import text_index_ddl  # registers the tables too

        async with self.engine.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
            for statement in text_index_ddl(conn.dialect.name):
                await conn.exec_driver_sql(statement)

    async def dispose(self) -> None:
        await self.engine.dispose()
