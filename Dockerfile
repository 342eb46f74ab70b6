# One image for web, worker and beat; docker-compose.yml only changes the command.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=config.settings.production \
    MODELSYNC_VAR_DIR=/app/var

WORKDIR /app
COPY pyproject.toml README.md ./
COPY config ./config
COPY catalog ./catalog
COPY modelsync ./modelsync
COPY manage.py ./
RUN pip install . \
    && DJANGO_SECRET_KEY=build-only python manage.py collectstatic --noinput -v0 \
    && useradd --system --uid 1000 modelsync \
    && mkdir -p /app/var && chown -R modelsync /app/var

USER modelsync
EXPOSE 8000
# Sync workers: the API is CPU-bound Python, and threads (gthread) cut uncached list throughput by a third (SPEC §9).
ENV PROMETHEUS_MULTIPROC_DIR=/tmp/prometheus
CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--config", "python:config.gunicorn", "--workers", "2", "--access-logfile", "-"]
