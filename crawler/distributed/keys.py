"""The Redis keys of one distributed archive, in one place so writer and workers agree."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "newsarchive"


@dataclass(frozen=True)
class Keys:
    """Key names under ``prefix``; ``site`` keys take the site's slug."""

    prefix: str = DEFAULT_PREFIX

    @property
    def items(self) -> str:
        """List: articles and revisit checks from workers, JSON, oldest first."""
        return f"{self.prefix}:items"

    @property
    def writing(self) -> str:
        """List: entries the writer took from ``items`` and has not yet committed."""
        return f"{self.prefix}:items:writing"

    @property
    def rejected(self) -> str:
        """List: entries the writer could not store, kept for a person to look at."""
        return f"{self.prefix}:items:rejected"

    @property
    def busy(self) -> str:
        """Hash: worker id -> Unix time until which it has work in hand (pages, items)."""
        return f"{self.prefix}:busy"

    def seeds(self, site: str) -> str:
        """List: the round's first requests for the site, as JSON, for any worker to schedule."""
        return f"{self.prefix}:{site}:seeds"

    def requests(self, site: str) -> str:
        """Sorted set: scrapy-redis's request queue for the site."""
        return f"{self.prefix}:{site}:requests"

    def seen(self, site: str) -> str:
        """Set: scrapy-redis's fingerprints of the site's requests this round."""
        return f"{self.prefix}:{site}:seen"

    def known(self, site: str) -> str:
        """Hash: every known article URL of the site -> its revisit row (JSON)."""
        return f"{self.prefix}:{site}:known"

    def template(self, site: str) -> str:
        """String: the site's learned template (``SiteTemplate.to_json``), if any."""
        return f"{self.prefix}:{site}:template"
