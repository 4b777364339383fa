"""The embedding model run by ONNX Runtime: exported once from the sentence-transformers weights into a
cache folder, checked there to give the same vectors (to 1e-5), then loaded by later processes without
torch and run about twice as fast. `embed.Embedder` uses it when it can and sentence-transformers otherwise.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np

# Bump when the export or the check changes: earlier exports are then redone.
ONNX_FORMAT = 1
# Texts the exported model must embed as sentence-transformers does: short, long (past the model's
# length, so truncation is checked), mixed case and punctuation, non-ASCII.
PROBES = ("when do I use modifier 53?", "ICD-10 C34.90 — malignant neoplasm, unspecified part of lung",
          "Taxonomy 208800000X: Interventional Radiology " * 40, "naïve café résumé ½ mg", "x")


def cache_dir() -> Path:
    """Where exported models are kept: ``ASSISTANT_CACHE``, else the user's cache folder."""
    base = os.environ.get("ASSISTANT_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "coding-assistant")
    return Path(base)


def _fingerprint(path: Path) -> str:
    """What an export depends on: the model's files (name, size, time), onnxruntime's version, ONNX_FORMAT."""
    import onnxruntime

    h = hashlib.sha256(f"{ONNX_FORMAT} {onnxruntime.__version__} {path.resolve()}".encode())
    for f in sorted(p for p in path.rglob("*") if p.is_file()):
        st = f.stat()
        h.update(f"{f.relative_to(path)} {st.st_size} {st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


class OnnxModel:
    """The sentence-transformers model (a BERT encoder, mean pooling, normalisation) run by ONNX Runtime."""

    def __init__(self, session, tokenizer, dim: int) -> None:
        self.session, self.tokenizer, self.dim = session, tokenizer, dim

    @staticmethod
    def _plain_mean_pooling(path: Path) -> bool:
        """Only the shape exported here: Transformer → mean Pooling → Normalize."""
        try:
            modules = [m["type"].rsplit(".", 1)[-1] for m in json.loads((path / "modules.json").read_text())]
            pooling = json.loads((path / "1_Pooling" / "config.json").read_text())
        except (OSError, ValueError, KeyError, TypeError):
            return False
        modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
        return modules == ["Transformer", "Pooling", "Normalize"] and modes == {"pooling_mode_mean_tokens"}

    @classmethod
    def folder(cls, path: Path) -> Path | None:
        try:
            return cache_dir() / "onnx" / _fingerprint(path)
        except ImportError:
            return None

    @classmethod
    def load(cls, path: Path) -> OnnxModel | None:
        """The exported model, if one was exported and checked for these weights; None otherwise."""
        folder = cls.folder(path)
        if folder is None or not cls._plain_mean_pooling(path):
            return None
        try:
            check = json.loads((folder / "check.json").read_text())
            return cls._open(path, folder, check) if check.get("ok") else None
        except Exception:  # noqa: BLE001 (a missing, partial or unreadable export: sentence-transformers serves)
            return None

    @classmethod
    def _open(cls, path: Path, folder: Path, check: dict) -> OnnxModel:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        # As sentence-transformers calls it: truncated at the model's length, padded to the longest text.
        tokenizer = Tokenizer.from_file(str(path / "tokenizer.json"))
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=int(check["max_length"]))
        tokenizer.enable_padding(pad_id=int(check["pad_id"]), pad_token=str(check["pad_token"]))
        return cls(session, tokenizer, int(check["dim"]))

    def encode(self, texts: list[str], batch_size: int) -> np.ndarray:
        # Longest first, as sentence-transformers orders them: a batch pads to its longest text, so
        # texts of like length batched together halve a build's work (the vectors are the same).
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        out = []
        for at in range(0, len(texts), batch_size):
            enc = self.tokenizer.encode_batch([texts[i] for i in order[at:at + batch_size]])
            ids = np.array([e.ids for e in enc], dtype=np.int64)
            mask = np.array([e.attention_mask for e in enc], dtype=np.int64)
            types = np.array([e.type_ids for e in enc], dtype=np.int64)
            hidden = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": types})[0]
            weights = mask[..., None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            out.append(pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None))
        vectors = np.empty((len(texts), self.dim), dtype=np.float32)
        if texts:
            vectors[order] = np.concatenate(out)
        return vectors

    @classmethod
    def export(cls, path: Path, model) -> None:
        """Export ``model`` (a loaded SentenceTransformer) for later processes, and check it on PROBES;
        a failure is recorded, so the export is not tried again for these weights."""
        folder = cls.folder(path)
        if folder is None or not cls._plain_mean_pooling(path) or (folder / "check.json").exists():
            return
        try:
            import torch

            folder.mkdir(parents=True, exist_ok=True)
            encoder = model[0].auto_model.eval()
            tokenizer = model.tokenizer

            class Hidden(torch.nn.Module):
                def __init__(self, inner) -> None:
                    super().__init__()
                    self.inner = inner

                def forward(self, input_ids, attention_mask, token_type_ids):
                    return self.inner(input_ids=input_ids, attention_mask=attention_mask,
                                      token_type_ids=token_type_ids).last_hidden_state

            sample = tokenizer(["a question", "a longer sentence to export with"], padding=True, return_tensors="pt")
            names = ["input_ids", "attention_mask", "token_type_ids"]
            tmp = folder / f"model.onnx.{os.getpid()}.tmp"
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                torch.onnx.export(Hidden(encoder), tuple(sample[n] for n in names), str(tmp), input_names=names,
                                  output_names=["hidden"], opset_version=17, dynamo=False,
                                  dynamic_axes={n: {0: "batch", 1: "seq"} for n in [*names, "hidden"]})
            os.replace(tmp, folder / "model.onnx")
            check = {"max_length": int(model.max_seq_length), "pad_id": int(tokenizer.pad_token_id),
                     "pad_token": str(tokenizer.pad_token), "dim": int(model.get_embedding_dimension())}
            onnx = cls._open(path, folder, check)
            want = model.encode(list(PROBES), normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
            diff = float(np.abs(onnx.encode(list(PROBES), 8) - want).max())
            check.update(ok=diff <= 1e-5, max_diff=diff)
        except Exception as exc:  # noqa: BLE001 (no exporter, no onnx package, a model it can't trace: keep torch)
            check = {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}
        try:
            # Written last and atomically (a process killed mid-export leaves no verdict, so the next tries
            # again); two processes exporting at once each write whole files.
            folder.mkdir(parents=True, exist_ok=True)
            tmp_check = folder / f"check.json.{os.getpid()}.tmp"
            tmp_check.write_text(json.dumps(check, indent=1))
            os.replace(tmp_check, folder / "check.json")
        except OSError:
            pass  # a read-only cache: the next process tries again, and keeps torch meanwhile
