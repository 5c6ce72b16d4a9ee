"""Search filters: which domains a research may cite, which it may not, and how recent.

One pure module (no I/O, no Textual) so the Home form, Settings, ``config set``, ``run``'s
flags and the engine all parse and check filters the same way, with the same messages.

Providers are *asked* to apply the filters (Tavily's domain lists and time range,
SearXNG's ``time_range``, ddgs' ``timelimit``), but a provider may ignore them, support only
some, or be a fallback that has none. So every result is also checked here, in our code
(``SearchFilters.admit``), before it can become a source; what is dropped is counted.

Decisions (documented in the README):

- Domains are normalised: lower case, scheme, path, port and a leading ``www.`` removed,
  internationalised names in their ASCII (IDNA) form. A domain also covers its
  subdomains: ``example.com`` matches ``docs.example.com``, never ``badexample.com``.
- Local documents (``file:///`` references from the ``local`` provider) have no domain:
  domain filters do not apply to them. They carry no publication date either, so recency
  never drops them.
- Recency is ``day``, ``week``, ``month`` (31 days), ``year`` (366 days) or a date
  ``YYYY-MM-DD`` (since that day, inclusive). It is compared by calendar date in UTC. A
  result *without* a publication date is kept, in every mode: most web results carry none
  and dropping them would leave most researches with nothing; the provider's own time
  filter (which sees dates we do not) has already been asked to apply.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol
from urllib.parse import urlsplit

RECENCY_WINDOWS: dict[str, int] = {"day": 1, "week": 7, "month": 31, "year": 366}
"""Relative recency choices and the days each covers."""
RECENCY_HELP = "day, week, month, year, or a date YYYY-MM-DD (since then)"
MAX_DOMAINS = 50
"""Per list: Tavily takes at most a few hundred; nobody types more than a handful."""

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class FilterError(ValueError):
    """A filter the user typed cannot be used; the message says why and what works."""


class _Hit(Protocol):
    url: str
    provider: str
    published: str


# --------------------------------------------------------------------------- parsing


def normalise_domain(text: str) -> str:
    """``text`` (a domain, or a URL someone pasted) as a bare ASCII domain.

    ``"https://WWW.Example.com:443/page"`` → ``"example.com"``; ``"münchen.de"`` →
    ``"xn--mnchen-3ya.de"``. Raises ``FilterError`` for what is not a domain.
    """
    raw = text.strip()
    if not raw:
        raise FilterError("a domain is empty")
    candidate = raw if "://" in raw else f"//{raw}"
    try:
        host = urlsplit(candidate).hostname or ""
    except ValueError:
        host = ""
    host = host.strip().rstrip(".").lower()
    if host.startswith("www."):
        host = host[4:]
    if not host or " " in host:
        raise FilterError(f"{raw!r} is not a domain (e.g. example.com)")
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise FilterError(f"{raw!r} is not a domain name that can be written in IDNA") from None
    labels = ascii_host.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise FilterError(f"{raw!r} is not a domain (e.g. example.com)")
    return ascii_host


def parse_domains(value: str | Iterable[str] | None) -> tuple[str, ...]:
    """Domains from a comma- or space-separated text, or from a list of such texts
    (repeatable flags); normalised and de-duplicated, in the order given."""
    if value is None:
        return ()
    parts = [value] if isinstance(value, str) else list(value)
    out: list[str] = []
    for part in parts:
        for item in re.split(r"[,\s]+", str(part)):
            if item.strip():
                domain = normalise_domain(item)
                if domain not in out:
                    out.append(domain)
    if len(out) > MAX_DOMAINS:
        raise FilterError(f"at most {MAX_DOMAINS} domains per list (got {len(out)})")
    return tuple(out)


def parse_recency(text: str | None, *, today: date | None = None) -> str:
    """``""`` (no limit), a window name, or an ISO date not in the future."""
    value = (text or "").strip().lower()
    if not value or value in ("any", "none"):
        return ""
    if value in RECENCY_WINDOWS:
        return value
    if _DATE.match(value):
        try:
            since = date.fromisoformat(value)
        except ValueError:
            raise FilterError(f"recency {text!r} is not a real date (YYYY-MM-DD)") from None
        if since > (today or datetime.now(UTC).date()):
            raise FilterError(f"recency {text!r} is in the future")
        return value
    raise FilterError(f"recency must be {RECENCY_HELP} (got {text!r})")


def parse_published(text: object) -> date | None:
    """The calendar date (UTC) a provider's publication stamp names, or None.

    Providers write ISO 8601 (``2026-11-30T10:00:00Z``, ``2026-11-30``) or RFC 2822
    (``Mon, 30 Nov 2026 10:00:00 GMT``); anything else counts as no date.
    """
    if not isinstance(text, str) or not text.strip():
        return None
    value = text.strip()
    stamp: datetime | None = None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        from email.utils import parsedate_to_datetime

        try:
            stamp = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(UTC)
    return stamp.date()


def _covers(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def _host(url: str) -> str:
    try:
        host = (urlsplit(url).hostname or "").rstrip(".").lower()
    except ValueError:
        return ""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


# --------------------------------------------------------------------------- the filters


@dataclass(frozen=True)
class SearchFilters:
    """What a research admits. Empty (the default) admits everything."""

    include_domains: tuple[str, ...] = ()
    """When set, only results from these domains (and their subdomains)."""
    exclude_domains: tuple[str, ...] = ()
    recency: str = ""
    """``""``, ``day``/``week``/``month``/``year``, or ``YYYY-MM-DD``."""

    @classmethod
    def parse(
        cls,
        include: str | Iterable[str] | None = None,
        exclude: str | Iterable[str] | None = None,
        recency: str | None = None,
        *,
        today: date | None = None,
    ) -> SearchFilters:
        """Filters from what a user typed; ``FilterError`` says what is wrong."""
        included = parse_domains(include)
        excluded = parse_domains(exclude)
        both = [d for d in included if d in excluded]
        if both:
            raise FilterError(
                f"{', '.join(both)} is both included and excluded; keep it in one list"
            )
        return cls(included, excluded, parse_recency(recency, today=today))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> SearchFilters:
        """Filters saved with a session (``to_dict``); a damaged value becomes no filter
        rather than a research that cannot be reopened."""
        if not data:
            return cls()
        try:
            return cls.parse(
                data.get("include_domains") or (),
                data.get("exclude_domains") or (),
                str(data.get("recency") or ""),
                today=date.max,  # a since-date saved yesterday is not "in the future" today
            )
        except (FilterError, TypeError):
            return cls()

    def to_dict(self) -> dict[str, Any]:
        return {
            "include_domains": list(self.include_domains),
            "exclude_domains": list(self.exclude_domains),
            "recency": self.recency,
        }

    @property
    def active(self) -> bool:
        return bool(self.include_domains or self.exclude_domains or self.recency)

    @property
    def since(self) -> date | None:
        """The since-date, when recency is one."""
        return date.fromisoformat(self.recency) if _DATE.match(self.recency) else None

    def cutoff(self, today: date | None = None) -> date | None:
        """The earliest publication date admitted (None: no recency limit)."""
        if not self.recency:
            return None
        if (since := self.since) is not None:
            return since
        today = today or datetime.now(UTC).date()
        return today - timedelta(days=RECENCY_WINDOWS[self.recency])

    def describe(self) -> str:
        """One line for the UI and the session summary ("" when there are no filters)."""
        parts: list[str] = []
        if self.include_domains:
            parts.append("only " + ", ".join(self.include_domains))
        if self.exclude_domains:
            parts.append("not " + ", ".join(self.exclude_domains))
        if self.since is not None:
            parts.append(f"since {self.recency}")
        elif self.recency:
            parts.append(f"past {self.recency}")
        return "; ".join(parts)

    # -- enforcement --------------------------------------------------------------------

    def admit(self, hit: _Hit, today: date | None = None) -> str | None:
        """Why ``hit`` must be dropped, or None when it may become a source."""
        local = hit.provider == "local" or hit.url.startswith("file:")
        if not local and (self.include_domains or self.exclude_domains):
            host = _host(hit.url)
            excluded = next((d for d in self.exclude_domains if _covers(host, d)), None)
            if excluded is not None:
                return f"excluded domain {excluded}"
            if self.include_domains and not any(_covers(host, d) for d in self.include_domains):
                return f"{host or 'no domain'} is not an included domain"
        cutoff = self.cutoff(today)
        if cutoff is not None:
            published = parse_published(getattr(hit, "published", ""))
            if published is not None and published < cutoff:
                return f"published {published.isoformat()}, before {cutoff.isoformat()}"
        return None

    # -- what each provider is asked for -------------------------------------------------

    def window(self, today: date | None = None) -> str | None:
        """The smallest day/week/month/year window that holds the recency (for providers
        that know only windows); None when there is no limit or the since-date is more
        than a year back (then only our own check applies)."""
        if not self.recency:
            return None
        if self.since is None:
            return self.recency
        age = ((today or datetime.now(UTC).date()) - self.since).days
        for name, days in RECENCY_WINDOWS.items():
            if age <= days:
                return name
        return None

    def tavily_params(self, today: date | None = None) -> dict[str, Any]:
        """Keyword arguments for ``AsyncTavilyClient.search`` (tavily-python 0.8.5)."""
        params: dict[str, Any] = {}
        if self.include_domains:
            params["include_domains"] = list(self.include_domains)
        if self.exclude_domains:
            params["exclude_domains"] = list(self.exclude_domains)
        if self.since is not None:
            params["start_date"] = self.recency
        elif self.recency:
            params["time_range"] = self.recency
        return params

    def ddgs_timelimit(self, today: date | None = None) -> str | None:
        """ddgs' ``timelimit``: ``d``, ``w``, ``m`` or ``y``."""
        window = self.window(today)
        return window[0] if window else None


NO_FILTERS = SearchFilters()


def admit_all(
    filters: SearchFilters, hits: Iterable[Any], today: date | None = None
) -> tuple[list[Any], list[str]]:
    """The hits ``filters`` admit, and one line per dropped hit ("url: reason")."""
    kept: list[Any] = []
    dropped: list[str] = []
    for hit in hits:
        reason = filters.admit(hit, today) if filters.active else None
        if reason is None:
            kept.append(hit)
        else:
            dropped.append(f"{hit.url[:200]}: {reason}")
    return kept, dropped


def search_kwargs(filters: SearchFilters | None) -> dict[str, Any]:
    """``{"filters": filters}`` when there are any, else ``{}``: a provider written before
    filters existed (a test double, a plug-in) keeps working for unfiltered researches."""
    return {"filters": filters} if filters is not None and filters.active else {}
