"""The sync pipeline: fetch, normalize, reconcile, apply; one run per source."""
