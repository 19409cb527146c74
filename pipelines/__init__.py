"""Item pipeline stages, one module each, wired in order by ``ITEM_PIPELINES``."""
