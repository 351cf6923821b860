# syntax=docker/dockerfile:1
# The portal image: one image for web (gunicorn), worker and beat (celery) and migrations.
# See docker-compose.yml for the full stack and docker/entrypoint.sh for what each command runs.
FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=portal.settings.production

# Runtime system libraries for WeasyPrint PDFs: Pango, the HarfBuzz subsetter (without it
# WeasyPrint falls back to fontTools and is ~40x slower) and the CJK fonts the documents use.
# gettext and poppler are not needed here: compiled .mo files are committed, and poppler
# only serves the tests.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
        fonts-noto-cjk fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*

# An unprivileged user runs every process; it owns only /app/var (media, beat schedule).
RUN groupadd --system --gid 10001 portal \
    && useradd --system --uid 10001 --gid portal --create-home --home-dir /home/portal \
        --shell /usr/sbin/nologin portal

WORKDIR /app

# How the code is installed: the project is run from its source tree at /app, not from
# site-packages. Settings find templates/, static/ and locale/ through BASE_DIR (three levels
# above portal/settings/base.py), so a plain `pip install .` would point BASE_DIR into
# site-packages and lose them. Instead only the dependencies listed in pyproject.toml are
# installed (in their own layer, so a code change does not reinstall them) and
# PYTHONPATH=/app makes the packages importable from the tree, exactly as `make run` sees it.
COPY pyproject.toml ./
RUN python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep=chr(10))" \
        > /tmp/requirements.txt \
    && pip install -r /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .

# Static files are collected at build time (whitenoise serves them with hashed names).
# The local settings need no database and no secrets; production reads the same STATIC_ROOT
# (/app/var/static) at run time. /app/var/media is created here so that the named volume
# mounted on it starts out owned by the portal user.
RUN DJANGO_SETTINGS_MODULE=portal.settings.local python manage.py collectstatic --noinput \
    && mkdir -p var/media \
    && chown -R portal:portal var \
    && chmod 0755 docker/entrypoint.sh

USER portal
EXPOSE 8000

# Python's urllib (there is no curl in the slim image); see `healthcheck` in the entrypoint.
# Services other than web (worker, beat) override or disable this in docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/app/docker/entrypoint.sh", "healthcheck"]

ENTRYPOINT ["/app/docker/entrypoint.sh"]
# `web` = gunicorn portal.wsgi:application, ${WEB_CONCURRENCY:-2} workers on 0.0.0.0:8000,
# access log to stdout, --forwarded-allow-ips from ${FORWARDED_ALLOW_IPS}.
CMD ["web"]
