"""Source adapters: one per Source.kind, registered in base.ADAPTERS."""
