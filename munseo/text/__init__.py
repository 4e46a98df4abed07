"""The text stage: OCR and text-layer output cleaned for search and classification."""

from munseo.text.clean import clean_page_text, merge_pages

__all__ = ["clean_page_text", "merge_pages"]
