#!/usr/bin/env python3
"""Independent float64 reference of Hugging Face transformers' BERT (numpy only).

Mirrors `transformers/models/bert/modeling_bert.py` (BertEmbeddings, BertSelfAttention, BertSelfOutput,
BertAttention, BertIntermediate, BertOutput, BertLayer, BertEncoder, BertPooler, the prediction heads and the task
models with their losses), `transformers/activations.py` (ACT2FN) and `ModuleUtilsMixin` in
`transformers/modeling_utils.py` (get_extended_attention_mask, create_extended_attention_mask_for_decoder,
invert_attention_mask, get_head_mask), in eval mode (dropout is the identity) with the eager attention
implementation. Written from reading those sources (transformers 4.4x); it shares no code with this repository's
compiler or runtime.

    python3 bert_ref.py make --out DIR --seed N --head HEAD [--config-json JSON] [--batch B] [--seq S]
                             [--choices C] [--pad] [--labels] [--problem-type T] [--float-labels]
                             [--output-hidden-states] [--output-attentions] [--head-mask per-head|per-layer]
                             [--position-ids] [--inputs-embeds] [--cross-attention] [--encoder-seq SE]
                             [--past-length P]
    python3 bert_ref.py check DIR [--tol 1e-6]
    python3 bert_ref.py selftest

`make` writes DIR/config.json, DIR/model.safetensors (F32 weights under HF's names), DIR/inputs.safetensors
(I64 input_ids, token_type_ids, attention_mask, plus whatever the options add, under HF's argument names) and
DIR/expected.safetensors (F32 outputs under HF's output names, computed in float64 from the float32-rounded weights
and inputs). `check` recomputes a folder's outputs and compares them with its expected.safetensors (relative error
||out - ref|| / ||ref|| per tensor). `selftest` runs the self-consistency checks of every option (see README.md).
"""

import argparse
import json
import math
import os
import struct
import sys

import numpy as np

# --------------------------------------------------------------------------------------------------
# safetensors: u64 little-endian header length, JSON header {name: {dtype, shape, data_offsets}},
# header padded with spaces to a multiple of 8, then the raw little-endian tensor bytes.
# --------------------------------------------------------------------------------------------------

_ST_DTYPES = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
              "I8": "i1", "U8": "u1", "BOOL": "?"}


def write_safetensors(path, tensors, metadata=None):
    """tensors: dict name -> numpy array (float32 -> F32, int64 -> I64, float64 -> F64, ...)."""
    by_np = {np.dtype(v): k for k, v in _ST_DTYPES.items()}
    # Larger items first keeps every tensor aligned to its item size (what the safetensors library does).
    names = sorted(tensors, key=lambda n: (-np.asarray(tensors[n]).dtype.itemsize, n))
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    for name in names:
        # np.asarray, not np.ascontiguousarray: the latter turns a 0-d array (a scalar loss) into shape [1].
        arr = np.asarray(tensors[name])
        if not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr)
        arr = arr.astype(arr.dtype.newbyteorder("<"), copy=False)
        dtype = by_np.get(arr.dtype)
        if dtype is None:
            raise ValueError(f"unsupported dtype {arr.dtype} for {name}")
        data = arr.tobytes()
        header[name] = {"dtype": dtype, "shape": list(arr.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    head = json.dumps(header, separators=(",", ":")).encode("utf-8")
    head += b" " * (-len(head) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)))
        f.write(head)
        for b in blobs:
            f.write(b)


def read_safetensors(path, with_metadata=False):
    """Returns dict name -> numpy array (BF16 is widened to float32), and the __metadata__ dict if asked."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base, out = 8 + n, {}
    metadata = header.get("__metadata__") or {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        buf = raw[base + start: base + end]
        if info["dtype"] == "BF16":
            arr = (np.frombuffer(buf, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(buf, dtype=_ST_DTYPES[info["dtype"]])
        out[name] = arr.reshape(info["shape"]).copy()
    return (out, metadata) if with_metadata else out


# --------------------------------------------------------------------------------------------------
# Config: BertConfig defaults (configuration_bert.py) plus the PretrainedConfig fields BERT reads.
# --------------------------------------------------------------------------------------------------

HEADS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel", "BertForNextSentencePrediction",
         "BertForSequenceClassification", "BertForMultipleChoice", "BertForTokenClassification",
         "BertForQuestionAnswering"]
# Heads whose BertModel is built with add_pooling_layer=False (so no bert.pooler.* in the checkpoint).
NO_POOLER = {"BertForMaskedLM", "BertLMHeadModel", "BertForTokenClassification", "BertForQuestionAnswering"}
# Heads whose forward() takes encoder_hidden_states / encoder_attention_mask (the others never pass them to BertModel,
# so their crossattention weights, when add_cross_attention is set, are never used).
ENCODER_STATE_HEADS = {"BertModel", "BertForMaskedLM", "BertLMHeadModel"}
# Heads whose forward() takes past_key_values.
PAST_HEADS = {"BertModel", "BertLMHeadModel"}
# PretrainedConfig.problem_type values (checked in PretrainedConfig.__init__).
PROBLEM_TYPES = ("regression", "single_label_classification", "multi_label_classification")

BERT_DEFAULTS = {
    "vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
    "intermediate_size": 3072, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "attention_probs_dropout_prob": 0.1, "max_position_embeddings": 512, "type_vocab_size": 2,
    "initializer_range": 0.02, "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
    "use_cache": True, "classifier_dropout": None, "is_decoder": False, "add_cross_attention": False,
}

# torch.finfo(torch.float32).min, which get_extended_attention_mask multiplies (1 - mask) by.
FLOAT32_MIN = -3.4028234663852886e38


def make_config(head, overrides=None):
    cfg = dict(BERT_DEFAULTS)
    cfg.update(overrides or {})
    if "id2label" in cfg:  # PretrainedConfig: num_labels is len(id2label)
        cfg["num_labels"] = len(cfg["id2label"])
    n = int(cfg.get("num_labels", 2))
    cfg["num_labels"] = n
    cfg["id2label"] = {str(i): f"LABEL_{i}" for i in range(n)} if "id2label" not in cfg else cfg["id2label"]
    cfg["label2id"] = {v: int(k) for k, v in cfg["id2label"].items()}
    cfg["architectures"] = [head]
    cfg["model_type"] = "bert"
    cfg.setdefault("torch_dtype", "float32")
    if cfg.get("problem_type") is not None and cfg["problem_type"] not in PROBLEM_TYPES:
        raise ValueError(f"problem_type must be one of {PROBLEM_TYPES}, got {cfg['problem_type']!r}")
    if cfg.get("add_cross_attention") and not cfg.get("is_decoder"):
        # BertLayer.__init__: "should be used as a decoder model if cross attention is added"
        raise ValueError("add_cross_attention needs is_decoder (HF's BertLayer raises ValueError)")
    return cfg


def load_config(path):
    with open(path) as f:
        raw = json.load(f)
    head = (raw.get("architectures") or ["BertModel"])[0]
    return head, make_config(head, raw)


# --------------------------------------------------------------------------------------------------
# Parameter layout: exactly the state_dict names HF's save_pretrained writes for each head.
# --------------------------------------------------------------------------------------------------

def param_shapes(cfg, head):
    """Ordered dict name -> shape. nn.Linear weights are [out, in]."""
    H, I, V = cfg["hidden_size"], cfg["intermediate_size"], cfg["vocab_size"]
    nh = cfg["num_attention_heads"]
    if H % nh:
        raise ValueError(f"hidden_size {H} is not a multiple of num_attention_heads {nh}")
    pet = cfg["position_embedding_type"]
    if pet not in ("absolute", "relative_key", "relative_key_query"):
        raise ValueError(f"unknown position_embedding_type {pet}")
    # BertModel saved on its own has no prefix; every task model keeps it under `bert.`.
    p = "" if head == "BertModel" else "bert."
    shapes = {}

    def linear(name, n_out, n_in):
        shapes[name + ".weight"] = (n_out, n_in)
        shapes[name + ".bias"] = (n_out,)

    def layer_norm(name):
        shapes[name + ".weight"] = (H,)
        shapes[name + ".bias"] = (H,)

    # BertEmbeddings: position_embeddings exist for every position_embedding_type (only used when absolute).
    shapes[p + "embeddings.word_embeddings.weight"] = (V, H)
    shapes[p + "embeddings.position_embeddings.weight"] = (cfg["max_position_embeddings"], H)
    shapes[p + "embeddings.token_type_embeddings.weight"] = (cfg["type_vocab_size"], H)
    layer_norm(p + "embeddings.LayerNorm")
    for i in range(cfg["num_hidden_layers"]):
        l = f"{p}encoder.layer.{i}."
        for m in ("query", "key", "value"):
            linear(l + "attention.self." + m, H, H)
        if pet != "absolute":
            shapes[l + "attention.self.distance_embedding.weight"] = (2 * cfg["max_position_embeddings"] - 1, H // nh)
        linear(l + "attention.output.dense", H, H)
        layer_norm(l + "attention.output.LayerNorm")
        if cfg.get("add_cross_attention"):
            # BertLayer: crossattention = BertAttention(config, position_embedding_type="absolute"), registered
            # between attention and intermediate; "absolute" means it has no distance_embedding even when the
            # self-attention is relative.
            for m in ("query", "key", "value"):
                linear(l + "crossattention.self." + m, H, H)
            linear(l + "crossattention.output.dense", H, H)
            layer_norm(l + "crossattention.output.LayerNorm")
        linear(l + "intermediate.dense", I, H)
        linear(l + "output.dense", H, I)
        layer_norm(l + "output.LayerNorm")
    if head not in NO_POOLER:
        linear(p + "pooler.dense", H, H)
    if head in ("BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel"):
        # BertLMPredictionHead: decoder.weight is tied to word_embeddings and decoder.bias is
        # cls.predictions.bias, so neither decoder tensor is written.
        shapes["cls.predictions.bias"] = (V,)
        linear("cls.predictions.transform.dense", H, H)
        layer_norm("cls.predictions.transform.LayerNorm")
    if head in ("BertForPreTraining", "BertForNextSentencePrediction"):
        linear("cls.seq_relationship", 2, H)
    if head in ("BertForSequenceClassification", "BertForTokenClassification"):
        linear("classifier", cfg["num_labels"], H)
    if head == "BertForMultipleChoice":
        linear("classifier", 1, H)
    if head == "BertForQuestionAnswering":
        if cfg["num_labels"] != 2:  # HF: qa_outputs = Linear(H, num_labels), then split into start/end
            raise ValueError("BertForQuestionAnswering needs num_labels == 2")
        linear("qa_outputs", 2, H)
    return shapes


def random_params(cfg, head, rng):
    """Deliberately large, never-zero weights so that mistakes show up as large errors.

    Dense weights scale with 1/sqrt(fan_in) so pre-activations stay around N(0, 2.5^2) at any width: large enough
    to saturate activations and sharpen attention, small enough that float32 rounding in the implementation under
    test is not amplified beyond 1e-5 (with std 0.5 at hidden 80, attention logits reach ~20 and near-ties in the
    softmax amplify float32 rounding to ~1e-5 on their own)."""
    out = {}
    for name, shape in param_shapes(cfg, head).items():
        if "LayerNorm.weight" in name:
            w = 1.0 + rng.normal(0.0, 0.1, shape)
        elif name.endswith("bias"):
            w = rng.normal(0.0, 0.1, shape)
        elif "embeddings" in name:
            w = rng.normal(0.0, 0.5, shape)
        else:
            w = rng.normal(0.0, min(0.5, 2.5 / math.sqrt(shape[-1])), shape)
        out[name] = w.astype(np.float32)
    return out


# --------------------------------------------------------------------------------------------------
# Building blocks (float64).
# --------------------------------------------------------------------------------------------------

_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    return _erf(x).astype(np.float64)


def sigmoid(x):
    return np.exp(-np.logaddexp(0.0, -x))


# activations.py ACT2FN
ACT2FN = {
    "gelu": lambda x: 0.5 * x * (1.0 + erf(x / math.sqrt(2.0))),  # GELUActivation (exact, erf)
    "gelu_python": lambda x: 0.5 * x * (1.0 + erf(x / math.sqrt(2.0))),
    "gelu_new": lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))),
    "gelu_fast": lambda x: 0.5 * x * (1.0 + np.tanh(x * 0.7978845608 * (1.0 + 0.044715 * x * x))),
    "gelu_10": lambda x: np.clip(ACT2FN["gelu"](x), -10.0, 10.0),
    "quick_gelu": lambda x: x * sigmoid(1.702 * x),
    "relu": lambda x: np.maximum(x, 0.0),
    "silu": lambda x: x * sigmoid(x),
    "swish": lambda x: x * sigmoid(x),
    "tanh": np.tanh,
    "sigmoid": sigmoid,
    "mish": lambda x: x * np.tanh(np.logaddexp(0.0, x)),
    "linear": lambda x: x,
}


def linear(x, w, b):  # nn.Linear: x @ W^T + b
    return x @ w.T + b


def layer_norm(x, w, b, eps):  # nn.LayerNorm over the last dim, biased variance, eps inside the sqrt
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


class Bert:
    """BertModel (+ heads) over a dict of float64 parameters named as in HF."""

    def __init__(self, cfg, head, params):
        self.cfg, self.head = cfg, head
        self.prefix = "" if head == "BertModel" else "bert."
        expected = set(param_shapes(cfg, head))
        missing, unexpected = expected - set(params), set(params) - expected
        if missing or unexpected:
            raise ValueError(f"checkpoint does not match {head}: missing {sorted(missing)}, "
                             f"unexpected {sorted(unexpected)}")
        # Round to float32 first (what the checkpoint holds), then compute in float64.
        self.w = {k: np.asarray(v, dtype=np.float32).astype(np.float64) for k, v in params.items()}
        self.act = ACT2FN[cfg["hidden_act"]]
        self.eps = cfg["layer_norm_eps"]
        self.nh = cfg["num_attention_heads"]
        # Where the queries sit in the relative-position distance when a KV cache is given. "hf" is HF's code:
        # every query is placed at key_length - 1, which is right for one new token at a time. "offset" places query j
        # at past_length + j (what a full forward does); only selftest uses it, to show that this is the only
        # difference between HF's cached path and a full forward.
        self.cached_query_positions = "hf"

    def P(self, name):
        return self.w[self.prefix + name]

    # BertEmbeddings.forward
    def embeddings(self, input_ids=None, token_type_ids=None, position_ids=None, inputs_embeds=None,
                   past_key_values_length=0):
        if inputs_embeds is None:
            x = self.P("embeddings.word_embeddings.weight")[input_ids]
        else:  # inputs_embeds replace the word embedding lookup; the rest is unchanged
            x = np.asarray(inputs_embeds, dtype=np.float64)
        B, S = x.shape[:2]
        if token_type_ids is None:  # the registered all-zeros token_type_ids buffer
            token_type_ids = np.zeros((B, S), dtype=np.int64)
        x = x + self.P("embeddings.token_type_embeddings.weight")[token_type_ids]
        if self.cfg["position_embedding_type"] == "absolute":  # position_ids are read only for "absolute"
            if position_ids is None:  # position_ids[:, past_key_values_length : seq_length + past_key_values_length]
                position_ids = np.arange(past_key_values_length, past_key_values_length + S)[None]
            x = x + self.P("embeddings.position_embeddings.weight")[position_ids]
        return layer_norm(x, self.P("embeddings.LayerNorm.weight"), self.P("embeddings.LayerNorm.bias"), self.eps)

    # ModuleUtilsMixin.get_extended_attention_mask (+ create_extended_attention_mask_for_decoder)
    def extended_attention_mask(self, attention_mask, seq_length):
        """attention_mask: [B, past + S] over every key, or [B, S, past + S] per query; returns the additive mask
        [B, 1, 1 or S, past + S]. A 3-D mask is used as given, never made causal (HF: `attention_mask[:, None, :, :]`
        before the decoder branch)."""
        m = attention_mask.astype(np.float64)
        if m.ndim == 3:
            ext = m[:, None, :, :]                                      # [B, 1, S, T]
        elif self.cfg.get("is_decoder"):
            S, T = seq_length, m.shape[1]
            seq = np.arange(S)
            causal = (seq[None, :] <= seq[:, None]).astype(np.float64)  # [S(query), S(key)]
            if T > S:  # "in case past_key_values are used we need to add a prefix ones mask to the causal mask"
                causal = np.concatenate([np.ones((S, T - S)), causal], axis=1)
            ext = causal[None, None, :, :] * m[:, None, None, :]        # [B, 1, S, T]
        else:
            ext = m[:, None, None, :]                                   # [B, 1, 1, T]
        return (1.0 - ext) * FLOAT32_MIN

    # ModuleUtilsMixin.invert_attention_mask (the cross-attention mask: padding only, never causal)
    @staticmethod
    def invert_attention_mask(encoder_attention_mask):
        m = encoder_attention_mask.astype(np.float64)
        if m.ndim == 3:                                                 # [B, S, Se] per query
            return (1.0 - m[:, None, :, :]) * FLOAT32_MIN               # [B, 1, S, Se]
        return (1.0 - m[:, None, None, :]) * FLOAT32_MIN               # [B, 1, 1, Se]

    # ModuleUtilsMixin.get_head_mask / _convert_head_mask_to_5d: [heads] is used by every layer, [layers, heads]
    # gives each layer its own row; either way a layer's mask broadcasts as [1, heads, 1, 1] over the probabilities.
    def layer_head_masks(self, head_mask):
        L = self.cfg["num_hidden_layers"]
        if head_mask is None:
            return [None] * L
        hm = np.asarray(head_mask, dtype=np.float64)
        if hm.ndim == 1:
            hm = np.broadcast_to(hm, (L, hm.shape[0]))
        if hm.shape != (L, self.nh):
            raise ValueError(f"head_mask must be [{self.nh}] or [{L}, {self.nh}], got {list(np.shape(head_mask))}")
        return [hm[i][None, :, None, None] for i in range(L)]

    # BertAttention.forward = BertSelfAttention.forward (eager) + BertSelfOutput.forward
    def attention(self, x, mask, prefix, head_mask=None, kv_states=None, past_kv=None, relative=True):
        """x: [B, S, H] queries (and keys/values unless kv_states is given, the cross-attention case).
        mask: additive mask broadcastable to [B, heads, S, Sk]. past_kv: cached (key, value) [B, heads, P, d] that the
        new keys/values are appended to. relative=False for the cross-attention (built with "absolute").
        Returns (output [B, S, H], attention probs [B, heads, S, Sk], (key, value) [B, heads, Sk, d])."""
        nh = self.nh
        B, S, H = x.shape
        d = H // nh
        sa = prefix + "self."

        def heads(t):  # transpose_for_scores: [B, S, H] -> [B, nh, S, d]
            return t.reshape(t.shape[0], t.shape[1], nh, d).transpose(0, 2, 1, 3)

        def proj(t, m):
            return heads(linear(t, self.P(sa + m + ".weight"), self.P(sa + m + ".bias")))

        q = proj(x, "query")
        src = x if kv_states is None else kv_states
        k, v = proj(src, "key"), proj(src, "value")
        if past_kv is not None and kv_states is None:  # torch.cat([past_key_value[0], key_layer], dim=2)
            k = np.concatenate([past_kv[0], k], axis=2)
            v = np.concatenate([past_kv[1], v], axis=2)
        scores = q @ k.transpose(0, 1, 3, 2)
        pet = self.cfg["position_embedding_type"]
        if relative and pet in ("relative_key", "relative_key_query"):
            max_pos = self.cfg["max_position_embeddings"]
            Lq, Lk = q.shape[2], k.shape[2]
            if past_kv is not None and self.cached_query_positions == "hf":
                # HF: `use_cache = past_key_value is not None`; position_ids_l = tensor(key_length - 1).view(-1, 1),
                # a single row that einsum broadcasts over every query.
                pos_l = np.full((Lq, 1), Lk - 1)
            elif past_kv is not None:
                pos_l = np.arange(Lk - Lq, Lk)[:, None]
            else:
                pos_l = np.arange(Lq)[:, None]
            distance = pos_l - np.arange(Lk)[None, :]                                 # l - r
            pos = self.P(sa + "distance_embedding.weight")[distance + max_pos - 1]      # [Lq, Lk, d]
            scores = scores + np.einsum("bhld,lrd->bhlr", q, pos)
            if pet == "relative_key_query":
                scores = scores + np.einsum("bhrd,lrd->bhlr", k, pos)
        scores = scores / math.sqrt(d)  # scaling comes after the relative terms
        if mask is not None:
            scores = scores + mask
        probs = softmax(scores)
        if head_mask is not None:  # "Mask heads if we want to": after the softmax, and what `attentions` returns
            probs = probs * head_mask
        ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(B, S, H)
        # BertSelfOutput: dense, then LayerNorm(hidden + input)
        out = linear(ctx, self.P(prefix + "output.dense.weight"), self.P(prefix + "output.dense.bias"))
        out = layer_norm(out + x, self.P(prefix + "output.LayerNorm.weight"),
                         self.P(prefix + "output.LayerNorm.bias"), self.eps)
        return out, probs, (k, v)

    # BertLayer.forward: self-attention, then (decoder with encoder_hidden_states) cross-attention on its output,
    # then BertIntermediate + BertOutput. The layer's head_mask is passed to both attentions.
    def layer(self, x, ext_mask, i, head_mask=None, encoder_hidden_states=None, encoder_ext_mask=None, past_kv=None):
        l = f"encoder.layer.{i}."
        a, probs, present = self.attention(x, ext_mask, l + "attention.", head_mask, past_kv=past_kv)
        cross_probs = cross_present = None
        if self.cfg.get("is_decoder") and encoder_hidden_states is not None:
            if not self.cfg.get("add_cross_attention"):
                raise ValueError("encoder_hidden_states need add_cross_attention=True")
            a, cross_probs, cross_present = self.attention(a, encoder_ext_mask, l + "crossattention.", head_mask,
                                                           kv_states=encoder_hidden_states, relative=False)
        h = self.act(linear(a, self.P(l + "intermediate.dense.weight"), self.P(l + "intermediate.dense.bias")))
        h = linear(h, self.P(l + "output.dense.weight"), self.P(l + "output.dense.bias"))
        h = layer_norm(h + a, self.P(l + "output.LayerNorm.weight"), self.P(l + "output.LayerNorm.bias"), self.eps)
        return h, probs, cross_probs, present, cross_present

    # BertModel.forward (eager, output_hidden_states=True, output_attentions=True, use_cache=True)
    def bert(self, input_ids=None, token_type_ids=None, attention_mask=None, position_ids=None, head_mask=None,
             inputs_embeds=None, encoder_hidden_states=None, encoder_attention_mask=None, past_key_values=None):
        if (input_ids is None) == (inputs_embeds is None):
            raise ValueError("give exactly one of input_ids and inputs_embeds")
        B, S = input_ids.shape if input_ids is not None else inputs_embeds.shape[:2]
        past = past_key_values[0][0].shape[2] if past_key_values is not None else 0  # past_key_values_length
        if past + S > self.cfg["max_position_embeddings"]:
            raise ValueError("sequence longer than max_position_embeddings")
        if attention_mask is None:
            attention_mask = np.ones((B, past + S), dtype=np.int64)
        ext = self.extended_attention_mask(attention_mask, S)
        enc_ext = None
        if self.cfg.get("is_decoder") and encoder_hidden_states is not None:
            encoder_hidden_states = np.asarray(encoder_hidden_states, dtype=np.float64)
            if encoder_attention_mask is None:
                encoder_attention_mask = np.ones(encoder_hidden_states.shape[:2], dtype=np.int64)
            enc_ext = self.invert_attention_mask(encoder_attention_mask)
        hms = self.layer_head_masks(head_mask)
        hs = [self.embeddings(input_ids, token_type_ids, position_ids, inputs_embeds, past)]
        attentions, cross_attentions, presents, cross_presents = [], [], [], []
        for i in range(self.cfg["num_hidden_layers"]):
            h, probs, cprobs, present, cpresent = self.layer(
                hs[-1], ext, i, hms[i], encoder_hidden_states, enc_ext,
                past_key_values[i] if past_key_values is not None else None)
            hs.append(h)
            attentions.append(probs)
            presents.append(present)
            if cprobs is not None:
                cross_attentions.append(cprobs)
                cross_presents.append(cpresent)
        pooled = None
        if self.head not in NO_POOLER:  # BertPooler: tanh(dense(h[:, 0]))
            pooled = np.tanh(linear(hs[-1][:, 0], self.P("pooler.dense.weight"), self.P("pooler.dense.bias")))
        return {"hidden_states": hs, "pooled": pooled, "attentions": attentions, "cross_attentions": cross_attentions,
                "presents": presents, "cross_presents": cross_presents}

    # BertLMPredictionHead: transform (dense, act, LayerNorm), then decoder tied to word embeddings + bias
    def lm_head(self, h):
        w = self.w
        t = self.act(linear(h, w["cls.predictions.transform.dense.weight"], w["cls.predictions.transform.dense.bias"]))
        t = layer_norm(t, w["cls.predictions.transform.LayerNorm.weight"],
                       w["cls.predictions.transform.LayerNorm.bias"], self.eps)
        return t @ self.P("embeddings.word_embeddings.weight").T + w["cls.predictions.bias"]

    def forward(self, input_ids=None, token_type_ids=None, attention_mask=None, position_ids=None, head_mask=None,
                inputs_embeds=None, encoder_hidden_states=None, encoder_attention_mask=None, past_key_values=None,
                labels=None, next_sentence_label=None, start_positions=None, end_positions=None):
        """Returns dict of float64 outputs named as HF's ModelOutput fields (`loss` when labels are given), plus
        hidden_states.{i}, attentions.{i}, cross_attentions.{i} and the trunk's states; `_presents` and
        `_cross_presents` hold the per-layer (key, value) HF would return as past_key_values."""
        w, head = self.w, self.head
        num_choices = None
        if head == "BertForMultipleChoice":  # [B, C, S(, H)] -> [B*C, S(, H)]
            num_choices = (input_ids if input_ids is not None else inputs_embeds).shape[1]

            def flat(t, trailing):
                return None if t is None else t.reshape((-1,) + t.shape[t.ndim - trailing:])
            input_ids, token_type_ids, attention_mask, position_ids = (
                flat(t, 1) for t in (input_ids, token_type_ids, attention_mask, position_ids))
            inputs_embeds = flat(inputs_embeds, 2)
        trunk = self.bert(input_ids, token_type_ids, attention_mask, position_ids, head_mask, inputs_embeds,
                          encoder_hidden_states if head in ENCODER_STATE_HEADS else None,
                          encoder_attention_mask if head in ENCODER_STATE_HEADS else None,
                          past_key_values if head in PAST_HEADS else None)
        hs, pooled = trunk["hidden_states"], trunk["pooled"]
        seq = hs[-1]
        out = {"last_hidden_state": seq}
        if pooled is not None:
            out["pooler_output"] = pooled
        if head == "BertForPreTraining":
            out["prediction_logits"] = self.lm_head(seq)
            out["seq_relationship_logits"] = linear(pooled, w["cls.seq_relationship.weight"],
                                                    w["cls.seq_relationship.bias"])
        elif head in ("BertForMaskedLM", "BertLMHeadModel"):
            out["logits"] = self.lm_head(seq)
        elif head == "BertForNextSentencePrediction":
            out["logits"] = linear(pooled, w["cls.seq_relationship.weight"], w["cls.seq_relationship.bias"])
        elif head == "BertForSequenceClassification":
            out["logits"] = linear(pooled, w["classifier.weight"], w["classifier.bias"])
        elif head == "BertForMultipleChoice":
            out["logits"] = linear(pooled, w["classifier.weight"], w["classifier.bias"]).reshape(-1, num_choices)
        elif head == "BertForTokenClassification":
            out["logits"] = linear(seq, w["classifier.weight"], w["classifier.bias"])
        elif head == "BertForQuestionAnswering":
            logits = linear(seq, w["qa_outputs.weight"], w["qa_outputs.bias"])
            out["start_logits"], out["end_logits"] = logits[..., 0], logits[..., 1]
        loss = self.loss(out, labels, next_sentence_label, start_positions, end_positions)
        if loss is not None:
            out["loss"] = loss
        for i, h in enumerate(hs):
            out[f"hidden_states.{i}"] = h
        for i, a in enumerate(trunk["attentions"]):
            out[f"attentions.{i}"] = a
        for i, a in enumerate(trunk["cross_attentions"]):
            out[f"cross_attentions.{i}"] = a
        out["_presents"], out["_cross_presents"] = trunk["presents"], trunk["cross_presents"]
        return out

    # The `loss` branch of each task model's forward.
    def loss(self, out, labels=None, next_sentence_label=None, start_positions=None, end_positions=None):
        head, cfg = self.head, self.cfg
        if head == "BertForPreTraining":
            if labels is None or next_sentence_label is None:  # HF needs both, else loss is None
                return None
            V = cfg["vocab_size"]
            masked_lm_loss = cross_entropy(out["prediction_logits"].reshape(-1, V), labels.reshape(-1))
            next_sentence_loss = cross_entropy(out["seq_relationship_logits"].reshape(-1, 2),
                                               next_sentence_label.reshape(-1))
            return masked_lm_loss + next_sentence_loss
        if head == "BertForQuestionAnswering":
            if start_positions is None or end_positions is None:
                return None
            if start_positions.ndim > 1:
                start_positions = start_positions.squeeze(-1)
            if end_positions.ndim > 1:
                end_positions = end_positions.squeeze(-1)
            # "sometimes the start/end positions are outside our model inputs, we ignore these terms": clamp to
            # [0, S] and ignore S. A negative position is clamped to 0 and so is NOT ignored.
            ignored_index = out["start_logits"].shape[1]
            start_positions = np.clip(start_positions, 0, ignored_index)
            end_positions = np.clip(end_positions, 0, ignored_index)
            start_loss = cross_entropy(out["start_logits"], start_positions, ignore_index=ignored_index)
            end_loss = cross_entropy(out["end_logits"], end_positions, ignore_index=ignored_index)
            return (start_loss + end_loss) / 2
        if labels is None:
            return None
        if head == "BertForMaskedLM":
            return cross_entropy(out["logits"].reshape(-1, cfg["vocab_size"]), labels.reshape(-1))
        if head == "BertLMHeadModel":  # next-token prediction: shift prediction scores and labels by one
            return cross_entropy(out["logits"][:, :-1, :].reshape(-1, cfg["vocab_size"]),
                                 labels[:, 1:].reshape(-1))
        if head == "BertForNextSentencePrediction":
            return cross_entropy(out["logits"].reshape(-1, 2), labels.reshape(-1))
        if head == "BertForMultipleChoice":
            return cross_entropy(out["logits"], labels)
        if head == "BertForTokenClassification":
            return cross_entropy(out["logits"].reshape(-1, cfg["num_labels"]), labels.reshape(-1))
        if head == "BertForSequenceClassification":
            logits, n = out["logits"], cfg["num_labels"]
            problem_type = sequence_problem_type(cfg, labels)
            if problem_type == "regression":  # MSELoss; squeezed when num_labels == 1
                if n == 1:
                    return mse_loss(logits.squeeze(), np.asarray(labels, np.float64).squeeze())
                return mse_loss(logits, np.asarray(labels, np.float64))
            if problem_type == "single_label_classification":
                return cross_entropy(logits.reshape(-1, n), labels.reshape(-1))
            return bce_with_logits_loss(logits, np.asarray(labels, np.float64))  # multi_label_classification
        raise ValueError(f"{head} takes no labels")


def sequence_problem_type(cfg, labels):
    """BertForSequenceClassification.forward: config.problem_type, or inferred from num_labels and labels' dtype."""
    if cfg.get("problem_type") is not None:
        return cfg["problem_type"]
    if cfg["num_labels"] == 1:
        return "regression"
    if np.asarray(labels).dtype in (np.int64, np.int32):  # labels.dtype == torch.long or labels.dtype == torch.int
        return "single_label_classification"
    return "multi_label_classification"


# torch.nn losses with their default reduction="mean".
def cross_entropy(logits, target, ignore_index=-100):
    """CrossEntropyLoss(ignore_index): mean over the targets != ignore_index of -log_softmax(logits)[target]
    (NaN when every target is ignored, as in torch)."""
    logits = np.asarray(logits, np.float64)
    target = np.asarray(target).astype(np.int64)
    keep = target != ignore_index
    if not keep.any():
        return np.float64("nan")
    t = target[keep]
    if t.min() < 0 or t.max() >= logits.shape[-1]:
        raise ValueError("target out of range")  # torch raises too
    x = logits[keep]
    mx = x.max(-1, keepdims=True)
    lse = (mx + np.log(np.exp(x - mx).sum(-1, keepdims=True)))[:, 0]
    return np.mean(lse - x[np.arange(len(t)), t])


def mse_loss(x, y):  # MSELoss
    return np.mean((x - y) ** 2)


def bce_with_logits_loss(x, y):  # BCEWithLogitsLoss: mean of -[y log sigmoid(x) + (1 - y) log(1 - sigmoid(x))]
    return np.mean(np.maximum(x, 0.0) - x * y + np.log1p(np.exp(-np.abs(x))))


# --------------------------------------------------------------------------------------------------
# Inputs, CLI.
# --------------------------------------------------------------------------------------------------

def random_inputs(cfg, rng, batch, seq, choices=None, pad=False):
    shape = (batch, choices, seq) if choices else (batch, seq)
    ids = rng.integers(0, cfg["vocab_size"], size=shape, dtype=np.int64)
    if not ids.any():
        ids.flat[0] = 1 % cfg["vocab_size"]
    tt = rng.integers(0, cfg["type_vocab_size"], size=shape, dtype=np.int64)
    mask = np.ones(shape, dtype=np.int64)
    if pad and seq > 1:
        pad_rows(mask, rng)
    return {"input_ids": ids, "token_type_ids": tt, "attention_mask": mask}


def pad_rows(mask, rng):
    """Row 0 stays unpadded; every other row ends in 1 to S-1 zeros (so it keeps >= 1 real token)."""
    seq = mask.shape[-1]
    rows = mask.reshape(-1, seq)
    for r in range(1, rows.shape[0]):
        n = int(rng.integers(1, seq))
        rows[r, seq - n:] = 0


def random_mask_3d(rng, mask, causal=False, queries=None):
    """A [B, Q, T] mask from a [B, T] padding mask: each query sees a random subset of the unpadded keys (key 0,
    never padded, always), and for a decoder only keys up to its own position. Q defaults to T."""
    B, T = mask.shape
    Q = T if queries is None else queries
    m3 = (rng.integers(0, 3, size=(B, Q, T)) > 0).astype(np.int64) * mask[:, None, :]
    if causal:
        m3 *= (np.arange(T)[None, :] <= np.arange(Q)[:, None]).astype(np.int64)[None]
    m3[:, :, 0] = 1
    return m3


def random_head_mask(cfg, rng, kind):
    """HF head_mask: [heads] ("per-head") or [layers, heads] ("per-layer"); entries are 0, 1 or in [0.25, 1)."""
    nh, L = cfg["num_attention_heads"], cfg["num_hidden_layers"]
    shape = (nh,) if kind == "per-head" else (L, nh)
    kinds = rng.integers(0, 3, size=shape)
    hm = np.where(kinds == 0, 0.0, np.where(kinds == 1, 1.0, rng.uniform(0.25, 1.0, size=shape)))
    if not (hm == 0).any():
        hm.flat[0] = 0.0
    return hm.astype(np.float32)


def random_labels(cfg, head, rng, inputs, problem_type=None, float_labels=False):
    """Labels under HF's argument names, drawn so the loss is always defined (at least one kept target)."""
    ids_or_embeds = inputs.get("input_ids", inputs.get("inputs_embeds"))
    B = ids_or_embeds.shape[0]
    S = inputs["attention_mask"].shape[-1]

    def token_labels(n_classes, first=0):
        # [B, S] classes with about half of them -100 (ignored); keeps >= 1 target at or after column `first`
        lab = rng.integers(0, n_classes, size=(B, S), dtype=np.int64)
        lab[rng.random((B, S)) < 0.5] = -100
        if not (lab[:, first:] != -100).any():
            lab[0, S - 1] = 1 % n_classes
        return lab

    if head == "BertForPreTraining":
        return {"labels": token_labels(cfg["vocab_size"]),
                "next_sentence_label": rng.integers(0, 2, size=(B,), dtype=np.int64)}
    if head == "BertForMaskedLM":
        return {"labels": token_labels(cfg["vocab_size"])}
    if head == "BertLMHeadModel":
        if S < 2:
            raise ValueError("BertLMHeadModel labels need seq >= 2 (the loss is over labels[:, 1:])")
        return {"labels": token_labels(cfg["vocab_size"], first=1)}
    if head == "BertForNextSentencePrediction":
        return {"labels": rng.integers(0, 2, size=(B,), dtype=np.int64)}
    if head == "BertForMultipleChoice":
        return {"labels": rng.integers(0, ids_or_embeds.shape[1], size=(B,), dtype=np.int64)}
    if head == "BertForTokenClassification":
        return {"labels": token_labels(cfg["num_labels"])}
    if head == "BertForQuestionAnswering":
        start = rng.integers(0, S, size=(B,), dtype=np.int64)
        end = rng.integers(0, S, size=(B,), dtype=np.int64)
        if B >= 2:  # beyond the sequence: clamped to S = ignored_index, so ignored
            start[1] = S + int(rng.integers(0, 3))
        if B >= 3:  # negative: clamped to 0, so it counts as position 0
            end[2] = -1
        return {"start_positions": start, "end_positions": end}
    if head == "BertForSequenceClassification":
        n = cfg["num_labels"]
        kind = problem_type or ("regression" if n == 1 else
                                "multi_label_classification" if float_labels else "single_label_classification")
        if kind == "regression":  # float labels, [B] for one label else [B, num_labels]
            return {"labels": rng.normal(0.0, 1.0, size=(B,) if n == 1 else (B, n)).astype(np.float32)}
        if kind == "single_label_classification":
            if float_labels:
                raise ValueError("single_label_classification takes int64 labels, not --float-labels")
            return {"labels": rng.integers(0, n, size=(B,), dtype=np.int64)}
        return {"labels": rng.integers(0, 2, size=(B, n)).astype(np.float32)}  # multi-hot
    raise ValueError(f"{head} takes no labels")


# Names in inputs.safetensors that are passed to Bert.forward, and how they are typed.
INT_INPUTS = ("input_ids", "token_type_ids", "attention_mask", "position_ids", "encoder_attention_mask",
              "next_sentence_label", "start_positions", "end_positions")
FLOAT_INPUTS = ("inputs_embeds", "head_mask", "encoder_hidden_states")
SEQ_INPUTS = ("input_ids", "token_type_ids", "position_ids", "inputs_embeds")  # sliced to the new tokens with a cache


def typed_inputs(inputs):
    """The stored inputs as Bert.forward takes them (labels keep their dtype: it decides HF's problem_type)."""
    out = {}
    for k, v in inputs.items():
        if k in INT_INPUTS:
            out[k] = np.asarray(v).astype(np.int64)
        elif k in FLOAT_INPUTS:
            out[k] = np.asarray(v, np.float32).astype(np.float64)
        elif k == "labels":
            out[k] = np.asarray(v)
        else:
            raise ValueError(f"unknown input {k}")
    return out


def compute_outputs(cfg, head, params, inputs, past_length=0):
    """Every output a case can hold (the caller picks what to write), from the stored (float32/int64) inputs."""
    model = Bert(cfg, head, params)
    args = typed_inputs(inputs)
    out = model.forward(**args)
    presents, cross_presents = out.pop("_presents"), out.pop("_cross_presents")
    if past_length:
        P = past_length
        if head not in PAST_HEADS or not cfg.get("is_decoder"):
            raise ValueError("--past-length needs BertLMHeadModel or BertModel with is_decoder=true")
        main = "logits" if head == "BertLMHeadModel" else "last_hidden_state"
        S = out[main].shape[1] - P
        if S < 1 or P < 1:
            raise ValueError("past length must be in [1, total length)")
        # A full forward over P + S tokens, read at the last S positions: what decoding S new tokens with a cache
        # of the first P must give.
        out[main + "_incremental"] = out[main][:, P:]
        # HF's past_key_values: per layer, the self-attention (key, value) [B, heads, P, head_size], and for a
        # cross-attention decoder the cross-attention (key, value) [B, heads, Se, head_size] of encoder_hidden_states.
        past = [(k[:, :, :P], v[:, :, :P]) for k, v in presents]
        for i, (k, v) in enumerate(past):
            out[f"past_key_values.{i}.key"], out[f"past_key_values.{i}.value"] = k, v
        for i, (k, v) in enumerate(cross_presents):
            out[f"past_key_values.{i}.cross_key"], out[f"past_key_values.{i}.cross_value"] = k, v
        # HF's cached code path itself: the S new tokens, the whole attention_mask, and the cache.
        # a 3-D mask keeps only the new queries' rows: [B, S, P + S] ([B, S, Se] for the encoder's)
        new_args = {k: (v[:, P:] if k in SEQ_INPUTS or (k.endswith("attention_mask") and v.ndim == 3) else v)
                    for k, v in args.items() if k != "labels"}
        cached = model.forward(**new_args, past_key_values=past)[main]
        if cfg["position_embedding_type"] != "absolute" and S > 1:
            # HF puts every query at key_length - 1 in the relative distances when a cache is given, which matches
            # a full forward only for S == 1; record what HF computes.
            out[main + "_incremental_hf"] = cached
        elif rel_error(cached, out[main + "_incremental"]) > 1e-9:
            raise AssertionError("internal error: cached decoding differs from the full forward")
    return out


def rel_error(out, ref):
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        return float("inf")
    denom = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (denom if denom > 0 else 1.0))


def build_case(args):
    """(cfg, params, inputs, outputs to write, inputs metadata) for the `make` options in args."""
    head = args.head
    if head not in HEADS:
        raise SystemExit(f"unknown head {head}; expected one of {', '.join(HEADS)}")
    overrides = json.loads(args.config_json) if args.config_json else {}
    if args.cross_attention:
        if head not in ENCODER_STATE_HEADS:
            raise SystemExit(f"--cross-attention: {head}.forward takes no encoder_hidden_states "
                             f"(only {', '.join(sorted(ENCODER_STATE_HEADS))})")
        overrides.update(is_decoder=True, add_cross_attention=True)
    if args.problem_type:
        if head != "BertForSequenceClassification":
            raise SystemExit("--problem-type is for BertForSequenceClassification")
        overrides["problem_type"] = args.problem_type
    if args.float_labels and head != "BertForSequenceClassification":
        raise SystemExit("--float-labels is for BertForSequenceClassification")
    cfg = make_config(head, overrides)
    P = args.past_length or 0
    if P and (head not in PAST_HEADS or not cfg.get("is_decoder")):
        raise SystemExit("--past-length needs BertLMHeadModel or BertModel with \"is_decoder\": true")
    if args.labels and head == "BertModel":
        raise SystemExit("--labels: BertModel has no loss")
    rng = np.random.default_rng(args.seed)
    params = random_params(cfg, head, rng)
    choices = (args.choices or 2) if head == "BertForMultipleChoice" else None
    # Draw order: weights, ids/types/mask (as before these options existed), then each option's tensors in a fixed
    # order, so that a case without the new options is unchanged.
    inputs = random_inputs(cfg, rng, args.batch, args.seq + P, choices, args.pad)
    shape = inputs["input_ids"].shape
    if args.position_ids:
        inputs["position_ids"] = rng.integers(0, cfg["max_position_embeddings"], size=shape, dtype=np.int64)
    if args.inputs_embeds:
        del inputs["input_ids"]
        inputs["inputs_embeds"] = rng.normal(0.0, 0.5, size=shape + (cfg["hidden_size"],)).astype(np.float32)
    if args.head_mask:
        inputs["head_mask"] = random_head_mask(cfg, rng, args.head_mask)
    if args.cross_attention:
        se = args.encoder_seq or args.seq + 3
        inputs["encoder_hidden_states"] = rng.normal(0.0, 1.0, size=(args.batch, se, cfg["hidden_size"])).astype(
            np.float32)
        enc_mask = np.ones((args.batch, se), dtype=np.int64)
        if se > 1:
            pad_rows(enc_mask, rng)
        inputs["encoder_attention_mask"] = enc_mask
    if args.labels:
        inputs.update(random_labels(cfg, head, rng, inputs, args.problem_type, args.float_labels))
    if args.mask_3d:
        if head == "BertForMultipleChoice":
            raise SystemExit("--mask-3d: BertForMultipleChoice flattens attention_mask to 2-D, as HF does")
        inputs["attention_mask"] = random_mask_3d(rng, inputs["attention_mask"], causal=bool(cfg.get("is_decoder")))
        if "encoder_attention_mask" in inputs:
            inputs["encoder_attention_mask"] = random_mask_3d(rng, inputs["encoder_attention_mask"],
                                                              queries=inputs["attention_mask"].shape[1])
    outputs = compute_outputs(cfg, head, params, inputs, P)
    if not args.output_attentions:
        outputs = {k: v for k, v in outputs.items() if not k.startswith(("attentions.", "cross_attentions."))}
    metadata = {"past_length": P} if P else None
    return cfg, params, inputs, outputs, metadata


def cmd_make(args):
    cfg, params, inputs, outputs, metadata = build_case(args)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    write_safetensors(os.path.join(args.out, "model.safetensors"), params, {"format": "pt"})
    write_safetensors(os.path.join(args.out, "inputs.safetensors"), inputs, metadata)
    write_safetensors(os.path.join(args.out, "expected.safetensors"),
                      {k: np.asarray(v, np.float64).astype(np.float32) for k, v in outputs.items()})
    print(args.out)


def cmd_check(args):
    head, cfg = load_config(os.path.join(args.dir, "config.json"))
    params = read_safetensors(os.path.join(args.dir, "model.safetensors"))
    inputs, meta = read_safetensors(os.path.join(args.dir, "inputs.safetensors"), with_metadata=True)
    expected = read_safetensors(os.path.join(args.dir, "expected.safetensors"))
    outputs = compute_outputs(cfg, head, params, inputs, int(meta.get("past_length", 0)))
    worst = 0.0
    for name, ref in expected.items():
        if name not in outputs:
            print(f"{name:28s} MISSING from reference outputs")
            worst = float("inf")
            continue
        err = rel_error(outputs[name], ref)
        worst = max(worst, err)
        print(f"{name:28s} shape={list(ref.shape)!s:16s} rel_err={err:.3e}")
    print(f"max relative error: {worst:.3e} ({'OK' if worst < args.tol else 'FAIL'}, tol {args.tol:g})")
    return 0 if worst < args.tol else 1


# --------------------------------------------------------------------------------------------------
# selftest: self-consistency checks of the options (no HF needed). Each check prints one line.
# --------------------------------------------------------------------------------------------------

def _naive_ce(rows, targets, ignore_index=-100):
    """CrossEntropyLoss written with Python loops (independent of cross_entropy above)."""
    total, n = 0.0, 0
    for row, t in zip(rows, targets):
        t = int(t)
        if t == ignore_index:
            continue
        m = max(float(v) for v in row)
        lse = m + math.log(sum(math.exp(float(v) - m) for v in row))
        total += lse - float(row[t])
        n += 1
    return total / n


def _naive_bce(xs, ys):
    total = 0.0
    for x, y in zip(xs, ys):
        p = 1.0 / (1.0 + math.exp(-x))
        total += -(y * math.log(p) + (1.0 - y) * math.log(1.0 - p))
    return total / len(xs)


def _naive_loss(cfg, head, out, inputs):
    """The loss each head documents, recomputed from its logits and labels with loops."""
    lab = inputs.get("labels")

    def rows(x):
        return [list(r) for r in np.asarray(x).reshape(-1, np.asarray(x).shape[-1])]
    if head == "BertForPreTraining":
        return (_naive_ce(rows(out["prediction_logits"]), lab.reshape(-1))
                + _naive_ce(rows(out["seq_relationship_logits"]), inputs["next_sentence_label"]))
    if head == "BertForMaskedLM" or head == "BertForTokenClassification":
        return _naive_ce(rows(out["logits"]), lab.reshape(-1))
    if head == "BertLMHeadModel":  # position t predicts label t + 1
        lg = out["logits"]
        return _naive_ce([list(lg[b, t]) for b in range(lg.shape[0]) for t in range(lg.shape[1] - 1)],
                         [lab[b, t + 1] for b in range(lg.shape[0]) for t in range(lg.shape[1] - 1)])
    if head in ("BertForNextSentencePrediction", "BertForMultipleChoice"):
        return _naive_ce(rows(out["logits"]), lab)
    if head == "BertForQuestionAnswering":
        S = out["start_logits"].shape[1]

        def clamp(p):
            return min(max(int(p), 0), S)
        s = _naive_ce(rows(out["start_logits"]), [clamp(p) for p in inputs["start_positions"]], ignore_index=S)
        e = _naive_ce(rows(out["end_logits"]), [clamp(p) for p in inputs["end_positions"]], ignore_index=S)
        return (s + e) / 2
    if head == "BertForSequenceClassification":
        lg = np.asarray(out["logits"], np.float64)
        pt = cfg.get("problem_type") or ("regression" if cfg["num_labels"] == 1 else
                                         "single_label_classification" if lab.dtype == np.int64 else
                                         "multi_label_classification")
        if pt == "regression":
            y = np.asarray(lab, np.float64).reshape(-1)
            return sum((a - b) ** 2 for a, b in zip(lg.reshape(-1), y)) / y.size
        if pt == "single_label_classification":
            return _naive_ce(rows(lg), lab)
        return _naive_bce(lg.reshape(-1), np.asarray(lab, np.float64).reshape(-1))
    raise ValueError(head)


def cmd_selftest():
    import tempfile
    from argparse import Namespace

    failures = []

    def report(name, ok, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {name}{(': ' + detail) if detail else ''}")
        if not ok:
            failures.append(name)

    def close(name, a, b, tol=1e-10):
        err = rel_error(a, b)
        report(name, err <= tol, f"rel_err {err:.1e}")

    def tiny(pet="absolute", act="gelu", **extra):
        c = {"hidden_size": 24, "num_attention_heads": 3, "num_hidden_layers": 2, "intermediate_size": 40,
             "vocab_size": 41, "max_position_embeddings": 24, "type_vocab_size": 2, "hidden_act": act,
             "position_embedding_type": pet}
        c.update(extra)
        return c

    def case(head, seed, config, **opts):
        a = dict(MAKE_DEFAULTS)
        a.update(head=head, seed=seed, config_json=json.dumps(config), output_attentions=True)
        a.update(opts)
        cfg, params, inputs, outputs, _ = build_case(Namespace(**a))
        return cfg, params, inputs, outputs

    def run(cfg, head, params, inputs, edit=None, **overrides):
        model = Bert(cfg, head, params)
        if edit:
            edit(model)
        args = typed_inputs(inputs)
        args.update(overrides)
        args = {k: v for k, v in args.items() if v is not None}
        return model.forward(**args)

    def same_outputs(name, a, b, skip=(), tol=1e-10):
        names = [k for k in a if not k.startswith("_") and not k.startswith(skip)]
        worst = max(rel_error(a[k], b[k]) for k in names)
        report(name, worst <= tol, f"{len(names)} tensors, max rel_err {worst:.1e}")

    # 1. safetensors: a 0-d tensor is written with shape [] and 4 bytes, and read back 0-d.
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.safetensors")
        write_safetensors(path, {"loss": np.float32(1.25), "x": np.zeros((2, 3), np.float32)})
        with open(path, "rb") as f:
            raw = f.read()
        n = struct.unpack("<Q", raw[:8])[0]
        hdr = json.loads(raw[8:8 + n])
        back = read_safetensors(path)
        report("safetensors 0-d", hdr["loss"]["shape"] == [] and
               hdr["loss"]["data_offsets"][1] - hdr["loss"]["data_offsets"][0] == 4 and
               back["loss"].shape == () and float(back["loss"]) == 1.25)

    # 2. Losses, recomputed with loops from the case's own logits and labels.
    loss_cases = [
        ("BertForPreTraining", {}, {}), ("BertForMaskedLM", {}, {}), ("BertLMHeadModel", {"is_decoder": True}, {}),
        ("BertForNextSentencePrediction", {}, {}), ("BertForMultipleChoice", {}, {"choices": 3}),
        ("BertForTokenClassification", {"num_labels": 5}, {}), ("BertForQuestionAnswering", {}, {"batch": 4}),
        ("BertForSequenceClassification", {"num_labels": 1}, {}),
        ("BertForSequenceClassification", {"num_labels": 3}, {}),
        ("BertForSequenceClassification", {"num_labels": 3}, {"float_labels": True}),
        ("BertForSequenceClassification", {"num_labels": 3}, {"problem_type": "regression"}),
        ("BertForSequenceClassification", {"num_labels": 1}, {"problem_type": "single_label_classification"}),
        ("BertForSequenceClassification", {"num_labels": 4}, {"problem_type": "multi_label_classification"}),
        ("BertForSequenceClassification", {"num_labels": 1}, {"batch": 1}),
    ]
    for i, (head, extra, opts) in enumerate(loss_cases):
        opts = {"batch": 3, "pad": True, **opts}
        cfg, params, inputs, out = case(head, 200 + i, tiny(num_labels=extra.pop("num_labels", 2), **extra),
                                        labels=True, **opts)
        want = _naive_loss(cfg, head, out, typed_inputs(inputs))
        close(f"loss {head} {opts}", out["loss"], want, 1e-12)
    # QA: a position beyond S is ignored, a negative one counts as position 0.
    cfg, params, inputs, out = case("BertForQuestionAnswering", 7, tiny(), labels=True, batch=3)
    sp, ep = inputs["start_positions"], inputs["end_positions"]
    S = out["start_logits"].shape[1]
    ls = np.log(np.exp(out["start_logits"]).sum(-1))
    le = np.log(np.exp(out["end_logits"]).sum(-1))
    start = np.mean([ls[b] - out["start_logits"][b, sp[b]] for b in (0, 2)])  # row 1 is beyond S
    end = np.mean([le[b] - out["end_logits"][b, max(ep[b], 0)] for b in range(3)])
    report("QA positions", sp[1] >= S and ep[2] == -1, f"start {sp.tolist()}, end {ep.tolist()}, S={S}")
    close("QA clamp/ignore", out["loss"], (start + end) / 2, 1e-12)
    # LMHead: the loss is over logits[:, :-1] and labels[:, 1:], so labels[:, 0] never matters.
    cfg, params, inputs, out = case("BertLMHeadModel", 8, tiny(is_decoder=True), labels=True)
    lab2 = inputs["labels"].copy()
    lab2[:, 0] = np.where(lab2[:, 0] == -100, 3, -100)
    close("LMHead ignores labels[:, 0]", run(cfg, "BertLMHeadModel", params, {**inputs, "labels": lab2})["loss"],
          out["loss"], 0)

    # 3. head_mask: all ones = none; a mask value c on a head = scaling that head's value projection by c.
    for pet in ("absolute", "relative_key_query"):
        for kind in ("per-head", "per-layer"):
            for head, extra, opts in (("BertForPreTraining", {}, {}),
                                      ("BertLMHeadModel", {}, {"cross_attention": True, "pad": True}),
                                      ("BertForMultipleChoice", {}, {"choices": 2})):
                cfg, params, inputs, out = case(head, 31, tiny(pet, **extra), head_mask=kind, **opts)
                ones = np.ones_like(inputs["head_mask"])
                base = run(cfg, head, params, {k: v for k, v in inputs.items() if k != "head_mask"})
                same_outputs(f"head_mask ones == none ({head}, {pet}, {kind})",
                             run(cfg, head, params, {**inputs, "head_mask": ones}), base)
                hm = np.broadcast_to(inputs["head_mask"].astype(np.float64),
                                     (cfg["num_hidden_layers"], cfg["num_attention_heads"]))
                d = cfg["hidden_size"] // cfg["num_attention_heads"]

                def scale_values(model, hm=hm, d=d):
                    scale = np.repeat(hm, d, axis=1)  # [L, H]: head j covers output rows j*d .. (j+1)*d
                    for i in range(cfg["num_hidden_layers"]):
                        for att in ("attention", "crossattention"):
                            name = f"{model.prefix}encoder.layer.{i}.{att}.self.value."
                            if name + "weight" in model.w:
                                model.w[name + "weight"] = model.w[name + "weight"] * scale[i][:, None]
                                model.w[name + "bias"] = model.w[name + "bias"] * scale[i]
                scaled = run(cfg, head, params, {k: v for k, v in inputs.items() if k != "head_mask"},
                             edit=scale_values)
                same_outputs(f"head_mask == scaled value rows ({head}, {pet}, {kind})", out, scaled,
                             skip=("attentions.", "cross_attentions."), tol=1e-9)
                # the returned attentions are the probabilities times the head mask
                a0 = out["attentions.0"]
                report(f"attentions rows sum to the head mask ({head}, {pet}, {kind})",
                       np.allclose(a0.sum(-1), np.broadcast_to(hm[0][None, :, None], a0.shape[:3]), atol=1e-12))

    # 4. inputs_embeds equal to the word embeddings of input_ids give the same outputs.
    for head, opts in (("BertForMaskedLM", {"pad": True}), ("BertForMultipleChoice", {"choices": 3}),
                       ("BertLMHeadModel", {"cross_attention": True})):
        cfg, params, inputs, out = case(head, 41, tiny("relative_key", is_decoder=head == "BertLMHeadModel"),
                                        **opts)
        model = Bert(cfg, head, params)
        emb = model.P("embeddings.word_embeddings.weight")[inputs["input_ids"]]
        same_outputs(f"inputs_embeds = word embeddings ({head})",
                     run(cfg, head, params, {k: v for k, v in inputs.items() if k != "input_ids"},
                         inputs_embeds=emb), out)
    cfg, params, inputs, out = case("BertModel", 42, tiny(), inputs_embeds=True)
    report("inputs_embeds replaces input_ids", "input_ids" not in inputs and
           inputs["inputs_embeds"].shape == (2, 8, 24) and inputs["inputs_embeds"].dtype == np.float32)

    # 4b. 3-D attention masks: the 2-D mask broadcast per query (times the causal mask for a decoder) gives the
    # 2-D result; a random 3-D mask zeroes exactly its masked keys in the attentions.
    for head, extra in (("BertForTokenClassification", {}), ("BertLMHeadModel", {"is_decoder": True})):
        cfg, params, inputs, out = case(head, 45, tiny(**extra), pad=True, batch=3)
        m2 = inputs["attention_mask"]
        m3 = np.broadcast_to(m2[:, None, :], (3, 8, 8)).copy()
        if extra:
            m3 = m3 * np.tril(np.ones((8, 8), dtype=np.int64))[None]
        same_outputs(f"3-D mask = 2-D mask per query ({head})", run(cfg, head, params, {**inputs, "attention_mask": m3}),
                     out)
    cfg, params, inputs, out = case("BertModel", 46, tiny(), pad=True, batch=3, mask_3d=True, output_attentions=True)
    a = np.stack([out[f"attentions.{i}"] for i in range(2)])
    m3 = inputs["attention_mask"]
    report("3-D mask: attentions are zero exactly on masked keys", m3.shape == (3, 8, 8) and
           not (a * (1 - m3[None, :, None])).any() and np.allclose(a.sum(-1), 1.0, atol=1e-12) and (m3 == 0).any())

    # 5. position_ids: arange(S) = the default; ignored by relative position types.
    for pet in ("absolute", "relative_key"):
        cfg, params, inputs, out = case("BertForTokenClassification", 51, tiny(pet), position_ids=True, pad=True)
        plain = {k: v for k, v in inputs.items() if k != "position_ids"}
        base = run(cfg, "BertForTokenClassification", params, plain)
        ar = np.broadcast_to(np.arange(8), (2, 8)).astype(np.int64)
        same_outputs(f"position_ids = arange is the default ({pet})",
                     run(cfg, "BertForTokenClassification", params, {**plain, "position_ids": ar}), base)
        differs = rel_error(out["logits"], base["logits"]) > 1e-3
        report(f"random position_ids {'change' if pet == 'absolute' else 'do not change'} outputs ({pet})",
               differs == (pet == "absolute"))

    # 6. Attentions: probabilities, zero on padded keys; causal for decoders; cross-attention ignores padded
    # encoder positions; an all-ones encoder_attention_mask = none.
    for pet in ("absolute", "relative_key", "relative_key_query"):
        cfg, params, inputs, out = case("BertModel", 61, tiny(pet), pad=True, batch=3)
        a = np.stack([out[f"attentions.{i}"] for i in range(2)])
        keymask = inputs["attention_mask"][None, :, None, None, :]
        report(f"encoder attentions ({pet})", np.allclose(a.sum(-1), 1.0, atol=1e-12) and
               not (a * (1 - keymask)).any() and a.shape == (2, 3, 3, 8, 8))
        cfg, params, inputs, out = case("BertLMHeadModel", 62, tiny(pet), pad=True, batch=3, cross_attention=True,
                                        encoder_seq=6)
        a = np.stack([out[f"attentions.{i}"] for i in range(2)])
        ca = np.stack([out[f"cross_attentions.{i}"] for i in range(2)])
        upper = np.triu(np.ones((8, 8)), 1).astype(bool)
        emask = inputs["encoder_attention_mask"]
        report(f"decoder self-attentions causal ({pet})", np.allclose(a.sum(-1), 1.0, atol=1e-12) and
               not a[..., upper].any())
        report(f"cross_attentions ({pet})", ca.shape == (2, 3, 3, 8, 6) and np.allclose(ca.sum(-1), 1.0, atol=1e-12)
               and not (ca * (1 - emask[None, :, None, None, :])).any() and emask[1:].min() == 0)
        enc2 = inputs["encoder_hidden_states"] + 5.0 * (1 - emask)[..., None]
        same_outputs(f"padded encoder positions are ignored ({pet})",
                     run(cfg, "BertLMHeadModel", params, {**inputs, "encoder_hidden_states": enc2}), out, tol=1e-12)
        ones = {**inputs, "encoder_attention_mask": np.ones_like(emask)}
        none = {k: v for k, v in inputs.items() if k != "encoder_attention_mask"}
        same_outputs(f"all-ones encoder_attention_mask = none ({pet})", run(cfg, "BertLMHeadModel", params, ones),
                     run(cfg, "BertLMHeadModel", params, none), tol=0)
        ids2 = inputs["input_ids"].copy()
        ids2[:, 5:] = (ids2[:, 5:] + 1) % cfg["vocab_size"]
        o2 = run(cfg, "BertLMHeadModel", params, {**inputs, "input_ids": ids2})
        report(f"decoder: later tokens do not change earlier positions ({pet})",
               rel_error(o2["logits"][:, :5], out["logits"][:, :5]) == 0 and
               rel_error(o2["logits"][:, 5:], out["logits"][:, 5:]) > 1e-3)
        report(f"crossattention has no distance_embedding ({pet})",
               not any("crossattention" in k and "distance" in k for k in params) and
               "bert.encoder.layer.0.crossattention.output.LayerNorm.weight" in params)

    # 7. Incremental decoding: the cache of the first P positions + the S new tokens = the full forward.
    for pet in ("absolute", "relative_key", "relative_key_query"):
        for head in ("BertLMHeadModel", "BertModel"):
            for S, opts in ((1, {}), (3, {"pad": True}), (4, {"cross_attention": True, "head_mask": "per-layer"}),
                            (2, {"position_ids": True, "inputs_embeds": True, "pad": True})):
                if head == "BertModel" and opts.get("cross_attention"):
                    opts = {**opts, "cross_attention": False}
                P = 5
                tag = f"({head}, {pet}, P={P}, S={S}, {sorted(opts)})"
                cfg, params, inputs, out = case(head, 71 + S, tiny(pet, is_decoder=True), seq=S, past_length=P,
                                                batch=3, **opts)
                main = "logits" if head == "BertLMHeadModel" else "last_hidden_state"
                args = typed_inputs(inputs)
                model = Bert(cfg, head, params)
                # (a) the cache a prefix-only forward returns is the one written
                pre = model.forward(**{k: (v[:, :P] if k in SEQ_INPUTS or k == "attention_mask" else v)
                                       for k, v in args.items()})
                pkv = [(out[f"past_key_values.{i}.key"], out[f"past_key_values.{i}.value"]) for i in range(2)]
                worst = max(max(rel_error(a, b), rel_error(c, e)) for (a, c), (b, e) in zip(pre["_presents"], pkv))
                report(f"prefix-only cache = past_key_values {tag}", worst <= 1e-12 and pkv[0][0].shape ==
                       (3, 3, P, 8), f"{worst:.1e}")
                close(f"prefix-only {main} = full[:, :P] {tag}", pre[main], out[main][:, :P], 1e-12)
                # (b) token-by-token decoding with HF's cached code path = the full forward, for every type
                past, steps = pkv, []
                for t in range(S):
                    step = model.forward(**{k: (v[:, P + t:P + t + 1] if k in SEQ_INPUTS else
                                                v[:, :P + t + 1] if k == "attention_mask" else v)
                                            for k, v in args.items()}, past_key_values=past)
                    steps.append(step[main])
                    past = step["_presents"]
                close(f"one token at a time = {main}_incremental {tag}", np.concatenate(steps, 1),
                      out[main + "_incremental"], 1e-10)
                # (c) all S at once: HF's code matches only for absolute or S == 1; with query positions offset by P
                # it matches always
                new = {k: (v[:, P:] if k in SEQ_INPUTS else v) for k, v in args.items()}
                model.cached_query_positions = "offset"
                close(f"S at once, queries at P + j = {main}_incremental {tag}",
                      model.forward(**new, past_key_values=pkv)[main], out[main + "_incremental"], 1e-10)
                model.cached_query_positions = "hf"
                hf = model.forward(**new, past_key_values=pkv)[main]
                quirk = pet != "absolute" and S > 1
                report(f"{main}_incremental_hf written iff relative and S > 1 {tag}",
                       (main + "_incremental_hf" in out) == quirk and
                       (not quirk or (rel_error(hf, out[main + "_incremental"]) > 1e-3 and
                                      rel_error(hf, out[main + "_incremental_hf"]) == 0)))
                if opts.get("cross_attention"):
                    report(f"cross-attention cache {tag}", out["past_key_values.0.cross_key"].shape == (3, 3, S + 3, 8))

    # 8. make -> check round trip for option combinations, and the shared fixtures.
    combos = [
        ("BertForPreTraining", tiny("relative_key_query"), {"labels": True, "pad": True, "output_attentions": True,
                                                            "head_mask": "per-head"}),
        ("BertLMHeadModel", tiny("relative_key", is_decoder=True), {"labels": True, "cross_attention": True,
                                                                    "output_attentions": True, "past_length": 3,
                                                                    "pad": True}),
        ("BertForMultipleChoice", tiny(), {"labels": True, "inputs_embeds": True, "position_ids": True,
                                           "choices": 3, "output_attentions": True}),
        ("BertForSequenceClassification", tiny(num_labels=3), {"labels": True, "problem_type": "regression"}),
        ("BertForSequenceClassification", tiny(num_labels=3), {"labels": True, "float_labels": True}),
        ("BertForQuestionAnswering", tiny(), {"labels": True, "batch": 3}),
    ]
    with tempfile.TemporaryDirectory() as d:
        for i, (head, config, opts) in enumerate(combos):
            a = dict(MAKE_DEFAULTS)
            a.update(head=head, seed=90 + i, config_json=json.dumps(config), out=os.path.join(d, str(i)), **opts)
            import contextlib
            import io
            with contextlib.redirect_stdout(io.StringIO()) as buf:
                cmd_make(Namespace(**a))
                rc = cmd_check(Namespace(dir=a["out"], tol=1e-6))
            report(f"make -> check {head} {sorted(opts)}", rc == 0, buf.getvalue().strip().splitlines()[-1])
    fixtures = "/work/shared/fixtures"
    if os.path.isdir(fixtures):
        for name in sorted(os.listdir(fixtures)):
            if os.path.isdir(os.path.join(fixtures, name)):
                import contextlib
                import io
                with contextlib.redirect_stdout(io.StringIO()) as buf:
                    rc = cmd_check(Namespace(dir=os.path.join(fixtures, name), tol=1e-6))
                report(f"fixture {name}", rc == 0, buf.getvalue().strip().splitlines()[-1])

    print(f"{'all checks passed' if not failures else str(len(failures)) + ' FAILED'}")
    return 1 if failures else 0


MAKE_DEFAULTS = dict(config_json=None, batch=2, seq=8, choices=None, pad=False, labels=False, problem_type=None,
                     float_labels=False, output_hidden_states=False, output_attentions=False, head_mask=None,
                     position_ids=False, inputs_embeds=False, cross_attention=False, encoder_seq=None,
                     past_length=None, mask_3d=False)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make", help="write a random checkpoint, inputs and expected outputs")
    mk.add_argument("--out", required=True)
    mk.add_argument("--seed", type=int, required=True)
    mk.add_argument("--head", required=True, choices=HEADS)
    mk.add_argument("--config-json", default=None, help="JSON object overriding BertConfig defaults")
    mk.add_argument("--batch", type=int, default=2)
    mk.add_argument("--seq", type=int, default=8, help="sequence length (the new tokens with --past-length)")
    mk.add_argument("--choices", type=int, default=None, help="num_choices for BertForMultipleChoice (default 2)")
    mk.add_argument("--pad", action="store_true", help="pad rows after the first with trailing zeros")
    mk.add_argument("--labels", action="store_true", help="draw the head's labels and write its `loss`")
    mk.add_argument("--problem-type", choices=PROBLEM_TYPES, default=None,
                    help="BertForSequenceClassification: write config.problem_type and draw matching labels")
    mk.add_argument("--float-labels", action="store_true",
                    help="BertForSequenceClassification, num_labels > 1: float32 multi-hot labels, so HF infers "
                         "multi_label_classification")
    mk.add_argument("--output-hidden-states", action="store_true",
                    help="write hidden_states.{0..L} (always written; accepted for symmetry with HF)")
    mk.add_argument("--output-attentions", action="store_true",
                    help="write attentions.{i} (and cross_attentions.{i} with --cross-attention)")
    mk.add_argument("--head-mask", choices=("per-head", "per-layer"), default=None,
                    help="draw head_mask of shape [heads] or [layers, heads]")
    mk.add_argument("--position-ids", action="store_true", help="draw explicit position_ids in [0, max_pos)")
    mk.add_argument("--inputs-embeds", action="store_true", help="write inputs_embeds in place of input_ids")
    mk.add_argument("--cross-attention", action="store_true",
                    help="is_decoder + add_cross_attention; draw encoder_hidden_states and encoder_attention_mask")
    mk.add_argument("--encoder-seq", type=int, default=None, help="encoder length with --cross-attention (seq + 3)")
    mk.add_argument("--past-length", type=int, default=None,
                    help="decoder: the case covers past + seq tokens; write *_incremental and past_key_values.*")
    mk.add_argument("--mask-3d", action="store_true",
                    help="attention_mask (and encoder_attention_mask) per query: [B, S, T] (drawn last)")
    ck = sub.add_parser("check", help="recompute DIR's outputs and compare with DIR/expected.safetensors")
    ck.add_argument("dir")
    ck.add_argument("--tol", type=float, default=1e-6)
    sub.add_parser("selftest", help="self-consistency checks of every option")
    args = ap.parse_args(argv)
    if args.cmd == "make":
        cmd_make(args)
        return 0
    if args.cmd == "selftest":
        return cmd_selftest()
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
