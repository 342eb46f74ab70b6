"""The change feed: events, their one shape, history reads, webhook delivery, the API and the Atom feed."""
