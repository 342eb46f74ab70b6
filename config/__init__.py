"""Project configuration: importing the Celery app here binds @shared_task at start-up."""

from config.celery import app as celery_app

__all__ = ["celery_app"]
