"""Cross-cutting pieces every package uses: settings, extensions, Redis, jobs, time, domain
events, signing, barcode images. Imports nothing of the product."""
