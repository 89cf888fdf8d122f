#!/usr/bin/env python3
"""Independent float64 reference of Hugging Face transformers' BERT (numpy only).

Mirrors `transformers/models/bert/modeling_bert.py` (BertEmbeddings, BertSelfAttention, BertSelfOutput,
BertIntermediate, BertOutput, BertEncoder, BertPooler, the prediction heads and the task models),
`transformers/activations.py` (ACT2FN) and `ModuleUtilsMixin.get_extended_attention_mask` in
`transformers/modeling_utils.py`, in eval mode (dropout is the identity). Written from reading those
sources; it shares no code with this repository's compiler or runtime.

    python3 bert_ref.py make --out DIR --seed N --head HEAD [--config-json JSON] [--batch B] [--seq S]
                             [--choices C] [--pad]
    python3 bert_ref.py check DIR [--tol 1e-6]

`make` writes DIR/config.json, DIR/model.safetensors (F32 weights under HF's names), DIR/inputs.safetensors
(I64 input_ids, token_type_ids, attention_mask) and DIR/expected.safetensors (F32 outputs computed in float64
from the float32-rounded weights). `check` recomputes a folder's outputs and compares them with its
expected.safetensors (relative error ||out - ref|| / ||ref|| per tensor).
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
        arr = np.ascontiguousarray(tensors[name])
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


def read_safetensors(path):
    """Returns dict name -> numpy array (BF16 is widened to float32)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base, out = 8 + n, {}
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
    return out


# --------------------------------------------------------------------------------------------------
# Config: BertConfig defaults (configuration_bert.py) plus the PretrainedConfig fields BERT reads.
# --------------------------------------------------------------------------------------------------

HEADS = ["BertModel", "BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel", "BertForNextSentencePrediction",
         "BertForSequenceClassification", "BertForMultipleChoice", "BertForTokenClassification",
         "BertForQuestionAnswering"]
# Heads whose BertModel is built with add_pooling_layer=False (so no bert.pooler.* in the checkpoint).
NO_POOLER = {"BertForMaskedLM", "BertLMHeadModel", "BertForTokenClassification", "BertForQuestionAnswering"}

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
    if cfg.get("add_cross_attention"):
        raise ValueError("add_cross_attention is not supported by this reference")
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

    def P(self, name):
        return self.w[self.prefix + name]

    # BertEmbeddings.forward
    def embeddings(self, input_ids, token_type_ids):
        S = input_ids.shape[1]
        if S > self.cfg["max_position_embeddings"]:
            raise ValueError("sequence longer than max_position_embeddings")
        x = self.P("embeddings.word_embeddings.weight")[input_ids]
        x = x + self.P("embeddings.token_type_embeddings.weight")[token_type_ids]
        if self.cfg["position_embedding_type"] == "absolute":  # position_ids = arange(S)
            x = x + self.P("embeddings.position_embeddings.weight")[np.arange(S)][None]
        return layer_norm(x, self.P("embeddings.LayerNorm.weight"), self.P("embeddings.LayerNorm.bias"), self.eps)

    # ModuleUtilsMixin.get_extended_attention_mask (+ create_extended_attention_mask_for_decoder)
    def extended_attention_mask(self, attention_mask):
        m = attention_mask.astype(np.float64)
        if self.cfg.get("is_decoder"):
            S = m.shape[1]
            seq = np.arange(S)
            causal = (seq[None, :] <= seq[:, None]).astype(np.float64)  # [S(query), S(key)]
            ext = causal[None, None, :, :] * m[:, None, None, :]        # [B, 1, S, S]
        else:
            ext = m[:, None, None, :]                                   # [B, 1, 1, S]
        return (1.0 - ext) * FLOAT32_MIN

    # BertSelfAttention.forward (no cache, no cross-attention, no head_mask)
    def self_attention(self, x, ext_mask, l):
        nh = self.cfg["num_attention_heads"]
        B, S, H = x.shape
        d = H // nh

        def heads(t):  # transpose_for_scores: [B, S, H] -> [B, nh, S, d]
            return t.reshape(B, S, nh, d).transpose(0, 2, 1, 3)

        q = heads(linear(x, self.P(l + "attention.self.query.weight"), self.P(l + "attention.self.query.bias")))
        k = heads(linear(x, self.P(l + "attention.self.key.weight"), self.P(l + "attention.self.key.bias")))
        v = heads(linear(x, self.P(l + "attention.self.value.weight"), self.P(l + "attention.self.value.bias")))
        scores = q @ k.transpose(0, 1, 3, 2)
        pet = self.cfg["position_embedding_type"]
        if pet in ("relative_key", "relative_key_query"):
            max_pos = self.cfg["max_position_embeddings"]
            distance = np.arange(S)[:, None] - np.arange(S)[None, :]              # l - r
            pos = self.P(l + "attention.self.distance_embedding.weight")[distance + max_pos - 1]  # [S, S, d]
            scores = scores + np.einsum("bhld,lrd->bhlr", q, pos)
            if pet == "relative_key_query":
                scores = scores + np.einsum("bhrd,lrd->bhlr", k, pos)
        scores = scores / math.sqrt(d)  # scaling comes after the relative terms
        scores = scores + ext_mask
        ctx = softmax(scores) @ v                                                 # [B, nh, S, d]
        return ctx.transpose(0, 2, 1, 3).reshape(B, S, H)

    # BertLayer.forward = BertAttention (BertSelfAttention + BertSelfOutput) then BertIntermediate + BertOutput
    def layer(self, x, ext_mask, i):
        l = f"encoder.layer.{i}."
        a = self.self_attention(x, ext_mask, l)
        a = linear(a, self.P(l + "attention.output.dense.weight"), self.P(l + "attention.output.dense.bias"))
        a = layer_norm(a + x, self.P(l + "attention.output.LayerNorm.weight"),
                       self.P(l + "attention.output.LayerNorm.bias"), self.eps)
        h = self.act(linear(a, self.P(l + "intermediate.dense.weight"), self.P(l + "intermediate.dense.bias")))
        h = linear(h, self.P(l + "output.dense.weight"), self.P(l + "output.dense.bias"))
        return layer_norm(h + a, self.P(l + "output.LayerNorm.weight"), self.P(l + "output.LayerNorm.bias"), self.eps)

    # BertModel.forward (with output_hidden_states=True); returns (hidden_states list, pooled or None)
    def bert(self, input_ids, token_type_ids, attention_mask):
        ext = self.extended_attention_mask(attention_mask)
        hs = [self.embeddings(input_ids, token_type_ids)]
        for i in range(self.cfg["num_hidden_layers"]):
            hs.append(self.layer(hs[-1], ext, i))
        pooled = None
        if self.head not in NO_POOLER:  # BertPooler: tanh(dense(h[:, 0]))
            pooled = np.tanh(linear(hs[-1][:, 0], self.P("pooler.dense.weight"), self.P("pooler.dense.bias")))
        return hs, pooled

    # BertLMPredictionHead: transform (dense, act, LayerNorm), then decoder tied to word embeddings + bias
    def lm_head(self, h):
        w = self.w
        t = self.act(linear(h, w["cls.predictions.transform.dense.weight"], w["cls.predictions.transform.dense.bias"]))
        t = layer_norm(t, w["cls.predictions.transform.LayerNorm.weight"],
                       w["cls.predictions.transform.LayerNorm.bias"], self.eps)
        return t @ self.P("embeddings.word_embeddings.weight").T + w["cls.predictions.bias"]

    def forward(self, input_ids, token_type_ids, attention_mask):
        """Returns dict of float64 outputs named as HF's ModelOutput fields (plus the trunk's states)."""
        w, head = self.w, self.head
        num_choices = None
        if head == "BertForMultipleChoice":  # [B, C, S] -> [B*C, S]
            num_choices = input_ids.shape[1]
            input_ids, token_type_ids, attention_mask = (
                t.reshape(-1, t.shape[-1]) for t in (input_ids, token_type_ids, attention_mask))
        hs, pooled = self.bert(input_ids, token_type_ids, attention_mask)
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
        for i, h in enumerate(hs):
            out[f"hidden_states.{i}"] = h
        return out


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
        rows = mask.reshape(-1, seq)
        for r in range(1, rows.shape[0]):  # row 0 stays unpadded; every other row keeps >= 1 real token
            n = int(rng.integers(1, seq))
            rows[r, seq - n:] = 0
    return {"input_ids": ids, "token_type_ids": tt, "attention_mask": mask}


def rel_error(out, ref):
    out, ref = np.asarray(out, np.float64), np.asarray(ref, np.float64)
    if out.shape != ref.shape:
        return float("inf")
    denom = np.linalg.norm(ref)
    return float(np.linalg.norm(out - ref) / (denom if denom > 0 else 1.0))


def cmd_make(args):
    if args.head not in HEADS:
        raise SystemExit(f"unknown head {args.head}; expected one of {', '.join(HEADS)}")
    cfg = make_config(args.head, json.loads(args.config_json) if args.config_json else {})
    rng = np.random.default_rng(args.seed)
    params = random_params(cfg, args.head, rng)
    choices = (args.choices or 2) if args.head == "BertForMultipleChoice" else None
    inputs = random_inputs(cfg, rng, args.batch, args.seq, choices, args.pad)
    outputs = Bert(cfg, args.head, params).forward(**inputs)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    meta = {"format": "pt"}
    write_safetensors(os.path.join(args.out, "model.safetensors"), params, meta)
    write_safetensors(os.path.join(args.out, "inputs.safetensors"), inputs)
    write_safetensors(os.path.join(args.out, "expected.safetensors"),
                      {k: v.astype(np.float32) for k, v in outputs.items()})
    print(args.out)


def cmd_check(args):
    head, cfg = load_config(os.path.join(args.dir, "config.json"))
    params = read_safetensors(os.path.join(args.dir, "model.safetensors"))
    inputs = read_safetensors(os.path.join(args.dir, "inputs.safetensors"))
    expected = read_safetensors(os.path.join(args.dir, "expected.safetensors"))
    inputs = {k: inputs[k].astype(np.int64) for k in ("input_ids", "token_type_ids", "attention_mask")}
    outputs = Bert(cfg, head, params).forward(**inputs)
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


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    mk = sub.add_parser("make", help="write a random checkpoint, inputs and expected outputs")
    mk.add_argument("--out", required=True)
    mk.add_argument("--seed", type=int, required=True)
    mk.add_argument("--head", required=True, choices=HEADS)
    mk.add_argument("--config-json", default=None, help="JSON object overriding BertConfig defaults")
    mk.add_argument("--batch", type=int, default=2)
    mk.add_argument("--seq", type=int, default=8)
    mk.add_argument("--choices", type=int, default=None, help="num_choices for BertForMultipleChoice (default 2)")
    mk.add_argument("--pad", action="store_true", help="pad rows after the first with trailing zeros")
    ck = sub.add_parser("check", help="recompute DIR's outputs and compare with DIR/expected.safetensors")
    ck.add_argument("dir")
    ck.add_argument("--tol", type=float, default=1e-6)
    args = ap.parse_args(argv)
    if args.cmd == "make":
        cmd_make(args)
        return 0
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
