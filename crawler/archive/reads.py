"""Short read-only questions about the archive, for the CLI and tests.

Reads stay short on purpose: a long-lived read transaction stops WAL checkpoints and lets the
``-wal`` file grow without bound while a crawl writes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import sqlite_utils


def archive_counts(db: sqlite_utils.Database) -> dict[str, int]:
    """Row counts of the main tables."""
    return {
        table: int(db.execute(f"SELECT count(*) FROM [{table}]").fetchone()[0])  # noqa: S608
        for table in ("articles", "article_urls", "revisions", "pages", "crawls")
    }


# Every URL a site's articles were seen at, with what a revisit needs: the URL to request, whether
# the article is due at :now, its validators, and when it was last fetched. An article with no
# schedule row (archived before schema 3) is due, with no validators.
REVISIT_PLAN_SQL = """
select
  article_urls.url as known_url,
  articles.id as article_id,
  coalesce(schedule.url, articles.url) as url,
  schedule.next_check is null or schedule.next_check <= :now as due,
  schedule.next_check,
  schedule.etag,
  schedule.last_modified,
  coalesce(schedule.last_checked, articles.last_seen) as last_checked
from articles
join article_urls on article_urls.article_id = articles.id
left join schedule on schedule.article_id = articles.id
where articles.site = :site
order by articles.id, article_urls.url
""".strip()


def revisit_plan(db: sqlite_utils.Database, *, site: str, now: str) -> list[dict[str, Any]]:
    """``REVISIT_PLAN_SQL``'s rows: one per known URL of the site's articles (``due`` a bool)."""
    return [
        {**row, "due": bool(row["due"])}
        for row in db.query(REVISIT_PLAN_SQL, {"site": site, "now": now})
    ]


def schedule_of(db: sqlite_utils.Database, article_id: int) -> dict[str, Any] | None:
    """The article's ``schedule`` row, if it has one."""
    rows = list(db.query("select * from schedule where article_id = ?", [article_id]))
    return rows[0] if rows else None


def articles_by_site(db: sqlite_utils.Database) -> list[dict[str, Any]]:
    """Articles per site, newest publication first."""
    return list(
        db.query(
            "SELECT site, count(*) AS articles, max(published) AS newest, "
            "max(last_seen) AS last_seen FROM articles GROUP BY site ORDER BY site"
        )
    )


# --- extraction health -----------------------------------------------------------------------
# Per site and day (the day an article was first archived: a site redesign that breaks
# extraction shows on the day after it, whatever the articles' own dates), the share of
# articles with no body text, no publication date, no author, a body flagged ``truncated``, and
# the median body length in characters. One statement serves ``newsarchive stats --health`` and
# the ``health`` canned query in Datasette, so the two cannot disagree. Parameters (an empty
# string means the default, as Datasette sends a parameter left blank): ``:days`` (14),
# ``:site`` (all), ``:now`` (SQLite's clock; the command passes ``crawler.clock`` time).
#
# The median is computed in SQL, with window functions, rather than in Python over a grouped
# query: Datasette runs only SQL, and a median computed twice in two languages could drift.
# The middle row (or the mean of the two middle rows) of each site and day, by body length.
HEALTH_SQL = """
with recent as (
  select
    site,
    date(first_seen) as day,
    coalesce(length(body), 0) as body_chars,
    trim(coalesce(body, '')) = '' as empty_body,
    published is null as no_date,
    case when json_valid(authors) then coalesce(json_array_length(authors), 0) else 0 end = 0
      as no_author,
    access = 'truncated' as truncated
  from articles
  where date(first_seen) > date(
      coalesce(nullif(:now, ''), 'now'),
      '-' || coalesce(nullif(:days, ''), 14) || ' days'
    )
    and (coalesce(:site, '') = '' or site = :site)
),
ranked as (
  select *,
    row_number() over (partition by site, day order by body_chars) as position,
    count(*) over (partition by site, day) as day_total
  from recent
)
select
  site,
  day,
  count(*) as articles,
  round(avg(empty_body), 2) as empty_body,
  round(avg(no_date), 2) as no_date,
  round(avg(no_author), 2) as no_author,
  round(avg(truncated), 2) as truncated,
  avg(case when position in ((day_total + 1) / 2, (day_total + 2) / 2) then body_chars end)
    as median_body_chars
from ranked
group by site, day
order by day desc, site
""".strip()

# Per site (sites come from both tables, so a site whose crawls archive nothing still shows):
# - ``articles``, ``gone`` (articles whose page answered 404/410 or redirected away), and
#   ``latest_published``, the newest publication date;
# - ``articles_per_day``: articles first archived in the last ``:days`` days (today included,
#   the window of the health query) divided by ``:days``;
# - ``errors``, ``requests`` and ``error_rate`` = errors / requests, summed over the site's
#   crawls that started in the same window. ``errors`` is the crawl's ``archive/errors/*``
#   total (pages that failed, bad feeds, an unusable robots.txt, failed writes), ``requests``
#   the requests it handed to the downloader (retries and robots.txt included). Crawls without
#   a request count (recorded before schema 4, or killed before they finished) are left out of
#   both sums; with no requests in the window the rate is NULL, not zero;
# - ``last_crawl`` and ``last_exit_code``: when the site's latest crawl started and the exit
#   code of the command that ran it (NULL while it runs, or when it was killed).
# Only ``newsarchive crawl`` runs and rounds of a distributed crawl (``ingest``) count as
# crawls: ``archive`` fetches URLs a person chose. A round's errors are the entries its writer
# could not store; it does not know its workers' requests, so it stays out of the error rate.
# Parameters as in HEALTH_SQL; ``:days`` defaults to 7.
SITE_TOTALS_SQL = """
with sites as (
  select site from articles union select site from crawls where command in ('crawl', 'ingest')
),
span as (
  select date(
    coalesce(nullif(:now, ''), 'now'), '-' || coalesce(nullif(:days, ''), 7) || ' days'
  ) as after
),
recent as (
  select site, sum(errors) as errors, sum(requests) as requests
  from crawls, span
  where command in ('crawl', 'ingest') and requests is not null and date(started_at) > span.after
  group by site
),
latest as (
  select site, started_at, exit_code,
    row_number() over (partition by site order by started_at desc, id desc) as n
  from crawls
  where command in ('crawl', 'ingest')
)
select
  sites.site,
  (select count(*) from articles where articles.site = sites.site) as articles,
  (select count(*) from articles where articles.site = sites.site and gone_at is not null)
    as gone,
  round(
    (select count(*) from articles, span
      where articles.site = sites.site and date(first_seen) > span.after)
    * 1.0 / coalesce(nullif(:days, ''), 7),
    2
  ) as articles_per_day,
  coalesce(recent.errors, 0) as errors,
  coalesce(recent.requests, 0) as requests,
  round(recent.errors * 1.0 / nullif(recent.requests, 0), 4) as error_rate,
  latest.started_at as last_crawl,
  latest.exit_code as last_exit_code,
  (select max(published) from articles where articles.site = sites.site) as latest_published
from sites
left join recent on recent.site = sites.site
left join latest on latest.site = sites.site and latest.n = 1
where coalesce(:site, '') = '' or sites.site = :site
order by sites.site
""".strip()


def site_health(
    db: sqlite_utils.Database, *, days: int = 14, site: str | None = None, now: str | None = None
) -> list[dict[str, Any]]:
    """``HEALTH_SQL``'s rows for the last ``days`` days up to ``now`` (ISO 8601), newest first."""
    return list(db.query(HEALTH_SQL, {"days": days, "site": site or "", "now": now or ""}))


def site_totals(
    db: sqlite_utils.Database, *, days: int = 7, site: str | None = None, now: str | None = None
) -> list[dict[str, Any]]:
    """``SITE_TOTALS_SQL``'s rows, one per site by slug, over the last ``days`` days to ``now``."""
    return list(db.query(SITE_TOTALS_SQL, {"days": days, "site": site or "", "now": now or ""}))
