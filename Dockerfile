# The image every service of docker-compose.yml runs: the secours CLI and its data files.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml setup.py README.md topics.yaml ./
COPY schemas ./schemas
COPY drills ./drills
COPY secours ./secours
COPY services ./services
RUN pip install --no-cache-dir -e .
ENTRYPOINT []
