/**
 * Seed inputs for the DSL fuzzer: BERT itself and small valid programs that between them use every construct of the
 * language (configs with enums and optionals, params with aliases, sub arrays, if members, loops, conditionals,
 * records, spreads, ranges, asserts and most built-ins). Each must check clean; `entries` are modules that compile
 * with the defaults.
 */
import { readFileSync } from 'node:fs';

export interface Seed {
  readonly name: string;
  readonly text: string;
  /** Modules `compileGraph` can use as the entry with default arguments. */
  readonly entries: readonly string[];
  /** A config that keeps compiling cheap (e.g. fewer layers). */
  readonly config?: Readonly<Record<string, unknown>>;
}

const BERT_PATH = new URL('../../specs/bert.dsl', import.meta.url);

let bertText: string | undefined;
export function bertSource(): string {
  bertText ??= readFileSync(BERT_PATH, 'utf8');
  return bertText;
}

export const BERT_ENTRIES = [
  'BertModel',
  'BertForPreTraining',
  'BertForMaskedLM',
  'BertLMHeadModel',
  'BertForNextSentencePrediction',
  'BertForSequenceClassification',
  'BertForMultipleChoice',
  'BertForTokenClassification',
  'BertForQuestionAnswering',
];

export function bertSeed(): Seed {
  return { name: 'bert.dsl', text: bertSource(), entries: BERT_ENTRIES, config: { num_hidden_layers: 2 } };
}

export const SMALL_SEEDS: readonly Seed[] = [
  {
    name: 'linear',
    entries: ['Linear'],
    text: `module Linear(in_features: int = 4, out_features: int = 3, bias: bool = true) {
  param weight: f32[out_features, in_features] @ "weight"
  if bias {
    param b: f32[out_features] @ "bias"
  }
  fn forward[*batch](x: f32[*batch, in_features]) -> f32[*batch, out_features] {
    let y = matmul(x, transpose(weight, 0, 1))
    return y + b if bias else y
  }
}
`,
  },
  {
    name: 'mlp',
    entries: ['Mlp'],
    config: { layers: 2 },
    text: `config C {
  hidden: int = 8
  inner: int = 16
  layers: int = 3
  act: "gelu" | "relu" | "silu" = "gelu"
  eps: float = 1e-5
  final_norm: bool = true
  scale: float? = none
}

module Dense(n_in: int, n_out: int) {
  param w: f32[n_in, n_out] @ "w" | "kernel"
  param b: f32[n_out] @ "b"
  fn forward[B](x: f32[B, n_in]) -> f32[B, n_out] {
    return matmul(x, w) + b
  }
}

module Block(c: C) {
  sub up: Dense(c.hidden, c.inner) @ "up"
  sub down: Dense(c.inner, c.hidden) @ "down"
  param g: f32[c.hidden] @ "norm.weight"
  param beta: f32[c.hidden] @ "norm.bias"
  fn forward[B](x: f32[B, c.hidden]) -> f32[B, c.hidden] {
    let h = activation(up(x), c.act)
    if c.scale != none {
      h = h * c.scale
    }
    return layer_norm(down(h) + x, g, beta, eps=c.eps)
  }
}

module Mlp(c: C) {
  sub blocks: Block(c)[c.layers] @ "blocks.{i}"
  fn forward[B](x: f32[B, c.hidden]) -> (out: f32[B, c.hidden], mean: f32[B]) {
    let h: f32[B, c.hidden] = x
    for i in 0..c.layers {
      h = blocks[i](h)
    }
    let m = mean(h, axis=-1)
    return { out: tanh(h) if c.final_norm else h, mean: m }
  }
}
`,
  },
  {
    name: 'attention',
    entries: ['Attention'],
    text: `config A {
  d: int = 8
  heads: int = 2
  causal: bool = false
  kind: "plain" | "scaled" = "scaled"
}

module Attention(c: A) {
  let hd = c.d // c.heads
  param wq: f32[c.d, c.d] @ "q.weight"
  param wk: f32[c.d, c.d] @ "k.weight"
  param wv: f32[c.d, c.d] @ "v.weight"

  fn heads[B, S](x: f32[B, S, c.d]) -> f32[B, c.heads, S, hd] {
    return permute(reshape(x, [B, S, c.heads, -1]), [0, 2, 1, 3])
  }

  fn forward[B, S](x: f32[B, S, c.d], mask: i32[B, S] in 0..2 = 1) -> f32[B, S, c.d] {
    assert c.d % c.heads == 0, "d must be a multiple of heads"
    assert S <= 512, "too long"
    let q = heads(matmul(x, wq))
    let k = heads(matmul(x, wk))
    let v = heads(matmul(x, wv))
    let s = matmul(q, transpose(k, -1, -2))
    if c.kind == "scaled" {
      s = s / sqrt(hd)
    }
    let keep = reshape(cast(mask, f32), [B, 1, 1, S])
    if c.causal {
      keep = keep * cast(unsqueeze(arange(S), 0) <= unsqueeze(arange(S), 1), f32)
    }
    let p = softmax(s + (1.0 - keep) * min_value(f32), axis=-1)
    return reshape(transpose(matmul(p, v), 1, 2), [B, S, c.d])
  }
}
`,
  },
  {
    name: 'ops',
    entries: ['Ops'],
    text: `module Ops(n: int = 4, k: int = 3) {
  param table: f32[10, n] @ "table"
  let sizes = [n, k]

  fn pick[*b](x: f32[*b, 2 * n], floor: f32[] = 0) -> f32[*b, 2 * n] {
    return where(x > floor, x, 0.0)
  }

  fn forward[B](ids: i32[B] in 0..10, labels: i32[B] in 0..4) -> (loss: f32[], parts: f32[B, 2 * n], z: f32[B, n]?) {
    let e = gather(table, ids, what="ids")
    let both = concat([e, e], axis=1)
    let half = slice(both, 1, 0, n)
    let first = select(half, 1, 0)
    let z = zeros([B, n]) + full([1, n], 2.5) * ones([B, 1])
    let big = expand(reshape(first, [B, 1]), [B, n])
    let l = cross_entropy(half + big + z, labels, ignore_index=-1)
    let s = sum(both, axis=0, keepdim=true) + maximum(both, 0.0) - minimum(both, 1.0)
    let m = max(s, axis=0) + abs(exp(log(rsqrt(sqrt(relu(sigmoid(erf(silu(gelu_new(gelu(s)))))))))))
    assert size(e, 1) == n, "width"
    return { loss: l, parts: pick(m * both), z: none }
  }
}
`,
  },
  {
    name: 'nested-if',
    entries: ['Outer'],
    text: `config K { mode: "a" | "b" | "c" = "b", depth: int = 2, on: bool = true }

module Inner(c: K, scale: float = 0.5) {
  if c.mode == "a" {
    param w: f32[4] @ "a"
  } else if c.mode == "b" {
    param w: f32[4] @ "b" | "bb"
  } else {
    let w = 0
  }
  fn forward[B](x: f32[B, 4]) -> f32[B, 4] {
    let y = x
    if c.mode != "c" {
      y = y * w
    } else if not c.on {
      y = -y
    } else {
      y = y * scale
    }
    for i in 0..c.depth {
      y = y + 1 if i % 2 == 0 else y - 1.5
    }
    return y
  }
}

module Outer(c: K) {
  sub inner: Inner(c, scale=2.0) @ ""
  sub many: Inner(c)[2] @ "many.{i}"
  fn forward[B](x: f32[B, 4]) -> f32[B, 4] {
    return many[1](many[0](inner(x)))
  }
}
`,
  },
];

export function allSeeds(): Seed[] {
  return [bertSeed(), ...SMALL_SEEDS];
}
