"""The report batch, the per-report sections, the HTML export and the static site (docs/ARCHITECTURE.md)."""
