#!/bin/sh
# Entry point of the portal image. The first argument picks what the container runs:
#   web          gunicorn serving portal.wsgi:application on 0.0.0.0:8000 (the default CMD)
#   migrate      apply database migrations, then exit (the compose "migrate" one-shot)
#   healthcheck  GET /healthz on the local gunicorn; exit 0 when it answers 2xx
#   anything else is executed as given, e.g. `celery -A portal worker ...` or
#   `python manage.py createsuperuser`.
# Settings come from the environment (DJANGO_SETTINGS_MODULE defaults to production in the
# image). Tunables for `web`: WEB_CONCURRENCY (workers, default 2), FORWARDED_ALLOW_IPS
# (addresses whose X-Forwarded-Proto gunicorn trusts, default 127.0.0.1,::1) and
# GUNICORN_TIMEOUT (seconds, default 30).
set -eu

cmd="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$cmd" in
    web)
        exec gunicorn portal.wsgi:application \
            --bind 0.0.0.0:8000 \
            --workers "${WEB_CONCURRENCY:-2}" \
            --timeout "${GUNICORN_TIMEOUT:-30}" \
            --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1,::1}" \
            --access-logfile - \
            --error-logfile - \
            "$@"
        ;;
    migrate)
        exec python manage.py migrate --noinput "$@"
        ;;
    healthcheck)
        # Django answers only for ALLOWED_HOSTS, so send the first concrete allowed host.
        # /healthz is exempt from the HTTPS redirect (production settings).
        exec python - <<'PY'
import os
import sys
import urllib.request

hosts = [h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",")]
host = next((h.lstrip(".") for h in hosts if h and h != "*"), "localhost")
request = urllib.request.Request("http://127.0.0.1:8000/healthz", headers={"Host": host})
try:
    with urllib.request.urlopen(request, timeout=4) as response:
        sys.exit(0 if 200 <= response.status < 300 else 1)
except Exception as exc:  # any failure means unhealthy
    print(f"healthcheck failed: {exc}", file=sys.stderr)
    sys.exit(1)
PY
        ;;
    *)
        exec "$cmd" "$@"
        ;;
esac
