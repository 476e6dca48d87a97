"""Embeddings: all-MiniLM-L6-v2 as int8 ONNX on onnxruntime, WordPiece tokens, mean pooling, L2 norm."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ai_registry.local.model_files import embedding_files, require_packages
from ai_registry.local.runtime import ModelRunner, onnx_session

if TYPE_CHECKING:
    import numpy as np

EMBEDDING_MODEL_ID = "all-minilm-l6-v2"
EMBEDDING_DIMENSIONS = 384


@dataclass
class EncoderSession:
    """A loaded tokenizer and ONNX session."""

    tokenizer: Any
    session: Any
    input_names: tuple[str, ...]
    dimensions: int


@dataclass
class EmbeddingResult:
    """Vectors in input order (float32, shape [n, dims]) and the tokens they took."""

    vectors: np.ndarray
    token_count: int


class EmbeddingRunner(ModelRunner[EncoderSession]):
    """A sentence encoder: texts in, one vector each out."""

    model_id = EMBEDDING_MODEL_ID
    slug = "local-all-minilm-l6-v2"
    kind = "Embedding"

    def check_files(self) -> None:
        """onnxruntime, tokenizers, the ONNX file and the tokenizer file must be present."""
        require_packages("onnxruntime", "tokenizers", "numpy")
        embedding_files(self.settings)

    def weights(self) -> Path:
        """The ONNX file."""
        return embedding_files(self.settings).onnx

    def _load(self) -> EncoderSession:
        from tokenizers import Tokenizer

        files = embedding_files(self.settings)
        tokenizer = Tokenizer.from_file(str(files.tokenizer))
        tokenizer.enable_truncation(max_length=self.settings.embedding_max_tokens)
        # Pad each batch to its longest text, not to the file's fixed length.
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")
        session = onnx_session(files.onnx, self.settings.threads)
        dims = session.get_outputs()[0].shape[-1]
        return EncoderSession(
            tokenizer=tokenizer,
            session=session,
            input_names=tuple(i.name for i in session.get_inputs()),
            dimensions=int(dims) if isinstance(dims, int) else EMBEDDING_DIMENSIONS,
        )

    @property
    def dimensions(self) -> int:
        """Vector length (384 for MiniLM; read from the ONNX file once loaded)."""
        return self._model.dimensions if self._model is not None else EMBEDDING_DIMENSIONS

    def embed(self, texts: list[str], *, normalize: bool = True) -> EmbeddingResult:
        """Encode texts (blocking). Similar lengths are batched together so padding stays small."""
        import numpy as np

        encoder = self.model()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), encoder.dimensions), dtype=np.float32)
        tokens = 0
        step = self.settings.embedding_batch_size
        for start in range(0, len(order), step):
            batch = order[start : start + step]
            vectors, used = self._encode(encoder, [texts[i] for i in batch], normalize=normalize)
            out[batch] = vectors
            tokens += used
        return EmbeddingResult(vectors=out, token_count=tokens)

    def _encode(self, encoder: EncoderSession, texts: list[str], *, normalize: bool) -> tuple[np.ndarray, int]:
        import numpy as np

        encodings = encoder.tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in encoder.input_names:
            feeds["token_type_ids"] = np.zeros_like(ids)
        output = encoder.session.run(None, {k: v for k, v in feeds.items() if k in encoder.input_names})[0]
        if output.ndim == 2:  # an export that pools inside the graph
            pooled = output
        elif self.settings.embedding_pooling == "cls":
            pooled = output[:, 0]
        else:
            weights = mask[..., None].astype(np.float32)
            pooled = (output * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        if normalize:
            pooled = pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
        return pooled.astype(np.float32), int(mask.sum())
