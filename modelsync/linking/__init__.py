"""Links between catalog rows: the pure matcher and the writer that refreshes links and enrichment."""
