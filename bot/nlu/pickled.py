"""The shared base of the project's trainable Rasa components whose whole state is one pickled,
plain scikit-learn model (the intent classifier, the safety model): creating, loading and storing
it the same way, so each component only says how to train and what to add to a message."""
from __future__ import annotations

import pickle
from pathlib import Path
from typing import Any, ClassVar, Dict, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class PickledModelComponent(GraphComponent):
    """A component with `self.model` stored as `MODEL_FILE` in its resource folder."""

    MODEL_FILE: ClassVar[str] = "model.pkl"

    def __init__(self, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
                 model: Optional[Any] = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.model = model

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PickledModelComponent":
        return cls(config, model_storage, resource)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "PickledModelComponent":
        """The stored model, or none (an untrained component passes messages through)."""
        try:
            with model_storage.read_from(resource) as folder:
                model = pickle.loads((folder / cls.MODEL_FILE).read_bytes())
        except (ValueError, FileNotFoundError):
            model = None
        return cls(config, model_storage, resource, model)

    def store(self, model: Any) -> Resource:
        """Keep `model` and write it to the resource folder."""
        self.model = model
        with self._storage.write_to(self._resource) as folder:
            (folder / self.MODEL_FILE).write_bytes(pickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
        return self._resource


def from_archive(model: Path, file_name: str) -> Optional[Any]:
    """The object pickled as `file_name` inside a trained Rasa model archive, or None (benchmarks,
    tests: no Rasa needed)."""
    import tarfile

    with tarfile.open(model) as archive:
        for member in archive.getmembers():
            if member.name.endswith("/" + file_name):
                handle = archive.extractfile(member)
                return pickle.loads(handle.read()) if handle else None
    return None
