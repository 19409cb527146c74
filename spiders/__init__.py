"""Spiders: one per way of discovering articles. Site specifics live in sites.toml."""
