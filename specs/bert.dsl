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

  fn forward[B, S](input_ids: i32[B, S], token_type_ids: i32[B, S] = 0) -> f32[B, S, c.hidden_size] {
    let h = gather(word_embeddings, input_ids, what="input_ids")
    h = h + gather(token_type_embeddings, token_type_ids, what="token_type_ids")
    if c.position_embedding_type == "absolute" {
      h = h + gather(position_embeddings, arange(S), what="position_ids")
    }
    return LayerNorm(h)
  }
}

module BertSelfAttention(c: BertConfig) {
  let num_heads = c.num_attention_heads
  let head_size = c.hidden_size // c.num_attention_heads
  let all_head_size = num_heads * head_size
  sub query: Linear(c.hidden_size, all_head_size) @ "query"
  sub key: Linear(c.hidden_size, all_head_size) @ "key"
  sub value: Linear(c.hidden_size, all_head_size) @ "value"
  if c.position_embedding_type != "absolute" {
    param distance_embedding: f32[2 * c.max_position_embeddings - 1, head_size] @ "distance_embedding.weight"
  }

  # [B, S, heads * head_size] -> [B, heads, S, head_size]
  fn split_heads[B, S](x: f32[B, S, all_head_size]) -> f32[B, num_heads, S, head_size] {
    return transpose(reshape(x, [B, S, num_heads, head_size]), 1, 2)
  }

  # mask is additive, one row per query: padding (and, for a decoder, the causal mask) as large negative numbers.
  fn forward[B, S](h: f32[B, S, c.hidden_size], mask: f32[B, 1, S, S]) -> f32[B, S, all_head_size] {
    assert c.hidden_size % c.num_attention_heads == 0, "hidden_size must be a multiple of num_attention_heads"
    let q = split_heads(query(h))
    let k = split_heads(key(h))
    let v = split_heads(value(h))
    let scores = matmul(q, transpose(k, -1, -2))
    if c.position_embedding_type != "absolute" {
      # distance[l, r] = l - r, shifted to index distance_embedding
      let distance = unsqueeze(arange(S), 1) - unsqueeze(arange(S), 0) + (c.max_position_embeddings - 1)
      let pos = gather(distance_embedding, distance, what="relative distance")
      # einsum("bhld,lrd->bhlr", q, pos) as one batched matmul over l
      let q_by_l = reshape(permute(q, [2, 0, 1, 3]), [S, B * num_heads, head_size])
      let qp = reshape(matmul(q_by_l, transpose(pos, 1, 2)), [S, B, num_heads, S])
      scores = scores + permute(qp, [1, 2, 0, 3])
      if c.position_embedding_type == "relative_key_query" {
        # einsum("bhrd,lrd->bhlr", k, pos) as one batched matmul over r
        let k_by_r = reshape(permute(k, [2, 0, 1, 3]), [S, B * num_heads, head_size])
        let kp = reshape(matmul(k_by_r, permute(pos, [1, 2, 0])), [S, B, num_heads, S])
        scores = scores + permute(kp, [1, 2, 3, 0])
      }
    }
    let probs = softmax(scores / sqrt(head_size) + mask, axis=-1)
    let context = matmul(probs, v)
    return reshape(transpose(context, 1, 2), [B, S, all_head_size])
  }
}

module BertSelfOutput(c: BertConfig) {
  sub dense: Linear(c.hidden_size, c.hidden_size) @ "dense"
  sub LayerNorm: LayerNorm(c.hidden_size, c.layer_norm_eps) @ "LayerNorm"

  fn forward[B, S](h: f32[B, S, c.hidden_size], input: f32[B, S, c.hidden_size]) -> f32[B, S, c.hidden_size] {
    return LayerNorm(dense(h) + input)
  }
}

module BertAttention(c: BertConfig) {
  sub self_attention: BertSelfAttention(c) @ "self"
  sub output: BertSelfOutput(c) @ "output"

  fn forward[B, S](h: f32[B, S, c.hidden_size], mask: f32[B, 1, S, S]) -> f32[B, S, c.hidden_size] {
    return output(self_attention(h, mask), h)
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

module BertLayer(c: BertConfig) {
  sub attention: BertAttention(c) @ "attention"
  sub intermediate: BertIntermediate(c) @ "intermediate"
  sub output: BertOutput(c) @ "output"

  fn forward[B, S](h: f32[B, S, c.hidden_size], mask: f32[B, 1, S, S]) -> f32[B, S, c.hidden_size] {
    let a = attention(h, mask)
    return output(intermediate(a), a)
  }
}

module BertEncoder(c: BertConfig) {
  sub layer: BertLayer(c)[c.num_hidden_layers] @ "layer.{i}"

  fn forward[B, S](h: f32[B, S, c.hidden_size], mask: f32[B, 1, S, S]) -> f32[B, S, c.hidden_size] {
    for i in 0..c.num_hidden_layers {
      h = layer[i](h, mask)
    }
    return h
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
  sub embeddings: BertEmbeddings(c) @ "embeddings"
  sub encoder: BertEncoder(c) @ "encoder"
  if add_pooling_layer {
    sub pooler: BertPooler(c) @ "pooler"
  }

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (last_hidden_state: f32[B, S, c.hidden_size], pooler_output: f32[B, c.hidden_size]?) {
    assert S <= c.max_position_embeddings, "sequence is longer than max_position_embeddings"
    # HF's get_extended_attention_mask: (1 - mask) * finfo(f32).min, made causal (key <= query) for decoders
    let keep = reshape(cast(attention_mask, f32), [B, 1, 1, S])
    if c.is_decoder {
      keep = keep * cast(unsqueeze(arange(S), 0) <= unsqueeze(arange(S), 1), f32)
    }
    let mask = expand((1.0 - keep) * min_value(f32), [B, 1, S, S])
    let h = encoder(embeddings(input_ids, token_type_ids), mask)
    return { last_hidden_state: h, pooler_output: pooler(h) if add_pooling_layer else none }
  }
}

# ---------------------------------------------------------------------------------------------------------------
# Heads

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
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (prediction_logits: f32[B, S, c.vocab_size], seq_relationship_logits: f32[B, 2]) {
    let out = bert(input_ids, attention_mask, token_type_ids)
    return {
      prediction_logits: predictions(out.last_hidden_state, bert.embeddings.word_embeddings),
      seq_relationship_logits: seq_relationship(out.pooler_output),
    }
  }
}

module BertForMaskedLM(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub predictions: BertLMPredictionHead(c) @ "cls.predictions"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (logits: f32[B, S, c.vocab_size]) {
    let out = bert(input_ids, attention_mask, token_type_ids)
    return { logits: predictions(out.last_hidden_state, bert.embeddings.word_embeddings) }
  }
}

# Meant for is_decoder = true (causal attention), as in HF.
module BertLMHeadModel(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub predictions: BertLMPredictionHead(c) @ "cls.predictions"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (logits: f32[B, S, c.vocab_size]) {
    let out = bert(input_ids, attention_mask, token_type_ids)
    return { logits: predictions(out.last_hidden_state, bert.embeddings.word_embeddings) }
  }
}

module BertForNextSentencePrediction(c: BertConfig) {
  sub bert: BertModel(c) @ "bert"
  sub seq_relationship: Linear(c.hidden_size, 2) @ "cls.seq_relationship"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (logits: f32[B, 2]) {
    return { logits: seq_relationship(bert(input_ids, attention_mask, token_type_ids).pooler_output) }
  }
}

module BertForSequenceClassification(c: BertConfig) {
  sub bert: BertModel(c) @ "bert"
  sub classifier: Linear(c.hidden_size, c.num_labels) @ "classifier"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (logits: f32[B, c.num_labels]) {
    return { logits: classifier(bert(input_ids, attention_mask, token_type_ids).pooler_output) }
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
  ) -> (logits: f32[B, C]) {
    let flat = [B * C, S]
    let out = bert(reshape(input_ids, flat), reshape(attention_mask, flat), reshape(token_type_ids, flat))
    return { logits: reshape(classifier(out.pooler_output), [B, C]) }
  }
}

module BertForTokenClassification(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub classifier: Linear(c.hidden_size, c.num_labels) @ "classifier"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (logits: f32[B, S, c.num_labels]) {
    return { logits: classifier(bert(input_ids, attention_mask, token_type_ids).last_hidden_state) }
  }
}

module BertForQuestionAnswering(c: BertConfig) {
  sub bert: BertModel(c, add_pooling_layer=false) @ "bert"
  sub qa_outputs: Linear(c.hidden_size, c.num_labels) @ "qa_outputs"

  fn forward[B, S](
      input_ids: i32[B, S] in 0..c.vocab_size,
      attention_mask: i32[B, S] in 0..2 = 1,
      token_type_ids: i32[B, S] in 0..c.type_vocab_size = 0,
  ) -> (start_logits: f32[B, S], end_logits: f32[B, S]) {
    assert c.num_labels == 2, "question answering needs num_labels = 2 (start and end)"
    let logits = qa_outputs(bert(input_ids, attention_mask, token_type_ids).last_hidden_state)
    return { start_logits: select(logits, 2, 0), end_logits: select(logits, 2, 1) }
  }
}
