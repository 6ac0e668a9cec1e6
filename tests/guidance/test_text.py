"""Cutting Chinese for search: normalising, bigrams, filler words, the tsvector literal."""

from miniapp_api.guidance.text import TermWeights, bigrams, normalize, query_terms, tsquery_any, without_fillers


def test_normalising_folds_width_case_traditional_and_punctuation():
    assert normalize("營業執照（設立登記）！！ＹＹＺＺ😀") == "营业执照 设立登记 yyzz"
    assert normalize("😀🙏！？") == ""


def test_every_two_character_word_is_one_of_the_bigrams():
    assert bigrams("社保卡 yyzz 证") == ["社保", "保卡", "yyzz", "证"]


def test_filler_words_become_breaks_so_no_bigram_straddles_them():
    assert without_fillers("请问社保卡丢了怎么补办") == "社保卡丢了 补办"
    assert query_terms("我想问一下社保卡丢了怎么补办") == ["社保", "保卡", "卡丢", "丢了", "补办"]
    assert query_terms("请问怎么") == []


def test_a_term_keeps_its_strongest_weight_and_the_literal_is_a_tsvector():
    weights = TermWeights().add("C", ["营业执照"]).add("A", ["执照"], with_characters=True)
    assert weights.weights["执照"] == "A" and weights.weights["营业"] == "C" and weights.weights["执"] == "A"
    assert weights.tsvector() == "'业执':1C '执':2A '执照':3A '照':4A '营业':5C"
    assert tsquery_any(["社保", "yyzz"], prefix=True) == "'社保':* | 'yyzz':*"
