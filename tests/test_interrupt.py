"""Ctrl-C while a page hangs: the run still stops within 5 s and the next run fetches that page."""

from __future__ import annotations

import threading

from crawler.jobdir import MARKER
from tests.test_faults import BLOG_ARTICLES, count, slow_blog_sites, start_crawl
from tests.test_runlock import ctrl_c, post_hits

ARTICLES = "select count(*) from articles"
HUNG = "/posts/a-slow-sunday-at-the-hollins-ferry-market/"  # the third article the blog crawl asks


class Hang(dict[str, float]):
    """``SiteServer.delays`` that leave one path unanswered: a server that accepts and hangs.

    The server looks a path's delay up as its request arrives, before answering and before
    logging a hit, so the look-up tells the test that the request is in flight. That request
    is never answered (its server thread waits until the tests end); those arriving after
    ``answer_again`` are answered as usual.
    """

    def __init__(self, path: str) -> None:
        super().__init__()
        self.path = path
        self.arrived = threading.Event()
        self.hanging = True

    def get(self, key: str, default: float | None = None) -> float | None:  # type: ignore[override]
        if key == self.path and self.hanging:
            self.arrived.set()
            threading.Event().wait()
        return super().get(key, default)

    def answer_again(self) -> None:
        self.hanging = False


def test_ctrl_c_cancels_a_hanging_page_after_the_grace_and_the_next_run_fetches_it(
    fixture_sites, tmp_path, archive_path
):
    blog = fixture_sites.servers["blog"]
    hang = Hang(HUNG)
    blog.delays = hang
    sites = slow_blog_sites(fixture_sites, tmp_path, delay=0.2)

    def two_archived_and_one_hanging() -> bool:
        return hang.arrived.is_set() and count(archive_path, ARTICLES) >= 2

    crawl, output, said, seconds = ctrl_c(
        tmp_path, sites, archive_path, two_archived_and_one_hanging, "ARCHIVE_BATCH_SIZE=1"
    )
    print(f"message after {said:.2f} s, exit after {seconds:.2f} s")

    assert said < 1
    assert seconds < 5, output  # not DOWNLOAD_TIMEOUT (30 s)
    assert crawl.returncode == 3, output
    assert "0 errors" in output  # cancelled, not failed: kept for the next run
    first = post_hits(blog)
    assert HUNG not in first  # never answered
    assert count(archive_path, ARTICLES) == len(first) >= 2
    job = tmp_path / "archive.db.jobs" / "blog"
    assert not (job / MARKER).exists()  # stopped cleanly: the next run resumes from it
    assert "Traceback" not in output

    hang.answer_again()
    rerun = start_crawl(sites, archive_path, "DOWNLOAD_DELAY=0", "AUTOTHROTTLE_START_DELAY=0")
    stdout, stderr = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, stdout + stderr
    assert blog.hits(HUNG) == 1  # the page that hung, fetched by the resumed run
    assert all(blog.hits(path) == 1 for path in first)  # the archived ones, not again
    assert f"blog: {BLOG_ARTICLES - len(first)} new, 0 changed, 0 unchanged" in stdout
    assert count(archive_path, ARTICLES) == BLOG_ARTICLES
    assert not job.exists()
