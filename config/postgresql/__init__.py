"""Django's PostgreSQL backend with fail-fast limits (config/database.py): DATABASES' ENGINE is this package."""
