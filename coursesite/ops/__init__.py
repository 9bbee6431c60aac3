"""Running the site: backup and restore, readiness."""
