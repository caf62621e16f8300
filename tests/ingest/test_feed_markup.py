"""A feed's markup never reaches the stored text, whatever the feed puts in its fields."""

from __future__ import annotations

from bot.ingest.feed import parse_feed_bytes

HOSTILE = b"""<?xml version="1.0"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
<item><title>&lt;script&gt;alert(1)&lt;/script&gt;Bridge &lt;b onmouseover="x()"&gt;reopens</title>
<link>http://x.test/1</link>
<description><![CDATA[<p onclick="evil()">Lead <a href="javascript:alert(1)">here</a></p>
<style>p { color: red }</style><applet code="x.class">applet fallback</applet>
<svg><script>alert(2)</script></svg><noscript>enable scripts</noscript><!-- hidden -->]]></description>
<content:encoded><![CDATA[<div><script>alert(3)</script><p>Body &amp; more</p></div>]]></content:encoded>
</item></channel></rss>"""


def test_scripts_styles_and_applets_are_dropped_and_tags_stripped() -> None:
    (entry,) = parse_feed_bytes(HOSTILE).entries
    assert entry.summary == "Lead here"
    assert entry.content == "Body & more"
    # A title is text: what looks like markup in it stays literal (the renderer escapes it).
    assert entry.title == '<script>alert(1)</script>Bridge <b onmouseover="x()">reopens'
