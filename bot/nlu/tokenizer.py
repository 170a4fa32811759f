"""Rasa component: detect each message's language, then tokenise it the way that language needs.

Both happen in one component because the tokenizer must know the language, and Rasa's graph has
no slot for a pre-processor before the tokenizer. The detected language is added to the parse
data as `detected_language`, where the actions read it (see bot.language.Detection).

Each language's spaCy tokenizer and lemma tables are named in `locales/<lang>/language.yml`
(bot.languages). Training prunes the lemma tables to the training vocabulary and stores them in
the model (see bot.nlu.lemmas), so serving needs neither the big tables nor their memory. It also trains the
language classifier (bot.nlu.language_id) on the training questions of every language, read from
`data/nlu/<lang>/` (the folder says the language), and stores it next to the tables.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot import language
from bot.nlu import lemmas
from bot.nlu.language_id import LanguageId, examples, other_examples

DETECTED_LANGUAGE = "detected_language"
TABLES_FILE = "lemmas.json"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=True)
class LanguageAwareTokenizer(Tokenizer, GraphComponent):
    """`spacy.blank(<detected language>)` tokens with lookup lemmas (accent-folded)."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            # false: plain spaCy tokens without lemma tables (to measure what lemmas add)
            "use_lemmas": True,
            # false: lingua alone decides the language (to measure what the classifier adds)
            "use_language_classifier": True,
            # the training questions per language (one folder per language), relative to the
            # project folder Rasa trains in
            "language_data": "data/nlu",
            # sentences in languages the assistant does not speak (the classifier's "other")
            "other_languages": "data/other_languages.txt",
        }

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 tables: Optional[Dict[str, Dict[str, str]]] = None,
                 classifier: Optional[LanguageId] = None) -> None:
        super().__init__(config)
        self._storage = model_storage
        self._resource = resource
        self.tables = tables or {}
        self.classifier = classifier
        if config.get("use_language_classifier", True) and classifier is None:
            # trained before the lemma tables: their pruning needs each example's language
            self.classifier = LanguageId.train(
                examples(Path(config.get("language_data") or "data/nlu"))
                + other_examples(Path(config.get("other_languages") or "data/other_languages.txt")))
        language.detect("warm up the language models", self.classifier)
        lemmas.warm_up()

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage,
               resource: Resource, execution_context: ExecutionContext) -> "LanguageAwareTokenizer":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "LanguageAwareTokenizer":
        tables: Dict[str, Dict[str, str]] = {}
        classifier = None
        try:
            with model_storage.read_from(resource) as folder:
                tables = json.loads((folder / TABLES_FILE).read_text(encoding="utf-8"))
                classifier = LanguageId.load(folder)
        except (ValueError, FileNotFoundError):
            pass
        return cls({**config, "use_language_classifier": False}, model_storage, resource, tables, classifier)

    def train(self, training_data: TrainingData) -> Resource:
        """Keep only the lemma-table entries whose lemma occurs in the training examples."""
        seen: Dict[str, set] = {}
        full: Dict[str, Dict[str, str]] = {}
        self._detect_all(training_data.training_examples)
        for message in training_data.training_examples:
            lang = self._language_of(message)
            if lang is None or not lemmas.speaks(lang) or not self._config.get("use_lemmas", True):
                continue
            if lang not in full:
                full[lang] = lemmas.full_table(lang)
            for word in lemmas.tokenize(message.get(TEXT) or "", lang, {}):
                seen.setdefault(lang, set()).add(word.text.lower())
        self.tables = {lang: lemmas.prune(full[lang], seen[lang]) for lang in seen}
        with self._storage.write_to(self._resource) as folder:
            (folder / TABLES_FILE).write_text(json.dumps(self.tables, ensure_ascii=False), encoding="utf-8")
            if self.classifier is not None:
                self.classifier.save(folder)
        return self._resource

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._detect_all(training_data.training_examples)
        return super().process_training_data(training_data)

    def _detect_all(self, messages: List[Message]) -> None:
        """Detect the language of every message not yet detected, in one batch (language.detect_all)."""
        todo = [m for m in messages if m.get(TEXT) and m.get(DETECTED_LANGUAGE) is None]
        for message, found in zip(todo, language.detect_all([m.get(TEXT) or "" for m in todo], self.classifier)):
            message.set(DETECTED_LANGUAGE, found.as_dict(), add_to_output=True)

    def _language_of(self, message: Message) -> Optional[str]:
        cached = message.get(DETECTED_LANGUAGE)
        if cached is None:
            cached = language.detect(message.get(TEXT) or "", self.classifier).as_dict()
            message.set(DETECTED_LANGUAGE, cached, add_to_output=True)
        return cached.get("language") or cached.get("guess")

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        lang = self._language_of(message) if attribute == TEXT else None
        tables = self.tables if self._config.get("use_lemmas", True) else {}
        words = lemmas.tokenize(text, lang, tables)
        if not words:   # Rasa needs at least one token, e.g. for "😀" or "?!"
            return [Token(text, 0, len(text), lemma=text.lower())]
        return [Token(w.text, w.start, w.end, lemma=w.lemma) for w in words]
