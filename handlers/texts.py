"""Reply texts and the command list (shown by /help and set with setMyCommands), translated.

Every text is English in the code, marked for the catalogs (bot/locales) and looked up in the
chat's language through the Translator passed in.
"""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from html import escape

from bot.delivery.subscribers import ChatSettings
from bot.i18n import N_, NAMES, Translator, format_when

# (command, one-line description) in the order /help shows them.
USER_COMMANDS = [
    ("start", N_("subscribe to alerts and a daily digest")),
    ("events", N_("recent events, one line each")),
    ("summary", N_("briefing of an event: /summary [number | keywords]")),
    ("sources", N_("who reported an event: /sources [number | keywords]")),
    ("changes", N_("what changed in an event's articles: /changes [number | keywords]")),
    ("subscribe", N_("all events, or only events matching keywords: /subscribe [keywords]")),
    ("unsubscribe", N_("drop a keyword filter, or everything: /unsubscribe [keywords]")),
    ("digest", N_("daily digest time: /digest HH:MM or /digest off")),
    ("timezone", N_("your time zone: /timezone Area/City")),
    ("quiet", N_("silent alerts at night: /quiet HH:MM-HH:MM or /quiet off")),
    ("language", N_("language of the bot's messages: /language de")),
    ("previews", N_("link previews under alerts and digests: /previews on or off")),
    ("here", N_("in a forum topic: send this group's alerts and digest here")),
    ("connect", N_("manage a channel where I am an admin: /connect @channel")),
    ("disconnect", N_("manage this chat again instead of the channel")),
    ("settings", N_("show your settings")),
    ("stop", N_("stop all alerts and digests (your settings are kept)")),
    ("help", N_("this list")),
]
ADMIN_COMMANDS = [
    ("addfeed", N_("add a feed: /addfeed URL [name]")),
    ("removefeed", N_("remove a feed: /removefeed ID or URL")),
    ("feeds", N_("list feeds: name, URL, last success, errors, articles")),
    ("export", N_("send the feeds as an OPML file")),
    ("stats", N_("counts of stored items and queued messages")),
]


def commands(t: Translator, *, admin: bool) -> list[tuple[str, str]]:
    """Return (command, translated description) for the menu and /help."""
    table = USER_COMMANDS + (ADMIN_COMMANDS if admin else [])
    return [(name, t.gettext(description)) for name, description in table]


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


def help_html(t: Translator, *, admin: bool) -> str:
    """Return the /help text."""
    user = commands(t, admin=False)
    lines = [t.gettext("<b>Commands</b>")] + [f"/{c} — {escape(d)}" for c, d in user]
    if admin:
        extra = commands(t, admin=True)[len(user) :]
        lines += ["", t.gettext("<b>Admin</b>")] + [f"/{c} — {escape(d)}" for c, d in extra]
        lines.append(
            t.gettext(
                "Send an article file (.txt .md .html .json) to ingest it, "
                "or an .opml file to import its feeds."
            )
        )
    return "\n".join(lines)


def settings_html(t: Translator, chat: ChatSettings, *, lang: str) -> str:
    """Describe a chat's settings."""
    sub = chat.subscriber
    if "" in chat.filters:
        topics = t.gettext("all events")
    elif chat.filters:
        quoted = ", ".join(f"“{escape(f)}”" for f in chat.filters)
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


def when(moment: datetime | None, lang: str, zone: tzinfo = UTC) -> str:
    """Format a stored time for the reader, in their zone and language ("—" for never)."""
    return "—" if moment is None else format_when(moment, lang, zone, style="short")
