"""A tiny random-weight Llama model as a GGUF file, so tests can run the real llama.cpp engine.

No weights can be downloaded in the tests, and none are needed: a two-layer Llama of width 64
with a byte-level SentencePiece-style vocabulary loads and generates like any other model. Its
text is gibberish, but the engine, the streaming, the usage and the timings are real.

The weights are random except for one steering dimension: every token embedding holds a large
constant in dimension 0, which survives the small random layers and the RMS norm, and the output
matrix reads that dimension as a fixed preference per token. Printable ASCII is preferred, and
the end-of-text, control and non-ASCII byte tokens are strongly avoided, so every answer is
visible text that runs until max_tokens ("length") instead of ending at a random EOS.
"""

from __future__ import annotations

from pathlib import Path

import gguf
import numpy as np

N_EMBD = 64
N_HEAD = 4
N_FF = 128
N_LAYER = 2
N_CTX = 512
NAME = "tiny-llama"
CHAT_TEMPLATE = (
    "{% for message in messages %}"
    "<|{{ message['role'] }}|>\n{{ message['content'] }}\n"
    "{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
_SPACE = "\u2581"  # SentencePiece's word boundary mark
_PIECES = ("the", "and", "ing", "er", "an", "in", "on", "at", "re", "es")
_UNK, _BOS, _EOS = 0, 1, 2


def _vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Specials, the 256 byte-fallback tokens, then printable pieces (tokens, scores, types)."""
    token_type = gguf.TokenType
    tokens = ["<unk>", "<s>", "</s>"]
    types = [token_type.UNKNOWN, token_type.CONTROL, token_type.CONTROL]
    tokens += [f"<0x{byte:02X}>" for byte in range(256)]
    types += [token_type.BYTE] * 256
    printable = [chr(code) for code in range(33, 127)]
    words = [_SPACE, *printable, *_PIECES, *(_SPACE + piece for piece in _PIECES)]
    tokens += words
    types += [token_type.NORMAL] * len(words)
    # Longer pieces score higher, so SentencePiece's merges prefer them.
    scores = [0.0] * (3 + 256) + [float(len(word)) - 10.0 for word in words]
    return tokens, scores, [int(t) for t in types]


def _preference(tokens: list[str]) -> np.ndarray:
    """How strongly the steering dimension pushes each token: printable text up, the rest down."""
    wanted = np.full(len(tokens), -1.0, dtype=np.float32)
    for index, token in enumerate(tokens):
        if index >= 3 + 256 or (token.startswith("<0x") and 0x20 <= int(token[3:5], 16) < 0x7F):
            wanted[index] = 1.0
    return wanted


def write_tiny_llama(
    path: Path, *, seed: int = 0, width: int = N_EMBD, layers: int = N_LAYER
) -> Path:
    """Write the model to `path` (F32 tensors, about 0.5 MB) and return `path`.

    `width` and `layers` make it bigger (the feed-forward is twice the width): a benchmark wants
    an engine that takes a realistic time per token, not microseconds.
    """
    rng = np.random.default_rng(seed)
    tokens, scores, types = _vocabulary()
    n_vocab = len(tokens)
    n_embd, n_ff = width, 2 * width  # the defaults: 64 and N_FF
    head_dim = n_embd // N_HEAD

    def weights(*shape: int, scale: float = 0.02) -> np.ndarray:
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    writer = gguf.GGUFWriter(path, "llama")
    writer.add_name(NAME)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_context_length(N_CTX)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(layers)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(head_dim)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_vocab_size(n_vocab)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(_BOS)
    writer.add_eos_token_id(_EOS)
    writer.add_unk_token_id(_UNK)
    writer.add_add_bos_token(True)
    writer.add_add_eos_token(False)
    writer.add_chat_template(CHAT_TEMPLATE)

    # numpy shapes are (rows, columns); GGUF records them reversed, as llama.cpp expects.
    embeddings = weights(n_vocab, n_embd, scale=0.5)
    embeddings[:, 0] = 8.0  # the steering dimension (see the module docstring)
    writer.add_tensor("token_embd.weight", embeddings)
    for layer in range(layers):
        block = f"blk.{layer}"
        writer.add_tensor(f"{block}.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
        for part in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"{block}.{part}.weight", weights(n_embd, n_embd))
        writer.add_tensor(f"{block}.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
        writer.add_tensor(f"{block}.ffn_gate.weight", weights(n_ff, n_embd))
        writer.add_tensor(f"{block}.ffn_up.weight", weights(n_ff, n_embd))
        writer.add_tensor(f"{block}.ffn_down.weight", weights(n_embd, n_ff))
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    output = weights(n_vocab, n_embd, scale=0.3)
    output[:, 0] = _preference(tokens) * 2.0
    writer.add_tensor("output.weight", output)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def write_empty_gguf(path: Path, arch: str) -> Path:
    """A valid GGUF header of architecture `arch` and nothing else: it passes our header check,
    and llama.cpp refuses to load it in its own words (an unknown architecture, say)."""
    writer = gguf.GGUFWriter(path, arch)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path
