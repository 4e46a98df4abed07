"""The text stage: OCR and text-layer output cleaned for search and classification."""

from munseo.text.clean import PAGE_SEPARATOR, clean_page_text, document_text, merge_pages

__all__ = ["PAGE_SEPARATOR", "clean_page_text", "document_text", "merge_pages"]
