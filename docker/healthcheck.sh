#!/usr/bin/env bash
# HEALTHCHECK: Jupyter answers on /api (its version, served without a token).
exec curl -fsS -o /dev/null --max-time 4 "http://127.0.0.1:${JUPYTER_PORT:-8888}/api"
