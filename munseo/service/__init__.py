"""The service stage: REST API, job execution (embedded worker or Celery), model registry."""
