"""Admin for modelsync: sources and sync history (sync.py), webhook endpoints (webhooks.py).

Django's admin autodiscovery imports this module; importing the two registers their ModelAdmins.
"""

from modelsync.admin import sync, webhooks

__all__ = ["sync", "webhooks"]
