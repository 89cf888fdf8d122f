# BERT, exactly as Hugging Face transformers' modeling_bert.py computes it (eval mode: dropout is the identity).
#
# Parameter paths (`@ "..."`) compose into HF checkpoint names, e.g.
#   bert.encoder.layer.{i}.attention.self.query.weight,  cls.predictions.transform.dense.weight.
# The compiler knows nothing about BERT: everything below is written with the general op library.

config BertConfig {
  vocab_size: int = 30522
  hidden_size: int = 768
  num_hidden_layers: int = 12
  num_attention_heads: int = 12
  intermediate_size: int = 3072
  hidden_act: "gelu" | "gelu_new" | "gelu_pytorch_tanh" | "relu" | "silu" | "swish" | "tanh" | "sigmoid" = "gelu"
  hidden_dropout_prob: float = 0.1
  attention_probs_dropout_prob: float = 0.1
  max_position_embeddings: int = 512
  type_vocab_size: int = 2
  initializer_range: float = 0.02
  layer_norm_eps: float = 1e-12
  pad_token_id: int = 0
  position_embedding_type: "absolute" | "relative_key" | "relative_key_query" = "absolute"
  use_cache: bool = true
  classifier_dropout: float? = none
  is_decoder: bool = false
  add_cross_attention: bool = false
  tie_word_embeddings: bool = true
  output_hidden_states: bool = false
  output_attentions: bool = false
  num_labels: int = 2
  problem_type: "regression" | "single_label_classification" | "multi_label_classification"? = none
}

# ---------------------------------------------------------------------------------------------------------------
# Building blocks (torch.nn.Linear and torch.nn.LayerNorm)

module Linear(in_features: int, out_features: int, bias: bool = true) {
  param weight: f32[out_features, in_features] @ "weight"
  if bias {
    param b: f32[out_features] @ "bias"
  }

  fn forward[*batch](x: f32[*batch, in_features]) -> f32[*batch, out_features] {
    let y = matmul(x, transpose(weight, 0, 1))
    return y + b if bias else y
  }
}

module LayerNorm(size: int, eps: float) {
  param weight: f32[size] @ "weight"
  param bias: f32[size] @ "bias"

  fn forward[*batch](x: f32[*batch, size]) -> f32[*batch, size] {
    return layer_norm(x, weight, bias, eps=eps)
  }
}

# ---------------------------------------------------------------------------------------------------------------
# The encoder

module BertEmbeddings(c: BertConfig) {
  param word_embeddings: f32[c.vocab_size, c.hidden_size] @ "word_embeddings.weight"
  param position_embeddings: f32[c.max_position_embeddings, c.hidden_size] @ "position_embeddings.weight"
  param token_type_embeddings: f32[c.type_vocab_size, c.hidden_size] @ "token_type_embeddings.weight"
  sub LayerNorm: LayerNorm(c.hidden_size, c.layer_norm_eps) @ "LayerNorm"

  fn forward[B, S](input_ids: i32[B, S], token_type_ids: i32[B, S] = 0, position_ids: i32[B, S]?) -> f32[B, S, c.hidden_size] {
    return from_embeds(gather(word_embeddings, input_ids, what="input_ids"), token_type_ids, position_ids)
  }

  # HF's inputs_embeds: the caller's vectors stand in for the word embeddings
  fn from_embeds[B, S](inputs_embeds: f32[B, S, c.hidden_size], token_type_ids: i32[B, S] = 0, position_ids: i32[B, S]?) -> f32[B, S, c.hidden_size] {
    let h = inputs_embeds + gather(token_type_embeddings, token_type_ids, what="token_type_ids")
    if c.position_embedding_type == "absolute" {
      let positions = position_ids if position_ids != none else arange(S)
      h = h + gather(position_embeddings, positions, what="position_ids")
    }
    return LayerNorm(h)
  }
}

# Attention where queries come from h ([B, S]) and keys/values from T positions: h itself (T = S), earlier positions
# kept in a cache followed by h (T = P + S), or an encoder's states (cross-attention, which HF always runs with
# absolute positions).
module BertSelfAttention(c: BertConfig, cross: bool = false) {
  let num_heads = c.num_attention_heads
  let head_size = c.hidden_size // c.num_attention_heads
  let all_head_size = num_heads * head_size
  let positions = "absolute" if cross else c.position_embedding_type
  sub query: Linear(c.hidden_size, all_head_size) @ "query"
  sub key: Linear(c.hidden_size, all_head_size) @ "key"
  sub value: Linear(c.hidden_size, all_head_size) @ "value"
  if positions != "absolute" {
    param distance_embedding: f32[2 * c.max_position_embeddings - 1, head_size] @ "distance_embedding.weight"
  }

  # [B, T, heads * head_size] -> [B, heads, T, head_size]
  fn split_heads[B, T](x: f32[B, T, all_head_size]) -> f32[B, num_heads, T, head_size] {
    return transpose(reshape(x, [B, T, num_heads, head_size]), 1, 2)
  }

  # mask is additive, one row per query: padding (and, for a decoder, the causal mask) as large negative numbers.
  fn attend[B, S, T](
      h: f32[B, S, c.hidden_size],
      keys: f32[B, num_heads, T, head_size],
      values: f32[B, num_heads, T, head_size],
      mask: f32[B, 1, S, T],
      head_mask: f32[num_heads]?,
  ) -> (context: f32[B, S, all_head_size], probs: f32[B, num_heads, S, T]) {
    assert c.hidden_size % c.num_attention_heads == 0, "hidden_size must be a multiple of num_attention_heads"
    let q = split_heads(query(h))
    let scores = matmul(q, transpose(keys, -1, -2))
    if positions != "absolute" {
      # distance[l, r] = l - r between query and key positions (the queries are the last S of T), shifted to index
      # distance_embedding
      let l = slice(arange(T), 0, T - S, T)
      let distance = unsqueeze(l, 1) - unsqueeze(arange(T), 0) + (c.max_position_embeddings - 1)
      let pos = gather(distance_embedding, distance, what="relative distance")
      # einsum("bhld,lrd->bhlr", q, pos) as one batched matmul over l
      let q_by_l = reshape(permute(q, [2, 0, 1, 3]), [S, B * num_heads, head_size])
      let qp = reshape(matmul(q_by_l, transpose(pos, 1, 2)), [S, B, num_heads, T])
      scores = scores + permute(qp, [1, 2, 0, 3])
      if positions == "relative_key_query" {
        # einsum("bhrd,lrd->bhlr", k, pos) as one batched matmul over r
        let k_by_r = reshape(permute(keys, [2, 0, 1, 3]), [T, B * num_heads, head_size])
        let kp = reshape(matmul(k_by_r, permute(pos, [1, 2, 0])), [T, B, num_heads, S])
        scores = scores + permute(kp, [1, 2, 3, 0])
      }
    }
    let probs = softmax(scores / sqrt(head_size) + mask, axis=-1)
    if head_mask != none {
      probs = probs * reshape(head_mask, [1, num_heads, 1, 1])
    }
    let context = reshape(transpose(matmul(probs, values), 1, 2), [B, S, all_head_size])
    return { context: context, probs: probs }
  }

  # keys and values are returned too: they are what a decoder caches
  fn forward[B, S](h: f32[B, S, c.hidden_size], mask: f32[B, 1, S, S], head_mask: f32[num_heads]?)
      -> (context: f32[B, S, all_head_size], probs: f32[B, num_heads, S, S], kv: f32[2, B, num_heads, S, head_size]) {
    let k = split_heads(key(h))
    let v = split_heads(value(h))
    let a = attend(h, k, v, mask, head_mask)
    return { context: a.context, probs: a.probs, kv: stack([k, v], 0) }
  }

  fn forward_cached[B, S, P](h: f32[B, S, c.hidden_size], past: f32[2, B, num_heads, P, head_size], mask: f32[B, 1, S, P + S], head_mask: f32[num_heads]?)
      -> (context: f32[B, S, all_head_size], probs: f32[B, num_heads, S, P + S], kv: f32[2, B, num_heads, P + S, head_size]) {
    let k = concat([select(past, 0, 0), split_heads(key(h))], 2)
    let v = concat([select(past, 0, 1), split_heads(value(h))], 2)
    let a = attend(h, k, v, mask, head_mask)
    return { context: a.context, probs: a.probs, kv: stack([k, v], 0) }
  }

  fn cross_attend[B, S, T](h: f32[B, S, c.hidden_size], encoder_states: f32[B, T, c.hidden_size], mask: f32[B, 1, S, T], head_mask: f32[num_heads]?)
      -> (context: f32[B, S, all_head_size], probs: f32[B, num_heads, S, T]) {
    return attend(h, split_heads(key(encoder_states)), split_heads(value(encoder_states)), mask, head_mask)
  }
}

module BertSelfOutput(c: BertConfig) {
  sub dense: Linear(c.hidden_size, c.hidden_size) @ "dense"
  sub LayerNorm: LayerNorm(c.hidden_size, c.layer_norm_eps) @ "LayerNorm"

  fn forward[B, S](h: f32[B, S, c.hidden_size], input: f32[B, S, c.hidden_size]) -> f32[B, S, c.hidden_size] {
    return LayerNorm(dense(h) + input)
  }
}

module BertIntermediate(c: BertConfig) {
  sub dense: Linear(c.hidden_size, c.intermediate_size) @ "dense"

  fn forward[B, S](h: f32[B, S, c.hidden_size]) -> f32[B, S, c.intermediate_size] {
    return activation(dense(h), c.hidden_act)
  }
}

module BertOutput(c: BertConfig) {
  sub dense: Linear(c.intermediate_size, c.hidden_size) @ "dense"
  sub LayerNorm: LayerNorm(c.hidden_size, c.layer_norm_eps) @ "LayerNorm"

  fn forward[B, S](h: f32[B, S, c.intermediate_size], input: f32[B, S, c.hidden_size]) -> f32[B, S, c.hidden_size] {
    return LayerNorm(dense(h) + input)
  }
}

# HF's BertAttention is self-attention plus its output block; BertLayer spells the two out (self_attention and
# output below keep HF's checkpoint paths) so the cached and cross-attention variants share them.
module BertAttentionBlock(c: BertConfig, cross: bool = false) {
  sub self_attention: BertSelfAttention(c, cross) @ "self"
  sub output: BertSelfOutput(c) @ "output"
}

# A decoder with add_cross_attention attends to an encoder's states after its own tokens.
module BertLayer(c: BertConfig) {
  sub attention: BertAttentionBlock(c) @ "attention"
  if c.add_cross_attention {
    sub crossattention: BertAttentionBlock(c, cross=true) @ "crossattention"
  }
  sub intermediate: BertIntermediate(c) @ "intermediate"
  sub output: BertOutput(c) @ "output"

  fn finish[B, S, T](
      h: f32[B, S, c.hidden_size],
      a: f32[B, S, c.hidden_size],
      encoder_states: f32[B, T, c.hidden_size]?,
      encoder_mask: f32[B, 1, S, T]?,
      head_mask: f32[c.num_attention_heads]?,
  ) -> (hidden: f32[B, S, c.hidden_size], cross_probs: f32[B, c.num_attention_heads, S, T]?) {
    let x = attention.output(a, h)
    let cross_probs = none
    if encoder_states != none {
      assert c.add_cross_attention, "encoder_hidden_states need a model with add_cross_attention = true"
      let ca = crossattention.self_attention.cross_attend(x, encoder_states, encoder_mask, head_mask)
      x = crossattention.output(ca.context, x)
      cross_probs = ca.probs
    }
    return { hidden: output(intermediate(x), x), cross_probs: cross_probs }
  }

  fn forward[B, S, T](
      h: f32[B, S, c.hidden_size],
      mask: f32[B, 1, S, S],
      head_mask: f32[c.num_attention_heads]?,
      encoder_states: f32[B, T, c.hidden_size]?,
      encoder_mask: f32[B, 1, S, T]?,
  ) -> (
      hidden: f32[B, S, c.hidden_size],
      probs: f32[B, c.num_attention_heads, S, S],
      kv: f32[2, B, c.num_attention_heads, S, c.hidden_size // c.num_attention_heads],
      cross_probs: f32[B, c.num_attention_heads, S, T]?,
  ) {
    let a = attention.self_attention(h, mask, head_mask)
    let out = finish(h, a.context, encoder_states, encoder_mask, head_mask)
    return { hidden: out.hidden, probs: a.probs, kv: a.kv, cross_probs: out.cross_probs }
  }

  fn forward_cached[B, S, P, T](
      h: f32[B, S, c.hidden_size],
      past: f32[2, B, c.num_attention_heads, P, c.hidden_size // c.num_attention_heads],
      mask: f32[B, 1, S, P + S],
      head_mask: f32[c.num_attention_heads]?,
      encoder_states: f32[B, T, c.hidden_size]?,
      encoder_mask: f32[B, 1, S, T]?,
  ) -> (
      hidden: f32[B, S, c.hidden_size],
      probs: f32[B, c.num_attention_heads, S, P + S],
      kv: f32[2, B, c.num_attention_heads, P + S, c.hidden_size // c.num_attention_heads],
      cross_probs: f32[B, c.num_attention_heads, S, T]?,
  ) {
    let a = attention.self_attention.forward_cached(h, past, mask, head_mask)
    let out = finish(h, a.context, encoder_states, encoder_mask, head_mask)
    return { hidden: out.hidden, probs: a.probs, kv: a.kv, cross_probs: out.cross_probs }
  }
}

# hidden_states stacks the embeddings' output and every layer's ([L + 1, B, S, H]); attentions stacks every
# layer's probabilities ([L, B, heads, S, T]) — HF's tuples as one tensor each, returned when the config asks.
# past_key_values stacks every layer's keys and values ([L, 2, B, heads, T, head_size]) for the next decoding step.
# With 0 layers the stacks have a 0 dim, as HF's tuples are empty.
module BertEncoder(c: BertConfig) {
  let L = c.num_hidden_layers
  let heads = c.num_attention_heads
  let head_size = c.hidden_size // c.num_attention_heads
  sub layer: BertLayer(c)[c.num_hidden_layers] @ "layer.{i}"

  fn forward[B, S, T](
      h: f32[B, S, c.hidden_size],
      mask: f32[B, 1, S, S],
      head_mask: f32[L, heads]?,
      encoder_states: f32[B, T, c.hidden_size]?,
      encoder_mask: f32[B, 1, S, T]?,
  ) -> (
      last_hidden_state: f32[B, S, c.hidden_size],
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
      past_key_values: f32[L, 2, B, heads, S, head_size]?,
  ) {
    let states = [h]
    let probs = []
    let cross = []
    let kv = []
    for i in 0..L {
      let out = layer[i](h, mask, select(head_mask, 0, i) if head_mask != none else none, encoder_states, encoder_mask)
      h = out.hidden
      states = [*states, h]
      probs = [*probs, out.probs]
      cross = [*cross, out.cross_probs] if encoder_states != none else cross
      kv = [*kv, out.kv]
    }
    return {
      last_hidden_state: h,
      hidden_states: stack(states, 0) if c.output_hidden_states else none,
      attentions: stack(probs, 0, item=[B, heads, S, S]) if c.output_attentions else none,
      cross_attentions: stack(cross, 0, item=[B, heads, S, T]) if c.output_attentions and encoder_states != none else none,
      past_key_values: stack(kv, 0, item=[2, B, heads, S, head_size]) if c.is_decoder and c.use_cache else none,
    }
  }

  fn forward_cached[B, S, P, T](
      h: f32[B, S, c.hidden_size],
      past: f32[L, 2, B, heads, P, head_size],
      mask: f32[B, 1, S, P + S],
      head_mask: f32[L, heads]?,
      encoder_states: f32[B, T, c.hidden_size]?,
      encoder_mask: f32[B, 1, S, T]?,
  ) -> (
      last_hidden_state: f32[B, S, c.hidden_size],
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, P + S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
      past_key_values: f32[L, 2, B, heads, P + S, head_size],
  ) {
    let states = [h]
    let probs = []
    let cross = []
    let kv = []
    for i in 0..L {
      let head = select(head_mask, 0, i) if head_mask != none else none
      let out = layer[i].forward_cached(h, select(past, 0, i), mask, head, encoder_states, encoder_mask)
      h = out.hidden
      states = [*states, h]
      probs = [*probs, out.probs]
      cross = [*cross, out.cross_probs] if encoder_states != none else cross
      kv = [*kv, out.kv]
    }
    return {
      last_hidden_state: h,
      hidden_states: stack(states, 0) if c.output_hidden_states else none,
      attentions: stack(probs, 0, item=[B, heads, S, P + S]) if c.output_attentions else none,
      cross_attentions: stack(cross, 0, item=[B, heads, S, T]) if c.output_attentions and encoder_states != none else none,
      past_key_values: stack(kv, 0, item=[2, B, heads, P + S, head_size]),
    }
  }
}

module BertPooler(c: BertConfig) {
  sub dense: Linear(c.hidden_size, c.hidden_size) @ "dense"

  # the hidden state of the first token ([CLS])
  fn forward[B, S](h: f32[B, S, c.hidden_size]) -> f32[B, c.hidden_size] {
    return tanh(dense(select(h, 1, 0)))
  }
}

module BertModel(c: BertConfig, add_pooling_layer: bool = true) {
  let L = c.num_hidden_layers
  let heads = c.num_attention_heads
  let head_size = c.hidden_size // c.num_attention_heads
  sub embeddings: BertEmbeddings(c) @ "embeddings"
  sub encoder: BertEncoder(c) @ "encoder"
  if add_pooling_layer {
    sub pooler: BertPooler(c) @ "pooler"
  }

  # HF's get_extended_attention_mask: (1 - mask) * finfo(f32).min over the T keys. A [B, T] mask is padding, made
  # causal for decoders (a key is visible up to the query's own position; `positions` are the queries' positions
  # among the keys); a [B, S, T] mask gives each query its own keys and is taken as it is, as HF does.
  fn self_mask[B, S, T](attention_mask: i32[B, T] | i32[B, S, T], positions: i32[S]) -> f32[B, 1, S, T] {
    if rank(attention_mask) == 3 {
      return (1.0 - reshape(cast(attention_mask, f32), [B, 1, S, T])) * min_value(f32)
    }
    let keep = reshape(cast(attention_mask, f32), [B, 1, 1, T])
    if c.is_decoder {
      keep = keep * cast(unsqueeze(arange(T), 0) <= unsqueeze(positions, 1), f32)
    }
    return expand((1.0 - keep) * min_value(f32), [B, 1, S, T])
  }

  # HF's invert_attention_mask for the encoder's states ([B, T] or per query [B, S, T]); all visible when no mask
  # is given
  fn cross_mask[B, S, T](encoder_states: f32[B, T, c.hidden_size]?, encoder_attention_mask: i32[B, T] | i32[B, S, T]?, like: f32[B, S, c.hidden_size]) -> f32[B, 1, S, T]? {
    if encoder_states == none {
      return none
    }
    let keep = ones([B, 1, 1, T])
    if encoder_attention_mask != none {
      let rows = [B, 1, 1, T] if rank(encoder_attention_mask) == 2 else [B, 1, S, T]
      keep = reshape(cast(encoder_attention_mask, f32), rows)
    }
    return expand((1.0 - keep) * min_value(f32), [B, 1, S, T])
  }

  # HF's get_head_mask: a [heads] mask applies to every layer
  fn layer_head_mask(head_mask: f32[L, heads] | f32[heads]?) -> f32[L, heads]? {
    if head_mask == none {
      return none
    }
    return head_mask if rank(head_mask) == 2 else expand(unsqueeze(head_mask, 0), [L, heads])
  }

  fn finish[B, S](out_last: f32[B, S, c.hidden_size]) -> f32[B, c.hidden_size]? {
    return pooler(out_last) if add_pooling_layer else none
  }

  fn forward[B, S, T](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[L, heads] | f32[heads]?,
      encoder_hidden_states: f32[B, T, c.hidden_size]?,
      encoder_attention_mask: i32[B, T] | i32[B, S, T]? in 0..2,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      last_hidden_state: f32[B, S, c.hidden_size],
      pooler_output: f32[B, c.hidden_size]?,
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
      past_key_values: f32[L, 2, B, heads, S, head_size]?,
  ) {
    # HF's inputs_embeds: the caller's vectors stand in for the word embeddings
    let h = embeddings(input_ids, token_type_ids, position_ids) if inputs_embeds == none else embeddings.from_embeds(inputs_embeds, token_type_ids, position_ids)
    return run(h, attention_mask, head_mask, encoder_hidden_states, encoder_attention_mask)
  }

  fn run[B, S, T](
      h: f32[B, S, c.hidden_size],
      attention_mask: i32[B, S] | i32[B, S, S],
      head_mask: f32[L, heads] | f32[heads]?,
      encoder_hidden_states: f32[B, T, c.hidden_size]?,
      encoder_attention_mask: i32[B, T] | i32[B, S, T]?,
  ) -> (
      last_hidden_state: f32[B, S, c.hidden_size],
      pooler_output: f32[B, c.hidden_size]?,
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
      past_key_values: f32[L, 2, B, heads, S, head_size]?,
  ) {
    assert S <= c.max_position_embeddings, "sequence is longer than max_position_embeddings"
    let cross = cross_mask(encoder_hidden_states, encoder_attention_mask, h)
    let out = encoder(h, self_mask(attention_mask, arange(S)), layer_head_mask(head_mask), encoder_hidden_states, cross)
    return {
      last_hidden_state: out.last_hidden_state,
      pooler_output: finish(out.last_hidden_state),
      hidden_states: out.hidden_states,
      attentions: out.attentions,
      cross_attentions: out.cross_attentions,
      past_key_values: out.past_key_values,
    }
  }

  # One step of incremental decoding: S new tokens after P cached ones (HF's past_key_values); attention_mask
  # covers all P + S positions, and the new tokens' positions continue from P.
  fn decode[B, S, P, T](
      past_key_values: f32[L, 2, B, heads, P, head_size],
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, P + S] | i32[B, S, P + S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      head_mask: f32[L, heads] | f32[heads]?,
      encoder_hidden_states: f32[B, T, c.hidden_size]?,
      encoder_attention_mask: i32[B, T] | i32[B, S, T]? in 0..2,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      last_hidden_state: f32[B, S, c.hidden_size],
      pooler_output: f32[B, c.hidden_size]?,
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, P + S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
      past_key_values: f32[L, 2, B, heads, P + S, head_size],
  ) {
    assert P + S <= c.max_position_embeddings, "cached and new tokens are longer than max_position_embeddings"
    let positions = slice(arange(P + S), 0, P, P + S)
    let position_ids = expand(unsqueeze(positions, 0), [B, S])
    let h = embeddings(input_ids, token_type_ids, position_ids) if inputs_embeds == none else embeddings.from_embeds(inputs_embeds, token_type_ids, position_ids)
    let cross = cross_mask(encoder_hidden_states, encoder_attention_mask, h)
    let out = encoder.forward_cached(h, past_key_values, self_mask(attention_mask, positions), layer_head_mask(head_mask), encoder_hidden_states, cross)
    return {
      last_hidden_state: out.last_hidden_state,
      pooler_output: finish(out.last_hidden_state),
      hidden_states: out.hidden_states,
      attentions: out.attentions,
      cross_attentions: out.cross_attentions,
      past_key_values: out.past_key_values,
    }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Heads. Each returns its loss when given labels (torch.nn's losses, mean reduction), then its logits, then the
# base model's optional outputs.

module Losses() {
  fn mse[*s](input: f32[*s], target: f32[*s]) -> f32[] {
    let d = reshape(input - target, [-1])
    return mean(d * d, 0)
  }

  # log(1 + exp(-|x|)) keeps BCEWithLogits finite for large |x|, as torch does
  fn bce_with_logits[*s](x: f32[*s], y: f32[*s]) -> f32[] {
    let l = maximum(x, 0.0) - x * y + log(1.0 + exp(-abs(x)))
    return mean(reshape(l, [-1]), 0)
  }

  # HF's question-answering loss: positions clamped to [0, S]; S itself is ignored
  fn span_ce[B, S](logits: f32[B, S], positions: i32[B]) -> f32[] {
    let seq = sum(ones([S], dtype=i32), 0)
    let p = minimum(maximum(positions, 0), seq)
    return cross_entropy(logits, where(p == seq, -100, p))
  }
}

module BertPredictionHeadTransform(c: BertConfig) {
  sub dense: Linear(c.hidden_size, c.hidden_size) @ "dense"
  sub LayerNorm: LayerNorm(c.hidden_size, c.layer_norm_eps) @ "LayerNorm"

  fn forward[B, S](h: f32[B, S, c.hidden_size]) -> f32[B, S, c.hidden_size] {
    return LayerNorm(activation(dense(h), c.hidden_act))
  }
}

# The MLM decoder is tied to the word embeddings (passed in), as HF ties them unless tie_word_embeddings is false.
module BertLMPredictionHead(c: BertConfig) {
  sub transform: BertPredictionHeadTransform(c) @ "transform"
  param bias: f32[c.vocab_size] @ "bias" | "decoder.bias"
  if not c.tie_word_embeddings {
    param decoder_weight: f32[c.vocab_size, c.hidden_size] @ "decoder.weight"
  }

  fn forward[B, S](h: f32[B, S, c.hidden_size], word_embeddings: f32[c.vocab_size, c.hidden_size]) -> f32[B, S, c.vocab_size] {
    let weight = word_embeddings if c.tie_word_embeddings else decoder_weight
    return matmul(transform(h), transpose(weight, 0, 1)) + bias
  }
}

module BertForPreTraining(c: BertConfig) {
  sub bert: BertModel(c) @ "bert"
  sub predictions: BertLMPredictionHead(c) @ "cls.predictions"
  sub seq_relationship: Linear(c.hidden_size, 2) @ "cls.seq_relationship"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      labels: i32[B, S]?,
      next_sentence_label: i32[B]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      prediction_logits: f32[B, S, c.vocab_size],
      seq_relationship_logits: f32[B, 2],
      hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
      attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
  ) {
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds=inputs_embeds)
    let logits = predictions(out.last_hidden_state, bert.embeddings.word_embeddings)
    let nsp = seq_relationship(out.pooler_output)
    let both = labels != none and next_sentence_label != none
    return {
      loss: cross_entropy(reshape(logits, [B * S, c.vocab_size]), reshape(labels, [B * S])) + cross_entropy(nsp, next_sentence_label) if both else none,
      prediction_logits: logits,
      seq_relationship_logits: nsp,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
    }
  }
}

module BertForMaskedLM(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub predictions: BertLMPredictionHead(c) @ "cls.predictions"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      labels: i32[B, S]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      logits: f32[B, S, c.vocab_size],
      hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
      attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
  ) {
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds=inputs_embeds)
    let logits = predictions(out.last_hidden_state, bert.embeddings.word_embeddings)
    return {
      loss: cross_entropy(reshape(logits, [B * S, c.vocab_size]), reshape(labels, [B * S])) if labels != none else none,
      logits: logits,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
    }
  }
}

# Meant for is_decoder = true (causal attention), as in HF. The loss predicts token t + 1 from tokens up to t.
module BertLMHeadModel(c: BertConfig) {
  let L = c.num_hidden_layers
  let heads = c.num_attention_heads
  let head_size = c.hidden_size // c.num_attention_heads
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub predictions: BertLMPredictionHead(c) @ "cls.predictions"

  fn shifted_loss[B, S](logits: f32[B, S, c.vocab_size], labels: i32[B, S]) -> f32[] {
    let shifted = slice(logits, 1, 0, S - 1)
    return cross_entropy(reshape(shifted, [B * (S - 1), c.vocab_size]), reshape(slice(labels, 1, 1, S), [B * (S - 1)]))
  }

  fn forward[B, S, T](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[L, heads] | f32[heads]?,
      encoder_hidden_states: f32[B, T, c.hidden_size]?,
      encoder_attention_mask: i32[B, T] | i32[B, S, T]? in 0..2,
      labels: i32[B, S]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      logits: f32[B, S, c.vocab_size],
      past_key_values: f32[L, 2, B, heads, S, head_size]?,
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
  ) {
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, encoder_hidden_states, encoder_attention_mask, inputs_embeds)
    let logits = predictions(out.last_hidden_state, bert.embeddings.word_embeddings)
    return {
      loss: shifted_loss(logits, labels) if labels != none else none,
      logits: logits,
      past_key_values: out.past_key_values,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
      cross_attentions: out.cross_attentions,
    }
  }

  # One incremental decoding step with HF's past_key_values (see BertModel.decode).
  fn decode[B, S, P, T](
      past_key_values: f32[L, 2, B, heads, P, head_size],
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, P + S] | i32[B, S, P + S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      head_mask: f32[L, heads] | f32[heads]?,
      encoder_hidden_states: f32[B, T, c.hidden_size]?,
      encoder_attention_mask: i32[B, T] | i32[B, S, T]? in 0..2,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      logits: f32[B, S, c.vocab_size],
      past_key_values: f32[L, 2, B, heads, P + S, head_size],
      hidden_states: f32[L + 1, B, S, c.hidden_size]?,
      attentions: f32[L, B, heads, S, P + S]?,
      cross_attentions: f32[L, B, heads, S, T]?,
  ) {
    let out = bert.decode(past_key_values, input_ids, attention_mask, token_type_ids, head_mask, encoder_hidden_states, encoder_attention_mask, inputs_embeds)
    return {
      logits: predictions(out.last_hidden_state, bert.embeddings.word_embeddings),
      past_key_values: out.past_key_values,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
      cross_attentions: out.cross_attentions,
    }
  }
}

module BertForNextSentencePrediction(c: BertConfig) {
  sub bert: BertModel(c) @ "bert"
  sub seq_relationship: Linear(c.hidden_size, 2) @ "cls.seq_relationship"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      labels: i32[B]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      logits: f32[B, 2],
      hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
      attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
  ) {
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds=inputs_embeds)
    let logits = seq_relationship(out.pooler_output)
    return {
      loss: cross_entropy(logits, labels) if labels != none else none,
      logits: logits,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
    }
  }
}

# HF infers problem_type from num_labels and the labels' dtype at call time; here the labels' dtype is part of the
# signature, so it is inferred from num_labels alone and multi-label problems set problem_type in their config.
module BertForSequenceClassification(c: BertConfig) {
  sub bert: BertModel(c) @ "bert"
  sub classifier: Linear(c.hidden_size, c.num_labels) @ "classifier"
  sub losses: Losses() @ ""
  let problem = c.problem_type if c.problem_type != none else ("regression" if c.num_labels == 1 else "single_label_classification")

  fn run[B, S](
      input_ids: i32[B, S],
      attention_mask: i32[B, S] | i32[B, S, S],
      token_type_ids: i32[B, S],
      position_ids: i32[B, S]?,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  )
      -> (
        logits: f32[B, c.num_labels],
        hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
        attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
      ) {
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds=inputs_embeds)
    return { logits: classifier(out.pooler_output), hidden_states: out.hidden_states, attentions: out.attentions }
  }

  if problem == "single_label_classification" {
    fn forward[B, S](
        input_ids: i32[B, S] in 0..c.vocab_size,
        attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
        token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
        position_ids: i32[B, S]? in 0..c.max_position_embeddings,
        head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
        labels: i32[B]?,
        inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
    ) -> (
        loss: f32[]?,
        logits: f32[B, c.num_labels],
        hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
        attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
    ) {
      let out = run(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds)
      return {
        loss: cross_entropy(out.logits, labels) if labels != none else none,
        logits: out.logits, hidden_states: out.hidden_states, attentions: out.attentions,
      }
    }
  } else if problem == "regression" and c.num_labels == 1 {
    fn forward[B, S](
        input_ids: i32[B, S] in 0..c.vocab_size,
        attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
        token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
        position_ids: i32[B, S]? in 0..c.max_position_embeddings,
        head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
        labels: f32[B]?,
        inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
    ) -> (
        loss: f32[]?,
        logits: f32[B, c.num_labels],
        hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
        attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
    ) {
      let out = run(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds)
      return {
        loss: losses.mse(reshape(out.logits, [B]), labels) if labels != none else none,
        logits: out.logits, hidden_states: out.hidden_states, attentions: out.attentions,
      }
    }
  } else {
    # regression over several outputs, or multi-label classification: float labels [B, num_labels]
    fn forward[B, S](
        input_ids: i32[B, S] in 0..c.vocab_size,
        attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
        token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
        position_ids: i32[B, S]? in 0..c.max_position_embeddings,
        head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
        labels: f32[B, c.num_labels]?,
        inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
    ) -> (
        loss: f32[]?,
        logits: f32[B, c.num_labels],
        hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
        attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
    ) {
      let out = run(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds)
      let loss = none
      if labels != none {
        loss = losses.mse(out.logits, labels) if problem == "regression" else losses.bce_with_logits(out.logits, labels)
      }
      return { loss: loss, logits: out.logits, hidden_states: out.hidden_states, attentions: out.attentions }
    }
  }
}

# Inputs [B, C, S] are flattened to [B * C, S]; each choice gets one score.
module BertForMultipleChoice(c: BertConfig) {
  sub bert: BertModel(c) @ "bert"
  sub classifier: Linear(c.hidden_size, 1) @ "classifier"

  fn forward[B, C, S](
      input_ids: i32[B, C, S] in 0..c.vocab_size,
      attention_mask: i32[B, C, S] in 0..2 = 1,
      token_type_ids: i32[B, C, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, C, S]? in 0..c.max_position_embeddings,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      labels: i32[B]?,
      inputs_embeds: f32[B, C, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      logits: f32[B, C],
      hidden_states: f32[c.num_hidden_layers + 1, B * C, S, c.hidden_size]?,
      attentions: f32[c.num_hidden_layers, B * C, c.num_attention_heads, S, S]?,
  ) {
    let flat = [B * C, S]
    let positions = reshape(position_ids, flat) if position_ids != none else none
    let ids = reshape(input_ids, flat) if input_ids != none else none
    let embeds = reshape(inputs_embeds, [B * C, S, c.hidden_size]) if inputs_embeds != none else none
    let out = bert(ids, reshape(attention_mask, flat), reshape(token_type_ids, flat), positions, head_mask, inputs_embeds=embeds)
    let logits = reshape(classifier(out.pooler_output), [B, C])
    return {
      loss: cross_entropy(logits, labels) if labels != none else none,
      logits: logits,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
    }
  }
}

module BertForTokenClassification(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub classifier: Linear(c.hidden_size, c.num_labels) @ "classifier"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      labels: i32[B, S]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      logits: f32[B, S, c.num_labels],
      hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
      attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
  ) {
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds=inputs_embeds)
    let logits = classifier(out.last_hidden_state)
    return {
      loss: cross_entropy(reshape(logits, [B * S, c.num_labels]), reshape(labels, [B * S])) if labels != none else none,
      logits: logits,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
    }
  }
}

module BertForQuestionAnswering(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub qa_outputs: Linear(c.hidden_size, c.num_labels) @ "qa_outputs"
  sub losses: Losses() @ ""

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] | i32[B, S, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
      position_ids: i32[B, S]? in 0..c.max_position_embeddings,
      head_mask: f32[c.num_hidden_layers, c.num_attention_heads] | f32[c.num_attention_heads]?,
      start_positions: i32[B]?,
      end_positions: i32[B]?,
      inputs_embeds: f32[B, S, c.hidden_size]? replaces input_ids,
  ) -> (
      loss: f32[]?,
      start_logits: f32[B, S],
      end_logits: f32[B, S],
      hidden_states: f32[c.num_hidden_layers + 1, B, S, c.hidden_size]?,
      attentions: f32[c.num_hidden_layers, B, c.num_attention_heads, S, S]?,
  ) {
    assert c.num_labels == 2, "question answering needs num_labels = 2 (start and end)"
    let out = bert(input_ids, attention_mask, token_type_ids, position_ids, head_mask, inputs_embeds=inputs_embeds)
    let logits = qa_outputs(out.last_hidden_state)
    let start = select(logits, 2, 0)
    let end = select(logits, 2, 1)
    let both = start_positions != none and end_positions != none
    return {
      loss: (losses.span_ce(start, start_positions) + losses.span_ce(end, end_positions)) / 2.0 if both else none,
      start_logits: start,
      end_logits: end,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
    }
  }
}
