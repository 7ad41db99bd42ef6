"""Fetching one year's reports for a registry: one ``FetchOutcome`` per organ.

Outcomes are findings, not just errors: ``not_published`` means the listing was searched and holds
reports of other years but none for this one (a compliance finding), distinct from ``fetch_failed``
(the portal could not be read, or the listing shows no reports at all, which is more likely a moved
column than an organ that never published; retry or fix the registry) and ``blocked`` (the report
lives on a host the registry does not allow, e.g. a redirect to a spam mirror).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

from ogi.fetch import discover
from ogi.fetch.archive import ArchiveStore
from ogi.fetch.http import BlockedError, FetchError, HttpClient, HttpPolicy
from ogi.fetch.registry import Organ, Registry
from ogi.fetch.settings import policy_with
from ogi.model import FetchStatus

FOUND, NOT_PUBLISHED, FETCH_FAILED, BLOCKED = (
    FetchStatus.FOUND,
    FetchStatus.NOT_PUBLISHED,
    FetchStatus.FETCH_FAILED,
    FetchStatus.BLOCKED,
)
STATUSES = tuple(FetchStatus)


@dataclass
class FetchOutcome:
    organ_id: str
    year: int
    status: str  # found | not_published | fetch_failed | blocked
    url: str | None = None  # the report's article page (or the document when linked directly)
    published_on: str | None = None  # YYYY-MM-DD
    sha256: str | None = None  # archive key of the chosen report document
    filename: str | None = None
    content_type: str | None = None  # sniffed: html, pdf, docx, doc, wps, text
    reason: str | None = None  # why not found / what failed; notes for found
    document_url: str | None = None  # final URL of the chosen document (attachment or the article)
    source: str | None = None  # html | attachment
    title: str | None = None
    fetched_at: str | None = None
    listing_pages: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FetchOutcome:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def fetch_organ(
    client: HttpClient, registry: Registry, organ: Organ, year: int, *, max_pages: int = 20
) -> FetchOutcome:
    """Discover and download one organ's report for ``year``; never raises for portal trouble."""
    hosts = registry.hosts_for(organ)
    names = discover.OrganNames.of(organ.names, registry.city_name, registry.region_name(organ.region))
    out = FetchOutcome(organ.id, year, NOT_PUBLISHED)
    try:
        article_url = organ.report_urls.get(year)
        published = None
        if article_url is None:
            if not organ.listing_urls:
                out.status, out.reason = (
                    FETCH_FAILED,
                    "registry gives no listing_urls or report_urls for this organ",
                )
                return out
            searched, notes = 0, []
            for listing in organ.listing_urls:
                s = discover.search_listing(client, listing, year, names, hosts, max_pages=max_pages)
                out.listing_pages += s.pages
                searched += s.items_seen
                notes += s.notes
                if s.item:
                    article_url, published, out.title = s.item.url, s.item.published_on, s.item.title
                    break
            if article_url is None:
                out.reason = (
                    f"no report for {year} among {searched} report items on {len(out.listing_pages)} listing page(s)"
                    + (f"; {'; '.join(notes)}" if notes else "")
                )
                if searched == 0:  # not one report of any year: a moved column or a soft 404, not a finding
                    out.status, out.reason = FETCH_FAILED, f"listing_empty: {out.reason}"
                return out
        out.url = article_url
        doc = discover.fetch_document(client, article_url, hosts, year=year, names=names)
        out.url = doc.article_url
    except BlockedError as e:
        out.status, out.reason = BLOCKED, f"{e.reason}: {e}"
        return out
    except FetchError as e:
        out.status, out.reason = FETCH_FAILED, f"{e.reason}: {e}"
        return out
    r = doc.response
    out.status = FOUND
    out.published_on = published or doc.published_on or discover.url_date(article_url)
    out.sha256, out.filename, out.content_type = r.sha256, r.filename, r.kind
    out.document_url, out.source, out.fetched_at = r.final_url, doc.source, r.fetched_at
    out.title = out.title or doc.title
    notes = list(doc.notes)
    ry = discover.report_year(doc.title) if doc.title and discover.is_report_title(doc.title) else None
    if ry and ry[0] != year:  # the listing's title and the article disagree: flag it for review
        notes.append(f"the article's own title names {ry[0]}, not {year}: {doc.title}")
    out.reason = "; ".join(notes) or None
    return out


def select_organs(registry: Registry, year: int, organs: Iterable[str] | None = None) -> list[Organ]:
    """Organs asked for (by id or name), or every organ that existed during ``year``."""
    if organs is not None:
        return [registry.organ(key) for key in organs]
    return [o for o in registry.organs if o.active_in(year)]


def fetch_reports(
    registry: Registry,
    year: int,
    *,
    organs: Iterable[str] | None = None,
    archive: ArchiveStore,
    via: str | None = None,
    policy: HttpPolicy | None = None,
    allow_private_hosts: bool | None = None,
    max_workers: int = 8,
    max_pages: int = 20,
    conditional: bool = True,
    on_done: Callable[[FetchOutcome], None] | None = None,
) -> list[FetchOutcome]:
    """One outcome per organ (registry order). ``policy`` defaults to the registry's ``fetch:``
    settings over ``HttpPolicy()``; ``allow_private_hosts`` overrides the registry's setting (tests
    and demos serving a local portal through ``via``); ``conditional=False`` downloads everything
    again instead of asking "changed since?" (a forced re-fetch). An archive that cannot be written
    raises ``ArchiveError`` (the run stops; nothing half-written is left). ``on_done`` is called with
    each outcome as it completes (progress for the CLI)."""
    chosen = select_organs(registry, year, organs)

    def one(o):
        outcome = fetch_organ(client, registry, o, year, max_pages=max_pages)
        if on_done is not None:
            on_done(outcome)
        return outcome

    private = registry.allow_private_hosts if allow_private_hosts is None else allow_private_hosts
    policy = policy or policy_with(None, **registry.fetch)
    with HttpClient(
        policy, via=via, allow_private_hosts=private, archive=archive, conditional=conditional
    ) as client:
        if max_workers <= 1 or len(chosen) <= 1:
            return [one(o) for o in chosen]
        with ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="ogi-fetch") as pool:
            return list(pool.map(one, chosen))
