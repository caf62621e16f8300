"""Read publication stamps in the shapes real sites print them, and where the text begins."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.ingest.dates import parse_date, split_stamp


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.mark.parametrize(
    ("line", "published", "updated"),
    [
        ("Published: March 3, 2019", utc(2019, 3, 3), None),
        ("Updated: February 9, 2021, 4:15 PM ET", None, utc(2021, 2, 9, 21, 15)),
        ("Last updated at 09:12, Friday, 14 May 2021", None, utc(2021, 5, 14, 9, 12)),
        ("Posted 6 / 7 / 2018 10: 20 PM", utc(2018, 6, 7, 22, 20), None),
        ("PUBLISHED: 18:40 GMT, 2 June 2017", utc(2017, 6, 2, 18, 40), None),
        ("Published on: Wed, 4 Oct 2017 at 08: 15 IST", utc(2017, 10, 4, 2, 45), None),
        ("published: 2016 - 05 - 06 07: 08: 09", utc(2016, 5, 6, 7, 8, 9), None),
        ("Published: 12 Mar 2015 10: 05 GMT+02: 00", utc(2015, 3, 12, 8, 5), None),
        ("Posted: 0830 GMT (1630 HKT), May 9, 2014", utc(2014, 5, 9, 8, 30), None),
        ("Published: Monday, Oct. 6 2014 6: 30 p. m. MDT", utc(2014, 10, 7, 0, 30), None),
        ("8 April 2019 Last updated at 17: 02 GMT", utc(2019, 4, 8), utc(2019, 4, 8, 17, 2)),
        ("Posted: 03 / 04 / 2019 9: 00 am Updated: 03 / 04 / 2019 11: 30 am",
         utc(2019, 3, 4, 9), utc(2019, 3, 4, 11, 30)),
        ("January 7, 2020 Updated: January 8, 2020", utc(2020, 1, 7), utc(2020, 1, 8)),
        ("Tue, 07 Jan 2020 09:30:00 +0100", utc(2020, 1, 7, 8, 30), None),
        ("Date: 2020-01-07T09:30:00Z", utc(2020, 1, 7, 9, 30), None),
        ("WEDNESDAY, SEPT. 11, 2019", utc(2019, 9, 11), None),
        # A wire dateline: the place in capitals, then the day.
        ("PORTUGAL, March 4, 2016", utc(2016, 3, 4), None),
        ("NEW DELHI, 9 June 2015", utc(2015, 6, 9), None),
        ("Article posted on 12. 05. 2011", utc(2011, 5, 12), None),
    ],
)  # fmt: skip
def test_stamps_in_the_shapes_sites_print(
    line: str, published: datetime | None, updated: datetime | None
) -> None:
    stamp = split_stamp(line)
    assert stamp is not None, line
    assert (stamp.published, stamp.updated) == (published, updated)
    assert line[stamp.end :].strip() == ""


@pytest.mark.parametrize(
    ("paragraph", "rest"),
    [
        (
            "Published: April 2, 2019 A ferry ran aground near the harbour mouth on Tuesday.",
            "A ferry ran aground near the harbour mouth on Tuesday.",
        ),
        (
            "Updated: May 1, 2018, 10:02 AM ET The holder lost in the first round.",
            "The holder lost in the first round.",
        ),
        ("14 / 02 / 2016 - Valley council to vote on the bridge", "Valley council to vote on the bridge"),
        ("March 3, 2019 | 4:00am Rain closed the pass.", "Rain closed the pass."),
        ("LISBON, March 4, 2016 - The ferry strike ended.", "The ferry strike ended."),
    ],
)  # fmt: skip
def test_a_stamp_opening_a_paragraph_leaves_the_paragraph(paragraph: str, rest: str) -> None:
    stamp = split_stamp(paragraph)
    assert stamp is not None
    assert paragraph[stamp.end :] == rest


@pytest.mark.parametrize(
    "text",
    [
        "May 2019 elections loom over the valley",  # a month and a year name no day
        "2019 was a dry year for the farms",
        "Posted 2 years, 40 days ago",
        "Updated 5:40 p.m. ET",  # a time with no day
        "A man was fired on April 10, 2007.",
        "Published: yesterday",
        "12 people were hurt",
        "NATO, on April 10, 2007, met in the city",  # capitals, but no dateline: a sentence
        "BREAKING NEWS ABOUT THE FLOODS, March 4, 2016",  # too many words for a place
    ],
)
def test_text_that_is_no_stamp(text: str) -> None:
    assert split_stamp(text) is None


def test_parse_date_reads_whole_values_only() -> None:
    assert parse_date("Updated: July 2, 2013 15:01 IST") == utc(2013, 7, 2, 9, 31)
    assert parse_date("April 9, 2019 and then some words") is None
    assert parse_date("") is None
    assert parse_date("Sat, 09 Mar 2019 10:00:00 GMT") == utc(2019, 3, 9, 10)
