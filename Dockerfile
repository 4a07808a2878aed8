# Production image: gunicorn + whitenoise for the web, the same image for Celery worker and beat.
FROM node:20-bookworm-slim AS assets
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=cpas_isp.settings
# WeasyPrint needs Pango; gettext compiles the Dutch catalogues; qpdf strips uploaded PDFs' metadata.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core gettext qpdf \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.lock ./
RUN pip install --no-cache-dir -r requirements.lock
COPY . .
COPY --from=assets /app/node_modules ./node_modules
# Static files and translations are built into the image; settings need a key and a database
# URL to import, which are dummies here (no connection is made).
RUN for po in $(find cpas_isp beneficiaires partenaires trajets rapports -name django.po); do \
      msgfmt --check-format -o "${po%.po}.mo" "$po"; \
    done \
    && SECRET_KEY=build DATABASE_URL=postgres://build@localhost/build python manage.py collectstatic --noinput --verbosity 0
RUN useradd --system --uid 1000 --home /app cpas && mkdir -p /app/var/media && chown -R cpas /app/var
USER cpas
EXPOSE 8000
CMD ["gunicorn", "cpas_isp.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
