from munseo.text import clean_page_text, merge_pages


def test_nfc_and_invisible_characters() -> None:
    decomposed = "\u1100\u1161\u11a8"  # 각 as separate jamo
    assert clean_page_text(f"{decomposed}\u200b하\u00a0다\x07") == "각하 다"


def test_noise_lines_dropped_and_spaces_collapsed() -> None:
    raw = "제1조   목적\n|||\n———\n___ ..\n이 법은  공포한 날부터 시행한다.\n- 3 -"
    assert clean_page_text(raw) == "제1조 목적\n이 법은 공포한 날부터 시행한다.\n- 3 -"


def test_hyphenated_english_word_joined_korean_untouched() -> None:
    assert clean_page_text("the legis-\nlation passed") == "the legislation passed"
    assert clean_page_text("국회-\n본회의") == "국회-\n본회의"
    assert clean_page_text("COVID-\n19") == "COVID-\n19"


def test_blank_runs_collapse_and_pages_merge_in_order() -> None:
    assert clean_page_text("a\n\n\n\n\nb\r\nc") == "a\n\nb\nc"
    assert merge_pages(["one", "two"]) == "one\n\f\ntwo"
