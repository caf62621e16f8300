"""The bot's chat replies in Telegram HTML, in the chat's language (pure).

Every text is English in the code, marked for the catalogs (bot/locales) and looked up through
the Translator passed in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, tzinfo
from html import escape
from typing import Protocol

from bot.i18n import N_, NAMES, Translator, format_when

# Structural types, so that presentation stays below storage and the services it describes.


class ChatSettingsView(Protocol):
    """A chat's settings as the services return them."""

    @property
    def timezone(self) -> str: ...
    @property
    def digest_time(self) -> str | None: ...
    @property
    def quiet_start(self) -> str | None: ...
    @property
    def quiet_end(self) -> str | None: ...
    @property
    def link_previews(self) -> bool: ...


class FeedView(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def url(self) -> str: ...
    @property
    def last_polled_at(self) -> datetime | None: ...
    @property
    def last_error(self) -> str | None: ...
    @property
    def error_count(self) -> int: ...


class CountsView(Protocol):
    @property
    def feeds(self) -> int: ...
    @property
    def failing_feeds(self) -> int: ...
    @property
    def sources(self) -> int: ...
    @property
    def articles(self) -> int: ...
    @property
    def versions(self) -> int: ...
    @property
    def events(self) -> int: ...
    @property
    def subscribers(self) -> int: ...


def welcome(t: Translator) -> str:
    return t.gettext(
        "<b>Welcome to briefbot.</b>\n"
        "I group news articles into events and brief you on them: an attributed summary, "
        "where sources disagree on figures, and what changed between versions.\n"
        "You will get a short alert when an event is confirmed by several sources or changes, "
        "and one digest a day."
    )


def welcome_group(t: Translator) -> str:
    return t.gettext(
        "<b>Welcome to briefbot.</b>\n"
        "I group news articles into events and brief this group on them: an attributed summary, "
        "where sources disagree on figures, and what changed between versions.\n"
        "The group gets a short alert when an event is confirmed by several sources or changes, "
        "and one digest a day. Only the group's admins can change the settings."
    )


def not_subscribed(t: Translator) -> str:
    return t.gettext("You are not subscribed. Send /start first.")


def no_events(t: Translator) -> str:
    return t.gettext("No events yet. Try again once some articles have arrived.")


def pick_event(t: Translator) -> str:
    return t.gettext("Send /events for the list, then e.g. /summary 2.")


def pointer(t: Translator) -> str:
    return t.gettext("I only understand commands. Send /help to see them.")


def unknown_command(t: Translator, command: str) -> str:
    return t.gettext("Unknown command {command} — see /help").format(command=escape(command))


def admin_only(t: Translator) -> str:
    return t.gettext("Sorry, only the bot's admins can do that.")


def help_html(
    t: Translator, user: Sequence[tuple[str, str]], admin: Sequence[tuple[str, str]] = ()
) -> str:
    """Return the /help text: (command, translated description) pairs, the admin ones if given."""
    lines = [t.gettext("<b>Commands</b>")] + [f"/{c} — {escape(d)}" for c, d in user]
    if admin:
        lines += ["", t.gettext("<b>Admin</b>")] + [f"/{c} — {escape(d)}" for c, d in admin]
        lines.append(
            t.gettext(
                "Send an article file (.txt .md .html .json) to ingest it, "
                "or an .opml file to import its feeds."
            )
        )
    return "\n".join(lines)


def settings_html(
    t: Translator, sub: ChatSettingsView, filters: Sequence[str], *, lang: str
) -> str:
    """Describe a chat's settings."""
    if "" in filters:
        topics = t.gettext("all events")
    elif filters:
        quoted = ", ".join(f"“{escape(f)}”" for f in filters)
        topics = t.gettext("events matching {filters}").format(filters=quoted)
    else:
        topics = t.gettext("nothing (send /subscribe)")
    digest = (
        t.gettext("daily at {time}").format(time=sub.digest_time)
        if sub.digest_time
        else t.gettext("off")
    )
    quiet = f"{sub.quiet_start}–{sub.quiet_end}" if sub.quiet_start else t.gettext("off")
    previews = t.gettext("on") if sub.link_previews else t.gettext("off")
    return "\n".join(
        [
            t.gettext("<b>Your settings</b>"),
            t.gettext("Alerts and digest: {topics}").format(topics=topics),
            t.gettext("Digest: {digest}").format(digest=digest),
            t.gettext("Time zone: {zone}").format(zone=escape(sub.timezone)),
            t.gettext("Quiet hours: {quiet}").format(quiet=quiet),
            t.gettext("Language: {language}").format(language=NAMES[lang]),
            t.gettext("Link previews: {previews}").format(previews=previews),
        ]
    )


# What each part of the /settings screen says under the settings.
_SCREEN_HINTS = {
    "main": N_("Tap a setting to change it."),
    "digest": N_("Choose when the daily digest comes, or type /digest HH:MM."),
    "timezone": N_(
        "Choose your time zone, or type /timezone Area/City (e.g. /timezone Europe/Paris)."
    ),
    "quiet": N_(
        "During quiet hours alerts arrive without sound. Choose, or type /quiet HH:MM-HH:MM."
    ),
    "filters": N_(
        "Tap a filter to remove it; add one with /subscribe keywords (e.g. /subscribe strike)."
    ),
    "language": N_("Choose the language of my messages."),
}


def settings_screen_html(
    t: Translator, sub: ChatSettingsView, filters: Sequence[str], *, lang: str, screen: str
) -> str:
    """Describe a chat's settings, with what the part of the /settings screen shown is for."""
    hint = t.gettext(_SCREEN_HINTS.get(screen, _SCREEN_HINTS["main"]))
    return f"{settings_html(t, sub, filters, lang=lang)}\n\n<i>{hint}</i>"


def when(moment: datetime | None, lang: str, zone: tzinfo = UTC) -> str:
    """Format a stored time for the reader, in their zone and language ("—" for never)."""
    return "—" if moment is None else format_when(moment, lang, zone, style="short")
