"""The one object the CLI, the handlers and the runtime reach the application through."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import Settings
from bot.delivery.alerts import AlertService
from bot.delivery.digests import DigestService
from bot.events.service import EventService
from bot.ingest.pipeline import Pipeline
from bot.services.feeds import FeedService
from bot.services.lookup import LookupService
from bot.services.status import StatusService
from bot.services.subscribers import SubscriberService
from bot.services.uploads import UploadService
from bot.times import Clock, utcnow
from storage.unit_of_work import Database


@dataclass
class Services:
    """Every service of the process, built once by bot.app.build_services."""

    settings: Settings
    db: Database
    events: EventService
    pipeline: Pipeline
    feeds: FeedService
    uploads: UploadService
    subscribers: SubscriberService
    lookup: LookupService
    status: StatusService
    alerts: AlertService
    digests: DigestService
    clock: Clock = field(default=utcnow)

    def is_admin(self, user_id: int | None) -> bool:
        """Tell whether a Telegram user may manage feeds and upload documents."""
        return user_id is not None and user_id in self.settings.admin_ids

    async def close(self) -> None:
        await self.db.dispose()
