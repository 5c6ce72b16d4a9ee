"""Search filters: parsing what users type, and the check every result passes."""

from __future__ import annotations

from datetime import date

import pytest

from core.search.base import SearchHit
from core.search.filters import (
    FilterError,
    SearchFilters,
    admit_all,
    normalise_domain,
    parse_domains,
    parse_published,
    parse_recency,
    search_kwargs,
)

TODAY = date(2026, 12, 2)


def hit(url: str, *, published: str = "", provider: str = "tavily") -> SearchHit:
    return SearchHit(title="t", url=url, content="c", provider=provider, published=published)


@pytest.mark.parametrize(
    ("typed", "domain"),
    [
        ("example.com", "example.com"),
        ("  Example.COM ", "example.com"),
        ("https://www.example.com/some/path?q=1", "example.com"),
        ("http://docs.python.org:8080/3/", "docs.python.org"),
        ("www.bbc.co.uk", "bbc.co.uk"),
        ("example.com.", "example.com"),
        ("münchen.de", "xn--mnchen-3ya.de"),
        ("xn--mnchen-3ya.de", "xn--mnchen-3ya.de"),
    ],
)
def test_domains_are_normalised(typed: str, domain: str) -> None:
    assert normalise_domain(typed) == domain


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("", "empty"),
        ("localhost", "not a domain"),
        ("exa mple.com", "not a domain"),
        ("-bad-.com", "not a domain"),
        ("http://", "not a domain"),
        ("under_score.com", "not a domain"),
        ("a" * 64 + ".com", "not a domain"),
    ],
)
def test_what_is_not_a_domain_is_refused_saying_so(typed: str, says: str) -> None:
    with pytest.raises(FilterError, match=says):
        normalise_domain(typed)


def test_domain_lists_split_on_commas_and_spaces_and_drop_repeats() -> None:
    assert parse_domains("a.org, b.org  https://www.a.org/x,,") == ("a.org", "b.org")
    assert parse_domains(["a.org", "c.org,d.org"]) == ("a.org", "c.org", "d.org")
    assert parse_domains(None) == parse_domains("") == ()


@pytest.mark.parametrize(
    ("typed", "value"),
    [("", ""), ("any", ""), ("Week", "week"), ("day", "day"), ("2026-01-31", "2026-01-31")],
)
def test_recency_accepts_windows_and_past_dates(typed: str, value: str) -> None:
    assert parse_recency(typed, today=TODAY) == value


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("fortnight", "day, week, month, year"),
        ("2026-02-30", "not a real date"),
        ("2027-01-01", "in the future"),
        ("01/02/2026", "day, week, month, year"),
    ],
)
def test_bad_recency_is_refused_saying_what_works(typed: str, says: str) -> None:
    with pytest.raises(FilterError, match=says):
        parse_recency(typed, today=TODAY)


def test_a_domain_both_included_and_excluded_is_refused() -> None:
    with pytest.raises(FilterError, match="both included and excluded"):
        SearchFilters.parse("a.org, b.org", "www.b.org")


def test_included_domains_admit_their_subdomains_only() -> None:
    filters = SearchFilters.parse(include="example.com")
    assert filters.admit(hit("https://example.com/a")) is None
    assert filters.admit(hit("https://docs.example.com/a")) is None
    assert "not an included domain" in (filters.admit(hit("https://badexample.com/")) or "")
    assert "not an included domain" in (filters.admit(hit("https://example.org/")) or "")


def test_excluded_domains_drop_subdomains_too_and_win_over_an_include() -> None:
    filters = SearchFilters.parse(include="example.com", exclude="blog.example.com")
    assert filters.admit(hit("https://example.com/")) is None
    assert filters.admit(hit("https://x.blog.example.com/p")) == "excluded domain blog.example.com"
    assert filters.admit(hit("https://WWW.Blog.Example.com./p")) == (
        "excluded domain blog.example.com"
    )


def test_idna_hosts_match_a_domain_typed_in_unicode() -> None:
    filters = SearchFilters.parse(exclude="münchen.de")
    assert (
        filters.admit(hit("https://www.münchen.de/rathaus")) == "excluded domain xn--mnchen-3ya.de"
    )
    assert filters.admit(hit("https://xn--mnchen-3ya.de/")) == "excluded domain xn--mnchen-3ya.de"


def test_local_documents_are_exempt_from_domain_filters() -> None:
    filters = SearchFilters.parse(include="example.com", exclude="other.org")
    assert filters.admit(hit("file:///home/me/notes.md", provider="local")) is None


def test_recency_drops_dated_results_before_the_cutoff_and_keeps_undated_ones() -> None:
    week = SearchFilters.parse(recency="week", today=TODAY)
    assert week.admit(hit("https://a.org/", published="2026-11-25"), TODAY) is None
    dropped = week.admit(hit("https://a.org/", published="2026-11-24T23:00:00Z"), TODAY)
    assert dropped == "published 2026-11-24, before 2026-11-25"
    # RFC 2822, as some providers write it
    assert week.admit(hit("https://a.org/", published="Mon, 01 Jun 2026 10:00:00 GMT"), TODAY)
    # no date, or one we cannot read: kept (documented), for windows and since-dates alike
    assert week.admit(hit("https://a.org/"), TODAY) is None
    assert week.admit(hit("https://a.org/", published="last Tuesday"), TODAY) is None
    since = SearchFilters.parse(recency="2026-06-01", today=TODAY)
    assert since.admit(hit("https://a.org/", published="2026-06-01"), TODAY) is None
    assert since.admit(hit("https://a.org/", published="2026-05-31"), TODAY)
    assert since.admit(hit("https://a.org/"), TODAY) is None


def test_published_dates_are_read_in_utc() -> None:
    assert parse_published("2026-11-30T23:30:00-05:00") == date(2026, 12, 1)
    assert parse_published("2026-11-30") == date(2026, 11, 30)
    assert parse_published(None) is None
    assert parse_published("") is None


def test_admit_all_counts_every_drop_with_its_reason() -> None:
    filters = SearchFilters.parse(exclude="spam.biz")
    hits = [hit("https://a.org/"), hit("https://x.spam.biz/1"), hit("https://spam.biz/2")]
    kept, dropped = admit_all(filters, hits)
    assert [h.url for h in kept] == ["https://a.org/"]
    assert dropped == [
        "https://x.spam.biz/1: excluded domain spam.biz",
        "https://spam.biz/2: excluded domain spam.biz",
    ]


def test_provider_parameters_for_each_kind_of_recency() -> None:
    assert SearchFilters().tavily_params() == {}
    both = SearchFilters.parse("a.org", "b.org", "month")
    assert both.tavily_params() == {
        "include_domains": ["a.org"],
        "exclude_domains": ["b.org"],
        "time_range": "month",
    }
    since = SearchFilters.parse(recency="2026-11-28", today=TODAY)
    assert since.tavily_params() == {"start_date": "2026-11-28"}
    assert since.window(TODAY) == "week"
    assert since.ddgs_timelimit(TODAY) == "w"
    old = SearchFilters.parse(recency="2020-01-01", today=TODAY)
    assert old.window(TODAY) is None  # more than a year back: only our own check applies
    assert SearchFilters.parse(recency="day").ddgs_timelimit() == "d"


def test_filters_round_trip_through_the_session_and_survive_damage() -> None:
    filters = SearchFilters.parse("a.org", "b.org", "2026-01-01", today=TODAY)
    assert SearchFilters.from_dict(filters.to_dict()) == filters
    assert SearchFilters.from_dict({}) == SearchFilters()
    assert SearchFilters.from_dict({"include_domains": ["not a domain"]}) == SearchFilters()
    assert filters.describe() == "only a.org; not b.org; since 2026-01-01"
    assert not SearchFilters().active and SearchFilters().describe() == ""


def test_providers_get_the_filters_keyword_only_when_there_are_filters() -> None:
    assert search_kwargs(None) == {} == search_kwargs(SearchFilters())
    filters = SearchFilters.parse(recency="day")
    assert search_kwargs(filters) == {"filters": filters}
