"""The models match the migrations."""

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_models_match_migrations():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)
