"""Fast TF-IDF rows from a fitted model's vectorizers, for scoring in the proxy.

sklearn's `FeatureUnion.transform` validates its input on every call, which
costs milliseconds however short the text, and its analyzers are Python
loops over every n-gram.  `DirectFeatures` computes the same numbers (tested
against sklearn) from the fitted vocabularies and idf weights, with nearly
all the counting in C:

- Character n-grams inside word boundaries (`char_wb`) never cross the
  whitespace between tokens, so a text's counts are the sum over its tokens
  of each token's n-gram counts.  A token's known n-gram columns come from
  a bounded LRU cache: words repeat within a page and across pages, so the
  Python n-gram loop runs only for words not seen lately.
- Word n-grams: the vectorizer's tokenizer (one regex scan) gives the
  words, one dict lookup per word gives its number, and the vocabulary's
  n-grams are found with numpy in a trie of those numbers (sorted arrays,
  one per n-gram length): no n-gram string is built.

A call's counts are one sparse product: (text x distinct item) occurrences
times (distinct item x vocabulary column) counts, an item being a token
(its character n-grams) or a known word n-gram (its column).
"""

from __future__ import annotations

import operator
import threading
from collections import OrderedDict, deque
from itertools import chain, compress, count, repeat
from operator import itemgetter
from typing import Callable, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion

# Distinct tokens whose analysis is kept: about 400 bytes each, so at most
# 12 MB; the vocabulary of thousands of pages.
TOKEN_CACHE_SIZE = 30_000


class FeatureError(ValueError):
    """The fitted vectorizers are not those `build_pipeline` makes."""


class DirectFeatures:
    """The fitted FeatureUnion's TF-IDF vectors, the same numbers as
    `union.transform` to float32 rounding (tested), for a union of one word
    and one char_wb TfidfVectorizer with sublinear tf, idf and l2 norm, as
    `build_pipeline` makes them (n-gram ranges, tokenizer and preprocessing
    are read from the fitted vectorizers).  A row's columns come out
    unsorted: sorting them would cost more than computing them."""

    def __init__(self, union: FeatureUnion, token_cache_size: int = TOKEN_CACHE_SIZE):
        vectorizers = [vectorizer for _, vectorizer in union.transformer_list]
        analyzers = [getattr(vectorizer, "analyzer", None) for vectorizer in vectorizers]
        if analyzers != ["word", "char_wb"] or not all(map(_is_sublinear_tf_idf_l2, vectorizers)):
            raise FeatureError("the model's vectorizers are not those build_pipeline makes; run 'salama train'")
        words, chars = vectorizers
        self.words = _WordNgrams(words)
        self.word_width = len(words.vocabulary_)
        # With the same preprocessing and a tokenizer whose words never span
        # whitespace, a text's words are those of its whitespace-separated
        # tokens, in order: they are cached with each token, and the text
        # needs no regex scan.
        self.words_from_tokens = _splits_within_tokens(words) and _same_preprocessing(words, chars)
        self.chars = _TokenNgrams(
            chars, token_cache_size, self.words.token_numbers if self.words_from_tokens else _no_numbers
        )
        self.width = self.word_width + len(chars.vocabulary_)
        self.idf = np.concatenate([words.idf_, chars.idf_]).astype(np.float32)
        self.numbered = _Numbering(self.width)

    def transform(self, texts: Sequence[str], joined: bool = False) -> sp.csr_matrix:
        """One row per text; with `joined`, one more for all the texts
        together, from their summed counts (no second pass over the text)."""
        token_rows, token_ids, tokens_seen, analysed = self.chars.occurrences(texts)
        if self.words_from_tokens:
            numbers, text_of = _token_numbers(analysed, token_rows)
        else:
            numbers, text_of = self.words.numbers(texts)
        word_rows, word_columns = self.words.known(numbers, text_of)
        # Items: first the positions of the call's tokens (a token is
        # numbered by its first occurrence; other positions stay empty),
        # then the distinct known word n-grams.
        distinct_words, word_items = self.numbered(word_columns)
        items = len(tokens_seen) and int(token_ids.max()) + 1
        per_text = _occurrence_matrix(
            np.concatenate([token_rows, word_rows]),
            np.concatenate([token_ids, word_items + items]),
            len(texts),
            joined,
            items + len(distinct_words),
        )
        lengths, token_columns = _token_columns(list(map(analysed.__getitem__, tokens_seen.values())))
        item_lengths = np.zeros(items + len(distinct_words), dtype=np.int64)
        item_lengths[np.fromiter(tokens_seen.values(), dtype=np.int64, count=len(tokens_seen))] = lengths
        item_lengths[items:] = 1
        # The product is computed over the columns this call uses only:
        # scipy's sparse product allocates a buffer as wide as its result.
        used, local_columns = self.numbered(
            np.concatenate([token_columns.astype(np.int64) + self.word_width, distinct_words])
        )
        item_columns = sp.csr_matrix(
            (np.ones(len(local_columns), dtype=np.float32), local_columns, np.concatenate([[0], np.cumsum(item_lengths)])),
            shape=(len(item_lengths), len(used)),
        )
        counts = (per_text @ item_columns).tocsr()
        data = _tf_idf(counts, self.idf[used], used < self.word_width)
        return sp.csr_matrix((data, used[counts.indices], counts.indptr), shape=(counts.shape[0], self.width))


# Token patterns whose matches are runs of word characters, decided by the
# run alone: whitespace ends every match.
WHITESPACE_BOUNDED_PATTERNS = frozenset((r"(?u)\b\w+\b", r"(?u)\b\w\w+\b"))


def _splits_within_tokens(vectorizer: TfidfVectorizer) -> bool:
    return vectorizer.tokenizer is None and vectorizer.token_pattern in WHITESPACE_BOUNDED_PATTERNS


def _same_preprocessing(one: TfidfVectorizer, other: TfidfVectorizer) -> bool:
    def settings(v: TfidfVectorizer) -> tuple:
        return v.preprocessor, v.lowercase, v.strip_accents

    return settings(one) == settings(other)


def _no_numbers(tokens: list[str]) -> list[bytes]:
    return [b""] * len(tokens)


def _is_sublinear_tf_idf_l2(vectorizer) -> bool:
    return isinstance(vectorizer, TfidfVectorizer) and vectorizer.sublinear_tf and vectorizer.use_idf and (
        vectorizer.norm == "l2"
    )


class _WordNgrams:
    """The known word n-grams of texts, as the vectorizer's analyzer finds
    them (its preprocessing, tokenizer and stop words; n-grams of
    consecutive tokens within a text), without building n-gram strings.

    Each word of the vocabulary's n-grams has a number; level 1 of the trie
    is the words themselves, and level k holds, sorted, the keys
    `node at level k-1 * words + next word` of every k-word prefix of the
    vocabulary; a node's column is that of the n-gram it spells, if any."""

    def __init__(self, vectorizer: TfidfVectorizer):
        self.preprocess = vectorizer.build_preprocessor()
        self.tokenize = vectorizer.build_tokenizer()
        self.stop_words = vectorizer.get_stop_words()
        self.low, self.high = vectorizer.ngram_range
        # The vocabulary's n-grams split into words, all in C or numpy: the
        # vocabulary holds hundreds of thousands of them.
        terms = list(vectorizer.vocabulary_)
        columns = np.fromiter(vectorizer.vocabulary_.values(), dtype=np.int64, count=len(terms))
        lengths = np.fromiter(map(str.count, terms, repeat(" ")), dtype=np.int64, count=len(terms)) + 1
        spelled_words = " ".join(terms).split(" ")
        self.word_numbers = dict(zip(dict.fromkeys(spelled_words), count()))
        if len(terms) and (lengths.max() > self.high or "" in self.word_numbers):
            raise FeatureError("the model's word n-grams are not made of space-free tokens; run 'salama train'")
        numbers = np.fromiter(map(self.word_numbers.__getitem__, spelled_words), dtype=np.int64,
                              count=len(spelled_words))
        self.words = len(self.word_numbers)
        starts = np.cumsum(lengths) - lengths
        self.word_columns = np.full(self.words, -1, dtype=np.int64)
        single = lengths == 1
        self.word_columns[numbers[starts[single]]] = columns[single]
        self.levels: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, columns) for k = 2, 3...
        node = numbers[starts]  # each term's node for its first k-1 words
        for k in range(2, self.high + 1):
            longer = lengths >= k
            wanted = node[longer] * self.words + numbers[starts[longer] + k - 1]
            keys = np.sort(wanted)  # then distinct: np.unique's hashing is slower here
            first = np.ones(len(keys), dtype=bool)
            np.not_equal(keys[1:], keys[:-1], out=first[1:])
            keys = keys[first]
            key_columns = np.full(len(keys), -1, dtype=np.int64)
            node = np.full(len(terms), -1, dtype=np.int64)
            node[longer] = np.searchsorted(keys, wanted)
            exact = lengths == k
            key_columns[node[exact]] = columns[exact]
            self.levels.append((keys, key_columns))

    def words_of(self, text: str) -> list[str]:
        tokens = self.tokenize(self.preprocess(text))
        if self.stop_words is not None:
            tokens = [token for token in tokens if token not in self.stop_words]
        return tokens

    def _numbered(self, words: Iterable[str], count: int) -> np.ndarray:
        """Each word's number, -1 for a word in no n-gram of the vocabulary."""
        return np.fromiter(map(self.word_numbers.get, words, repeat(-1)), dtype=np.int64, count=count)

    def token_numbers(self, tokens: list[str]) -> list[bytes]:
        """The numbers of each whitespace-free token's words, as int64 bytes."""
        word_lists = list(map(self.words_of, tokens))
        lengths = np.fromiter(map(len, word_lists), dtype=np.int64, count=len(tokens))
        numbers = self._numbered(chain.from_iterable(word_lists), int(lengths.sum()))
        return _split_bytes(numbers.tobytes(), lengths, 8)

    def numbers(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The number of every word of the texts, and the text it is in."""
        word_lists = list(map(self.words_of, texts))
        lengths = list(map(len, word_lists))
        return self._numbered(chain.from_iterable(word_lists), sum(lengths)), np.repeat(np.arange(len(texts)), lengths)

    def known(self, numbers: np.ndarray, text_of: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The text and the vocabulary column of every known n-gram occurrence."""
        rows, columns = [], []
        node = numbers  # the trie node spelled by the k words starting at each position
        if self.low == 1:
            _keep_known(rows, columns, text_of, np.where(node >= 0, self.word_columns[node], -1))
        for k, (keys, key_columns) in enumerate(self.levels, start=2):
            if len(node) <= 1 or not len(keys):
                break
            before, after = node[:-1], numbers[k - 1 :]
            step = (before >= 0) & (after >= 0) & (text_of[: len(before)] == text_of[k - 1 :])
            node = np.full(len(before), -1, dtype=np.int64)
            node[step] = _find(keys, before[step] * self.words + after[step])
            if k >= self.low:
                _keep_known(rows, columns, text_of[: len(node)], np.where(node >= 0, key_columns[node], -1))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), np.concatenate(columns)


def _find(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Where each wanted key is in the sorted `keys`, -1 if absent.  The
    keys are looked for in sorted order: numpy's binary search then starts
    from the last hit, and the big array is read in order, not at random."""
    order = np.argsort(wanted, kind="stable")
    where = np.empty(len(wanted), dtype=np.int64)
    where[order] = np.searchsorted(keys, wanted[order])
    np.minimum(where, len(keys) - 1, out=where)
    return np.where(keys[where] == wanted, where, -1)


class _Numbering:
    """The distinct values of an array of columns, and each value's index
    among them, in linear time (sorting a big page's columns would cost more
    than the rest of the call): a scratch array as wide as the vocabulary,
    one per thread, maps a column to its index."""

    def __init__(self, width: int):
        self.width = width
        self.local = threading.local()

    def __call__(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scratch = getattr(self.local, "scratch", None)
        if scratch is None:
            scratch = self.local.scratch = np.empty(self.width, dtype=np.int64)
        positions = np.arange(len(values))
        scratch[values] = positions  # a repeated value keeps one of its positions: its representative
        distinct = values[scratch[values] == positions]
        scratch[distinct] = np.arange(len(distinct))
        return distinct, scratch[values]


def _keep_known(rows: list, columns: list, text_of: np.ndarray, found: np.ndarray) -> None:
    known = found >= 0
    rows.append(text_of[known])
    columns.append(found[known])


class _TokenNgrams:
    """char_wb n-grams of whitespace-separated tokens: each token padded
    with a space on each side, n-grams taken inside it (a token shorter than
    n once, whole), as sklearn's char_wb analyzer does.  A token's analysis
    (its known n-gram columns, and its word numbers when the words are read
    per token) is kept in a bounded LRU cache."""

    def __init__(self, vectorizer: TfidfVectorizer, cache_size: int,
                 token_numbers: Callable[[list[str]], list[bytes]]):
        self.preprocess = vectorizer.build_preprocessor()
        self.ngram_range = vectorizer.ngram_range
        self.vocabulary = vectorizer.vocabulary_
        self.token_numbers = token_numbers
        self.cache = _AnalysisCache(cache_size, self._analyse)

    def _analyse(self, tokens: list[str]) -> list[tuple[bytes, bytes]]:
        """For each token, the vocabulary columns of its known n-grams, one
        per occurrence, as int32 bytes (compact, and joined in C), and its
        word numbers.  All the tokens' n-grams are cut from one string with
        offsets computed by numpy, and looked up in one scan (the fitted
        vocabulary's values are numpy integers, which np.fromiter reads)."""
        padded = list(map(" {} ".format, tokens))
        text = "".join(padded)
        lengths = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
        starts = np.cumsum(lengths) - lengths
        low, high = self.ngram_range
        owners, begins, ends = [], [], []
        for n in range(low, high + 1):
            longer = np.flatnonzero(lengths > n)  # every n-gram inside the padded token
            grams = lengths[longer] - n + 1
            offsets = np.arange(grams.sum()) - np.repeat(np.cumsum(grams) - grams, grams)
            owners.append(np.repeat(longer, grams))
            begins.append(np.repeat(starts[longer], grams) + offsets)
            ends.append(begins[-1] + n)
            whole = np.flatnonzero(np.maximum(lengths, low) == n)  # a token not longer than n: once, whole
            owners.append(whole)
            begins.append(starts[whole])
            ends.append(starts[whole] + lengths[whole])
        owner, begin, end = np.concatenate(owners), np.concatenate(begins), np.concatenate(ends)
        found = np.fromiter(
            map(self.vocabulary.get, map(text.__getitem__, map(slice, begin.tolist(), end.tolist())), repeat(-1)),
            dtype=np.int64,
            count=len(begin),
        )
        known = found >= 0
        owner, found = owner[known], found[known]
        per_token = np.bincount(owner, minlength=len(tokens))
        by_token = found[np.argsort(owner, kind="stable")].astype(np.int32)
        return list(zip(_split_bytes(by_token.tobytes(), per_token, 4), self.token_numbers(tokens)))

    def occurrences(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, dict[str, int], list]:
        """The text and the id of every token occurrence, the distinct
        tokens with their ids (the position of their first occurrence,
        numbered by dict.setdefault in C), and each occurrence's analysis."""
        token_lists = [self.preprocess(text).split() for text in texts]
        lengths = list(map(len, token_lists))
        seen: dict[str, int] = {}
        ids = np.fromiter(
            map(seen.setdefault, chain.from_iterable(token_lists), count()), dtype=np.int64, count=sum(lengths)
        )
        analysis = dict(zip(seen, self.cache.get_many(list(seen))))
        analysed = list(map(analysis.__getitem__, chain.from_iterable(token_lists)))
        return np.repeat(np.arange(len(texts)), lengths), ids, seen, analysed


class _AnalysisCache:
    """A bounded LRU map from token to analysis, its misses analysed a
    batch at a time (numpy's per-call cost is then paid once per call, not
    once per new word).  Safe to share between threads."""

    def __init__(self, size: int, analyse: Callable[[list[str]], list]):
        self.size = size
        self.analyse = analyse
        self.entries: OrderedDict[str, tuple[bytes, bytes]] = OrderedDict()
        self.lock = threading.Lock()

    def get_many(self, tokens: list[str]) -> list:
        """The analyses of distinct `tokens`, in order."""
        with self.lock:
            found = list(map(self.entries.get, tokens))
            deque(map(self.entries.move_to_end, compress(tokens, found)), maxlen=0)
            missing = list(compress(tokens, map(operator.not_, found)))
            if not missing:
                return found
            analysed = self.analyse(missing)
            self.entries.update(zip(missing, analysed))
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        merged = dict(zip(tokens, found))
        merged.update(zip(missing, analysed))
        return list(merged.values())


def _split_bytes(blob: bytes, counts: np.ndarray, item_size: int) -> list[bytes]:
    """`blob` cut into consecutive pieces of `counts` items each."""
    ends = (np.cumsum(counts) * item_size).tolist()
    return list(map(blob.__getitem__, map(slice, [0, *ends[:-1]], ends)))


def _token_columns(analysed: list[tuple[bytes, bytes]]) -> tuple[np.ndarray, np.ndarray]:
    """How many known n-grams each token has, and their columns one after the other."""
    columns = list(map(itemgetter(0), analysed))
    return np.fromiter(map(len, columns), dtype=np.int64, count=len(columns)) // 4, np.frombuffer(
        b"".join(columns), dtype=np.int32
    )


def _token_numbers(analysed: list[tuple[bytes, bytes]], token_rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The word numbers of every token occurrence in a row, and their texts."""
    numbers = list(map(itemgetter(1), analysed))
    per_token = np.fromiter(map(len, numbers), dtype=np.int64, count=len(numbers)) // 8
    return np.frombuffer(b"".join(numbers), dtype=np.int64), np.repeat(token_rows, per_token)


def _occurrence_matrix(rows: np.ndarray, items: np.ndarray, texts: int, joined: bool, width: int) -> sp.csr_matrix:
    """A (text x item) matrix of occurrences, an item repeated in a row as
    often as it occurs (the product that uses it sums them); with `joined`,
    one more row with each item's count over all the texts."""
    order = np.argsort(rows, kind="stable")  # rows arrive as runs already sorted: a merge
    lengths = np.bincount(rows, minlength=texts)
    indices, data = items[order], np.ones(len(items), dtype=np.float32)
    if joined:
        totals = np.bincount(items, minlength=width)
        present = np.flatnonzero(totals)
        indices = np.concatenate([indices, present])
        data = np.concatenate([data, totals[present].astype(np.float32)])
        lengths = np.append(lengths, len(present))
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    return sp.csr_matrix((data, indices, indptr), shape=(texts + joined, width))


def _tf_idf(counts: sp.csr_matrix, idf: np.ndarray, is_word: np.ndarray) -> np.ndarray:
    """Sublinear tf times idf, in place, each row's word and character
    parts scaled to unit length apart, as each vectorizer does."""
    data = counts.data
    np.log(data, out=data)
    data += 1
    data *= idf[counts.indices]
    part = np.repeat(np.arange(counts.shape[0]) * 2, np.diff(counts.indptr)) + ~is_word[counts.indices]
    norms = np.sqrt(np.bincount(part, weights=np.square(data, dtype=np.float64), minlength=2 * counts.shape[0]))
    data /= norms[part].astype(np.float32)
    return data
