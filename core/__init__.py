"""Cross-cutting pieces every domain package uses: settings, extensions, Redis, jobs, time."""
