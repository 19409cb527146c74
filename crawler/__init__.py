"""newsarchive: crawl news sites into a clean, searchable, versioned SQLite archive."""
