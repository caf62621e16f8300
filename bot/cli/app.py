"""The ``briefbot`` command line: thin wrappers that build services and call them."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Annotated, Any, TypeVar

import typer

from bot import __version__
from bot.config import ConfigError, Settings, load_settings
from bot.logs import add_secret, scrub, setup_logging
from storage.db import DatabaseError, describe_error, safe_url

T = TypeVar("T")

app = typer.Typer(
    name="briefbot",
    help="Turn a stream of news into short, honest event briefings.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
feeds_app = typer.Typer(
    help="Manage the RSS/Atom/RDF/JSON feeds briefbot polls.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(feeds_app, name="feeds")
app.add_typer(db_app, name="db")

_state: dict[str, bool] = {"debug": False}


def _fail(message: str, code: int = 1) -> typer.Exit:
    typer.echo(f"briefbot: {scrub(message)}", err=True)
    return typer.Exit(code)


def _settings(*, service: bool = False) -> Settings:
    """Load settings and set up logging; one-shot commands log only warnings unless --debug."""
    try:
        settings = load_settings()
    except ConfigError as exc:
        raise _fail(str(exc)) from None
    for secret in (settings.telegram_token, settings.webhook_secret):
        add_secret(secret.get_secret_value() if secret else None)
    level = settings.log_level
    if _state["debug"]:
        level = "DEBUG"
    elif not service and level in ("DEBUG", "INFO"):
        level = "WARNING"
    setup_logging(level, settings.log_format)
    return settings


def _run(coro_factory: Callable[[], Coroutine[Any, Any, T]], settings: Settings) -> T:
    """Run a coroutine, turning database and other failures into one clear line."""
    from bot.cli.actions import CommandError

    try:
        return asyncio.run(coro_factory())
    except (typer.Exit, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        # The reader went away (e.g. `briefbot brief | head`): nothing left to say.
        sys.stderr.close()
        raise typer.Exit(0) from None
    except (DatabaseError, ConfigError, CommandError) as exc:
        if _state["debug"]:
            raise
        raise _fail(str(exc)) from None
    except Exception as exc:
        if _state["debug"]:
            raise
        from sqlalchemy.exc import SQLAlchemyError

        if isinstance(exc, SQLAlchemyError | OSError):
            raise _fail(
                f"cannot use database {safe_url(settings.database_url)}: {describe_error(exc)}"
            ) from None
        raise _fail(f"{type(exc).__name__}: {exc} (run with --debug for details)") from None


def _act(call: Callable[[ModuleType, Settings], Coroutine[Any, Any, int | None]]) -> None:
    """Run one of bot.cli.actions (given the module and the settings); exit with its code."""
    settings = _settings()
    from bot.cli import actions  # imported late: `briefbot --help` stays quick

    code = _run(lambda: call(actions, settings), settings)
    if code:
        raise typer.Exit(code)


@app.callback()
def main_options(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks and debug logs.")] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    """Turn a stream of news into short, honest event briefings."""
    _state["debug"] = debug
    if version:
        typer.echo(f"briefbot {__version__}")
        raise typer.Exit()


@app.command()
def run(
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="With several processes on PostgreSQL, take only these roles (repeat it): "
            "telegram, events, digests, delivery, feeds, or all (default: BRIEFBOT_ROLES).",
        ),
    ] = None,
) -> None:
    """Run the Telegram bot: commands, feed polling, inbox watching, alerts and digests."""
    settings = _settings(service=True)
    if role:
        try:
            settings = settings.model_copy(update={"roles": " ".join(role)})
            settings.role_set  # noqa: B018  (refuses an unknown name now)
        except ValueError as exc:
            raise _fail(f"--role: {exc}", code=2) from None
    if settings.telegram_token is None:
        raise _fail("BRIEFBOT_TELEGRAM_TOKEN is not set; get a token from @BotFather (see README)")
    from bot.app import run_bot

    _run(lambda: run_bot(settings), settings)


@app.command()
def demo() -> None:
    """Brief the bundled sample articles offline (writes only to a temporary folder)."""
    settings = _settings()
    from bot.cli.demo import run_demo

    _run(lambda: run_demo(settings, out=sys.stdout), settings)


@app.command()
def ingest(
    paths: Annotated[
        list[Path], typer.Argument(help="Article files or folders (.txt .md .html .json).")
    ],
) -> None:
    """Ingest article files or folders into the database, one line per file and a total."""
    _act(lambda a, settings: a.ingest_paths(settings, paths, out=sys.stdout))


@app.command()
def brief(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Brief these files in a throwaway store instead of the database."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stable JSON form.")] = False,
    limit: Annotated[int, typer.Option(help="At most this many events.", min=1)] = 20,
) -> None:
    """Print the briefing of every event, newest first."""
    _act(
        lambda a, settings: a.brief_events(
            settings, paths or [], as_json=as_json, limit=limit, out=sys.stdout
        )
    )


@app.command()
def poll(
    once: Annotated[
        bool, typer.Option("--once", help="Poll every due feed once and exit.")
    ] = False,
) -> None:
    """Poll the feeds that are due (repeatedly, every BRIEFBOT_POLL_INTERVAL, unless --once)."""
    settings = _settings(service=not once)
    from bot.cli.actions import poll_feeds

    _run(lambda: poll_feeds(settings, once=once, out=sys.stdout), settings)


@feeds_app.command("add")
def feeds_add(
    url: Annotated[str, typer.Argument(help="The feed's http(s) URL.")],
    name: Annotated[
        str | None, typer.Option(help="Source name (default: the feed's own title).")
    ] = None,
    interval: Annotated[
        int | None, typer.Option(help="Poll interval in seconds for this feed.", min=30)
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Add it even if fetching or parsing it fails now.")
    ] = False,
) -> None:
    """Check a feed once (refusing a 404, a redirect loop or a non-feed) and add it."""
    _act(
        lambda a, settings: a.add_feed(
            settings, url, name=name, interval=interval, force=force, out=sys.stdout
        )
    )


@feeds_app.command("list")
def feeds_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the feeds: name, URL, last success, last error and article count."""
    _act(lambda a, settings: a.list_feeds(settings, as_json=as_json, out=sys.stdout))


@feeds_app.command("remove")
def feeds_remove(
    feed: Annotated[str, typer.Argument(help="The feed's id (from `feeds list`) or URL.")],
) -> None:
    """Stop polling a feed (its articles are kept)."""
    _act(lambda a, settings: a.remove_feed(settings, feed, out=sys.stdout))


@feeds_app.command("import")
def feeds_import(
    path: Annotated[Path, typer.Argument(help="An OPML file (e.g. exported from a feed reader).")],
) -> None:
    """Add every feed an OPML file lists, with its name."""
    _act(lambda a, settings: a.import_feeds(settings, path, out=sys.stdout))


@feeds_app.command("export")
def feeds_export(
    path: Annotated[
        Path | None, typer.Argument(help="Write here instead of standard output.")
    ] = None,
) -> None:
    """Write every feed, with its name, as an OPML file."""
    _act(lambda a, settings: a.export_feeds(settings, path, out=sys.stdout))


@app.command()
def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show what the database holds, failing feeds, and whether the running bot is healthy."""
    _act(lambda a, settings: a.show_status(settings, as_json=as_json, out=sys.stdout))


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending database migrations (also done automatically at start)."""
    settings = _settings()
    from storage.db import upgrade

    async def _upgrade() -> None:
        await asyncio.to_thread(upgrade, settings.database_url)

    _run(_upgrade, settings)
    typer.echo(f"database {safe_url(settings.database_url)} is up to date")


def main() -> None:
    """Entry point of the ``briefbot`` command."""
    try:
        app()
    except Exception:  # only with --debug: the traceback, but never a secret in it
        import traceback

        sys.stderr.write(scrub(traceback.format_exc()))
        sys.exit(1)
