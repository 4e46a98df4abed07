"""munseo (문서): turns piles of scanned and born-digital documents into searchable records."""

__version__ = "0.1.0"
